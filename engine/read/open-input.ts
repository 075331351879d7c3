import type { Dirent, Stats } from 'node:fs';
import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { InputForbiddenError, InputNotFoundError, InputUnreadableError, type SegError } from '../errors.js';
import { readArrow } from './arrow-reader.js';
import { peekChunks, toInputError, type ByteSource } from './byte-source.js';
import { readCsv } from './csv-reader.js';
import { detectFileFormat, formatFromMagic, MAGIC_BYTES } from './detect-format.js';
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
  if (path === STDIN_PATH) return [{ path, size: -1, format: null }];
  const info = await follow(path);
  if (!info.isDirectory()) return [await regularFile(path, info)];
  const files: InputFile[] = [];
  await walk(path, files, new Set([await resolved(path)]));
  if (files.length === 0) throw new InputNotFoundError(`${path}: the folder holds no input files`);
  return files;
}

async function walk(dir: string, out: InputFile[], seen: Set<string>): Promise<void> {
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
      await walk(path, out, seen);
    } else {
      out.push(await regularFile(path, info ?? (await follow(path))));
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
  return { path, size: info.size, format: await sniff(path), realPath: await resolved(path) };
}

function kindOf(info: Stats): string {
  if (info.isFIFO()) return 'a FIFO';
  if (info.isSocket()) return 'a socket';
  if (info.isCharacterDevice() || info.isBlockDevice()) return 'a device';
  return 'not a file';
}

async function sniff(path: string): Promise<InputFormat> {
  try {
    return await detectFileFormat(path);
  } catch (err) {
    throw toInputError(path, err);
  }
}

/** Reads one input file (or stdin) as batches; `options.format` overrides detection. */
export async function* readFile(file: InputFile, options: ReadOptions): AsyncGenerator<RawBatch> {
  if (file.path === STDIN_PATH) {
    yield* readStream(process.stdin, 'stdin', options);
    return;
  }
  const format = options.format ?? file.format ?? (await sniff(file.path));
  yield* READERS[format]({ kind: 'file', path: file.path, size: file.size }, options);
}

/** Reads a one-pass byte stream (stdin, a request body) named `name`, detecting the format from its first bytes unless given. */
export async function* readStream(
  chunks: AsyncIterable<Uint8Array>,
  name: string,
  options: ReadOptions,
): AsyncGenerator<RawBatch> {
  let format = options.format;
  let rest: AsyncIterable<Uint8Array> = chunks;
  if (format === undefined) {
    const peeked = await peekChunks(chunks, MAGIC_BYTES);
    format = formatFromMagic(peeked.head);
    rest = peeked.rest;
  }
  yield* READERS[format]({ kind: 'stream', name, chunks: rest }, options);
}

/** Reads every file a path names (see listInputs), one after another, as one sequence of batches. */
export async function* readInput(path: string, options: ReadOptions): AsyncGenerator<RawBatch> {
  for (const file of await listInputs(path)) yield* readFile(file, options);
}
