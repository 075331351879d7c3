import { open, type FileHandle } from 'node:fs/promises';
import { type Data, RecordBatchReader, type RecordBatch, Type } from 'apache-arrow';
import { InputUnreadableError } from '../errors.js';
import { checkArrowFile, guardArrowStream, type RandomReader } from './arrow-ipc-check.js';
import { resolveColumns, type ResolvedColumns } from './column-map.js';
import { DEFAULT_BATCH_SIZE, openChunks, peekChunks, sourceName, toInputError, type ByteSource } from './byte-source.js';
import { ARROW1, CONTINUATION, MAGIC_BYTES, readHead, startsWith } from './detect-format.js';
import type { RawBatch, ReadOptions } from './raw-batch.js';

/** The reader apache-arrow makes of a file handle or an async byte stream. */
export type ArrowReader = Awaited<ReturnType<typeof RecordBatchReader.from>>;

/**
 * Reads Arrow IPC, file or stream format, one RawBatch per record batch (cut to `batchSize`
 * rows when bigger), each column an Arrow vector of whatever type the file has.
 *
 * An IPC *file* on disk is read through a FileHandle: apache-arrow then reads the footer and
 * fetches one batch at a time by offset. A *stream* is read from the byte stream as it comes.
 * An IPC file arriving on stdin is buffered whole (it needs the footer). Either way the framing
 * and metadata are checked against the bytes before apache-arrow decodes them (arrow-ipc-check.ts).
 */
export async function* readArrow(src: ByteSource, options: ReadOptions): AsyncGenerator<RawBatch> {
  const source = sourceName(src);
  let handle: FileHandle | null = null;
  let counted = 0;
  let reader: ArrowReader;
  try {
    // Every length and count apache-arrow will trust is checked against the bytes first
    // (arrow-ipc-check.ts): a corrupt file must fail here, not allocate what it claims.
    if (src.kind === 'file') {
      const head = await readHead(src.path, MAGIC_BYTES);
      if (startsWith(head, ARROW1)) {
        ({ handle, reader } = await openArrowFile(src.path));
      } else {
        checkStreamMagic(source, head);
        reader = await RecordBatchReader.from(countBytes(guardArrowStream(source, openChunks(src))));
      }
    } else {
      const { head, rest } = await peekChunks(src.chunks, MAGIC_BYTES);
      if (startsWith(head, ARROW1)) {
        // An IPC file needs its footer: buffered whole (apache-arrow would do the same).
        const parts: Uint8Array[] = [];
        for await (const chunk of countBytes(rest)) parts.push(chunk);
        const bytes = Buffer.concat(parts);
        await checkArrowFile(source, bytesReader(bytes));
        reader = await RecordBatchReader.from(once(bytes));
      } else {
        checkStreamMagic(source, head);
        reader = await RecordBatchReader.from(countBytes(guardArrowStream(source, rest)));
      }
    }
    await reader.open();
  } catch (err) {
    await handle?.close().catch(() => undefined);
    throw unreadable(source, err);
  }

  async function* countBytes(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    for await (const chunk of chunks) {
      counted += chunk.length;
      yield chunk;
    }
  }

  try {
    const resolved = resolveColumns(source, reader.schema.fields.map((f) => f.name), options.columns);
    const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    const iterator = reader[Symbol.asyncIterator]();
    let firstRow = 1;
    for (let index = 0; ; index++) {
      let next: IteratorResult<RecordBatch>;
      try {
        next = await iterator.next();
      } catch (err) {
        throw unreadable(source, err);
      }
      if (next.done === true) return;
      const bytesRead = handle === null ? counted : fileBytesRead(reader, index);
      for (const part of sliceBatch(next.value, batchSize)) {
        yield toRawBatch(source, firstRow, part, resolved, bytesRead);
        firstRow += part.numRows;
      }
    }
  } finally {
    try {
      await reader.cancel(); // sync readers (an IPC file buffered from stdin) return void
    } catch {
      // already closed or never opened: nothing to release
    }
    await handle?.close().catch(() => undefined);
  }
}

/** The batch's rows as one or more RecordBatches of at most `size` rows (zero-copy slices). */
export function* sliceBatch(batch: RecordBatch, size: number): Generator<RecordBatch> {
  if (batch.numRows <= size) {
    if (batch.numRows > 0) yield batch;
    return;
  }
  for (let begin = 0; begin < batch.numRows; begin += size) yield batch.slice(begin, begin + size);
}

/** The RawBatch view of an Arrow record batch: the mapped columns as vectors. */
export function toRawBatch(
  source: string,
  firstRow: number,
  batch: RecordBatch,
  resolved: ResolvedColumns,
  bytesRead: number,
): RawBatch {
  const columns: RawBatch['columns'] = {};
  resolved.names.forEach((name, k) => {
    const vector = batch.getChildAt(resolved.indices[k]!);
    if (vector === null) return;
    for (const data of vector.data) {
      if (!valuesFit(data)) throw new InputUnreadableError(`${source}: Arrow data is truncated or corrupt: column "${name}" holds fewer values than its ${data.length} rows`);
    }
    columns[name] = { kind: 'arrow', vector };
  });
  return { source, firstRow, length: batch.numRows, columns, malformed: [], bytesRead };
}

/**
 * True when a column's buffers hold a value for each of its rows. A field node may claim more
 * rows than its buffers back (arrow-ipc-check.ts bounds the claim, not each column's buffers),
 * and typed-array views over too few bytes would then throw far from the reader.
 */
function valuesFit(data: Data): boolean {
  const n = data.length;
  if (data.valueOffsets != null) return data.valueOffsets.length >= n + 1;
  const values = data.values as ArrayLike<unknown> | undefined;
  if (values == null || data.typeId === Type.Null) return true;
  if (data.typeId === Type.Bool) return values.length * 8 >= data.offset + n;
  return values.length >= n * data.stride;
}

// An IPC file's footer locates every batch, so the bytes up to the end of batch `index` are known.
function fileBytesRead(reader: RecordBatchReader, index: number): number {
  if (!reader.isFile()) return -1;
  const block = reader.footer?.getRecordBatch(index);
  return block == null ? -1 : Number(block.offset) + block.metaDataLength + Number(block.bodyLength);
}

/**
 * An Arrow IPC file on disk opened for reading by batch (apache-arrow fetches batches by offset
 * from the footer), after checkArrowFile has vetted the footer and every message it locates.
 */
export async function openArrowFile(path: string): Promise<{ handle: FileHandle; reader: ArrowReader }> {
  let handle: FileHandle | null = null;
  try {
    handle = await open(path, 'r');
    await checkArrowFile(path, handleReader(handle, (await handle.stat()).size));
    const reader = await RecordBatchReader.from(handle);
    await reader.open();
    if (!reader.isFile()) throw new InputUnreadableError(`${path}: not an Arrow IPC file`);
    return { handle, reader };
  } catch (err) {
    await handle?.close().catch(() => undefined);
    throw unreadable(path, err);
  }
}

/** A RandomReader over an open file. */
export function handleReader(handle: FileHandle, size: number): RandomReader {
  return {
    size,
    async read(pos, n) {
      const buf = Buffer.alloc(n);
      const { bytesRead } = await handle.read(buf, 0, n, pos);
      return buf.subarray(0, bytesRead);
    },
  };
}

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

/** A RandomReader over bytes in memory. */
export function bytesReader(bytes: Uint8Array): RandomReader {
  return { size: bytes.length, read: async (pos, n) => bytes.subarray(pos, pos + n) };
}

function checkStreamMagic(source: string, head: Buffer): void {
  if (!startsWith(head, CONTINUATION)) {
    throw new InputUnreadableError(`${source}: not an Arrow IPC file or stream (no ARROW1 magic or stream marker)`);
  }
}

function unreadable(source: string, err: unknown): Error {
  return toInputError(source, err, 'Arrow IPC data is truncated or corrupt');
}

/** A range of record batches of an Arrow IPC file: the unit the pool schedules. */
export interface ArrowSplit {
  readonly path: string;
  /** Record batches `[from, to)`. */
  readonly from: number;
  readonly to: number;
}

/** One split per record batch of an Arrow IPC file (a scheduler may merge neighbours); none for a stream. */
export async function planArrowSplits(path: string): Promise<ArrowSplit[]> {
  if (!startsWith(await readHead(path, MAGIC_BYTES), ARROW1)) return [];
  const { handle, reader } = await openArrowFile(path);
  try {
    const n = reader.numRecordBatches;
    await reader.cancel();
    return Array.from({ length: n }, (_, i) => ({ path, from: i, to: i + 1 }));
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** The RawBatches of a split, fetched by offset from the footer, rows numbered from 1 within it. */
export async function* readArrowSplit(split: ArrowSplit, options: ReadOptions): AsyncGenerator<RawBatch> {
  const { path, from, to } = split;
  const { handle, reader } = await openArrowFile(path);
  try {
    const resolved = resolveColumns(path, reader.schema.fields.map((f) => f.name), options.columns);
    const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    let firstRow = 1;
    for (let i = from; i < to; i++) {
      let batch: RecordBatch | null;
      try {
        batch = await reader.readRecordBatch(i);
      } catch (err) {
        throw unreadable(path, err);
      }
      if (batch === null) throw unreadable(path, new Error(`record batch ${i} is missing`));
      for (const slice of sliceBatch(batch, batchSize)) {
        yield toRawBatch(path, firstRow, slice, resolved, -1);
        firstRow += slice.numRows;
      }
    }
  } finally {
    await handle.close().catch(() => undefined);
  }
}
