import type { Dirent, Stats } from 'node:fs';
import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { InputForbiddenError, InputNotFoundError, InputUnreadableError, type SegError } from '../errors.js';
import { readArrow } from './arrow-reader.js';
import { openChunks, peekChunks, toInputError, type ByteSource } from './byte-source.js';
import { readCsv } from './csv-reader.js';
import { formatFromExtension, formatFromMagic, MAGIC_BYTES, readHead, startsWith } from './detect-format.js';
import { GZIP_MAGIC, gunzipChunks, gunzipHead, isDataFileName, refuseUnreadableKind, SNIFF_BYTES, withoutGz } from './file-kind.js';
import { readNdjson } from './ndjson-reader.js';
import { readParquet } from './parquet-reader.js';
import type { InputFormat, RawBatch, ReadOptions } from './raw-batch.js';

/** The path that means standard input. */
export const STDIN_PATH = '-';

/** One input file: its path (`-` for stdin), size in bytes (-1 when unknown) and format. */
export interface InputFile {
  readonly path: string;
  readonly size: number;
  /** null for stdin: decided from its first bytes when read. */
  readonly format: InputFormat | null;
  /** The file's canonical path, every symlink resolved (absent for stdin): what a confinement check compares. */
  readonly realPath?: string;
  /** `gzip`: the file is read through gunzip (by its `.gz` name or its 1f 8b magic); `format` is what it holds. */
  readonly compression?: 'gzip';
}

/** A file of an input folder that is not read, and why (recorded in the manifest, warned in the summary). */
export interface SkippedFile {
  readonly path: string;
  readonly reason: string;
}

/** The files an input path names: those read, and a folder's files left out. */
export interface InputSet {
  readonly files: InputFile[];
  readonly skipped: SkippedFile[];
}

/** Options of {@link listInputSet}. */
export interface ListOptions {
  /**
   * Source column names of the mapping: a folder's `.txt` file whose first line names none of
   * them is a note (README.txt), skipped rather than failing the whole job.
   */
  readonly columnNames?: readonly string[];
}

const READERS: Readonly<Record<InputFormat, (src: ByteSource, options: ReadOptions) => AsyncGenerator<RawBatch>>> = {
  csv: readCsv,
  ndjson: readNdjson,
  arrow: readArrow,
  parquet: readParquet,
};

/**
 * The files a path names: the file itself; a folder's files, recursively, in name order, skipping
 * names that start with `.` or `_` (hidden files and markers such as Spark's `_SUCCESS`, after
 * pyarrow.dataset's default); or stdin for `-`. Symlinks are followed (a folder of links to the
 * real exports reads them), each folder once. Only regular files are read: a FIFO, socket or
 * device would block a job forever or never end, so it is InputForbiddenError before anything
 * opens it. A missing path, a dangling link or an empty folder is InputNotFoundError; a symlink
 * loop or an unreadable folder is InputUnreadableError.
 */
export async function listInputs(path: string): Promise<InputFile[]> {
  return (await listInputSet(path)).files;
}

/**
 * As listInputs, and a folder's files that are not data are skipped with their reason: a name
 * without a data extension (`.csv .tsv .txt .ndjson .jsonl .json .arrow .arrows .ipc .feather
 * .parquet .pq`, or `.gz` of one), or a `.txt` whose first line names no mapped column (a
 * README.txt beside the exports). A file named on its own is always read (or refused).
 */
export async function listInputSet(path: string, options: ListOptions = {}): Promise<InputSet> {
  if (path === STDIN_PATH) return { files: [{ path, size: -1, format: null }], skipped: [] };
  const info = await follow(path);
  if (!info.isDirectory()) return { files: [await regularFile(path, info)], skipped: [] };
  const found: InputFile[] = [];
  const skipped: SkippedFile[] = [];
  await walk(path, found, new Set([await resolved(path)]), skipped);
  const files: InputFile[] = [];
  for (const file of found) {
    const note = await isNote(file, options.columnNames);
    if (note) skipped.push({ path: file.path, reason: 'a .txt file whose first line names no mapped column (a note, not data)' });
    else files.push(file);
  }
  if (files.length === 0) {
    const also = skipped.length > 0 ? ` (${skipped.length} other file${skipped.length === 1 ? '' : 's'} skipped: not data files)` : '';
    throw new InputNotFoundError(`${path}: the folder holds no input files${also}`);
  }
  return { files, skipped };
}

async function isNote(file: InputFile, columnNames: readonly string[] | undefined): Promise<boolean> {
  if (columnNames === undefined || !/\.txt$/i.test(withoutGz(file.path))) return false;
  let head: Buffer = await readHead(file.path, SNIFF_BYTES);
  if (file.compression === 'gzip') head = gunzipHead(head);
  const text = head.toString('utf8').replace(/^\uFEFF/, '');
  const nl = text.indexOf('\n');
  const line = (nl < 0 ? text : text.slice(0, nl)).replace(/\r$/, '');
  const fields = line.split(/[,;\t|]/).map((f) => f.trim().replace(/^"(.*)"$/, '$1'));
  return !columnNames.some((name) => fields.includes(name));
}

async function walk(dir: string, out: InputFile[], seen: Set<string>, skipped: SkippedFile[]): Promise<void> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    throw statError(dir, err);
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    if (entry.name.startsWith('.') || entry.name.startsWith('_')) continue;
    const path = join(dir, entry.name);
    const info = entry.isSymbolicLink() ? await follow(path) : null;
    if (entry.isDirectory() || info?.isDirectory() === true) {
      // A link back up the tree would walk forever: each real folder is read once.
      const real = await resolved(path);
      if (seen.has(real)) continue;
      seen.add(real);
      await walk(path, out, seen, skipped);
    } else {
      const stats = info ?? (await follow(path));
      // Special files are refused even under another name: a data name must not hide a FIFO.
      if (stats.isFile() && !isDataFileName(entry.name)) skipped.push({ path, reason: 'not a data file (by its extension)' });
      else out.push(await regularFile(path, stats));
    }
  }
}

/** stat() with the failures told apart: missing, a dangling link, a link loop, no permission. */
async function follow(path: string): Promise<Stats> {
  try {
    return await stat(path);
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ENOENT' && (await isLink(path))) {
      throw new InputNotFoundError(`${path}: a symbolic link to a file that does not exist`, { cause: err });
    }
    throw statError(path, err);
  }
}

async function isLink(path: string): Promise<boolean> {
  try {
    return (await lstat(path)).isSymbolicLink();
  } catch {
    return false;
  }
}

function statError(path: string, err: unknown): SegError {
  switch ((err as { code?: unknown }).code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return new InputNotFoundError(`${path}: no such file or folder`, { cause: err });
    case 'ELOOP':
      return new InputUnreadableError(`${path}: a symbolic link loop (too many levels of links)`, { cause: err });
    case 'EACCES':
    case 'EPERM':
      return new InputUnreadableError(`${path}: permission denied`, { cause: err });
    default:
      return new InputUnreadableError(`${path}: cannot be listed (${String((err as { code?: unknown }).code ?? 'error')})`, { cause: err });
  }
}

async function resolved(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch (err) {
    throw statError(path, err);
  }
}

/** The InputFile of a path whose (followed) stat is `info`, refusing anything but a regular file. */
async function regularFile(path: string, info: Stats): Promise<InputFile> {
  if (!info.isFile()) throw new InputForbiddenError(`${path}: not a regular file (${kindOf(info)}); only regular files are read`);
  const { format, gzip } = await sniff(path);
  return { path, size: info.size, format, realPath: await resolved(path), ...(gzip ? { compression: 'gzip' as const } : {}) };
}

function kindOf(info: Stats): string {
  if (info.isFIFO()) return 'a FIFO';
  if (info.isSocket()) return 'a socket';
  if (info.isCharacterDevice() || info.isBlockDevice()) return 'a device';
  return 'not a file';
}

/**
 * A file's format (its extension, else its first bytes) and whether it is gzip, after refusing
 * the kinds no reader takes (file-kind.ts). A gzip file's format is its inner extension
 * (`orders.csv.gz`) or the magic of the bytes it inflates to.
 */
async function sniff(path: string): Promise<{ format: InputFormat; gzip: boolean }> {
  let head: Buffer;
  try {
    head = await readHead(path, SNIFF_BYTES);
  } catch (err) {
    throw toInputError(path, err);
  }
  const gzip = startsWith(head, GZIP_MAGIC);
  const inner = gzip ? gunzipHead(head) : head;
  const format = formatFromExtension(gzip ? withoutGz(path) : path) ?? formatFromMagic(inner);
  refuseUnreadableKind(path, inner, format);
  return { format, gzip };
}

/** Reads one input file (or stdin) as batches; `options.format` overrides detection. */
export async function* readFile(file: InputFile, options: ReadOptions): AsyncGenerator<RawBatch> {
  if (file.path === STDIN_PATH) {
    yield* readStream(process.stdin, 'stdin', options);
    return;
  }
  const sniffed = file.format === null || file.compression === undefined ? await sniff(file.path) : { format: file.format, gzip: true };
  const format = options.format ?? file.format ?? sniffed.format;
  if (sniffed.gzip) {
    // Progress counts the file's (compressed) bytes, which is what its size says.
    let compressed = 0;
    const counted = async function* (): AsyncGenerator<Buffer> {
      for await (const chunk of openChunks({ kind: 'file', path: file.path, size: file.size })) {
        compressed += chunk.length;
        yield chunk;
      }
    };
    for await (const raw of READERS[format]({ kind: 'stream', name: file.path, chunks: gunzipChunks(counted()) }, options)) {
      yield { ...raw, bytesRead: Math.min(compressed, file.size) };
    }
    return;
  }
  yield* READERS[format]({ kind: 'file', path: file.path, size: file.size }, options);
}

/** Reads a one-pass byte stream (stdin, a request body) named `name`, detecting the format from its first bytes unless given. */
export async function* readStream(
  chunks: AsyncIterable<Uint8Array>,
  name: string,
  options: ReadOptions,
): AsyncGenerator<RawBatch> {
  let format = options.format;
  let peeked = await peekChunks(chunks, MAGIC_BYTES);
  if (startsWith(peeked.head, GZIP_MAGIC)) peeked = await peekChunks(gunzipChunks(peeked.rest), MAGIC_BYTES);
  const rest: AsyncIterable<Uint8Array> = peeked.rest;
  format ??= formatFromMagic(peeked.head);
  refuseUnreadableKind(name, peeked.head, format);
  yield* READERS[format]({ kind: 'stream', name, chunks: rest }, options);
}

/** Reads every file a path names (see listInputs), one after another, as one sequence of batches. */
export async function* readInput(path: string, options: ReadOptions): AsyncGenerator<RawBatch> {
  for (const file of await listInputs(path)) yield* readFile(file, options);
}
