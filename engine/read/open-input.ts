import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { InputNotFoundError } from '../errors.js';
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
 * pyarrow.dataset's default); or stdin for `-`. A missing path or an empty folder is InputNotFoundError.
 */
export async function listInputs(path: string): Promise<InputFile[]> {
  if (path === STDIN_PATH) return [{ path, size: -1, format: null }];
  let info;
  try {
    info = await stat(path);
  } catch (err) {
    throw new InputNotFoundError(`${path}: no such file or folder`, { cause: err });
  }
  if (!info.isDirectory()) return [{ path, size: info.size, format: await sniff(path) }];
  const files: InputFile[] = [];
  await walk(path, files);
  if (files.length === 0) throw new InputNotFoundError(`${path}: the folder holds no input files`);
  return files;
}

async function walk(dir: string, out: InputFile[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    if (entry.name.startsWith('.') || entry.name.startsWith('_')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await walk(path, out);
    else if (entry.isFile()) out.push({ path, size: (await stat(path)).size, format: await sniff(path) });
  }
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
