import { open } from 'node:fs/promises';
import { type Table, tableFromIPC } from 'apache-arrow';
import { InputUnreadableError } from '../errors.js';
import { resolveColumns, type ResolvedColumns } from './column-map.js';
import { DEFAULT_BATCH_SIZE, readAllBytes, sourceName, toInputError, type ByteSource } from './byte-source.js';
import { PAR1, readHead, startsWith } from './detect-format.js';
import { sliceBatch, toRawBatch } from './arrow-reader.js';
import { ParquetDecoder } from './parquet-decoder.js';
import type { RawBatch, ReadOptions } from './raw-batch.js';

/**
 * Reads Parquet one row group at a time, so memory is bounded by the largest row group (decoded),
 * not by the file. Only the mapped columns are decoded. parquet-wasm, on its own worker
 * (parquet-decoder.ts: a corrupt file's wasm trap cannot reach this thread), hands each row group
 * over as Arrow IPC, which apache-arrow reads back as vectors; batches are cut to `batchSize` rows.
 *
 * A file is read by byte range (footer first, then each row group). Parquet on stdin cannot be
 * read front to back (the footer is at the end), so a stdin Parquet input is buffered whole.
 */
export async function* readParquet(src: ByteSource, options: ReadOptions): AsyncGenerator<RawBatch> {
  const source = sourceName(src);
  yield* readRowGroups(source, src.kind === 'file' ? { path: src.path } : { bytes: await readAllBytes(src) }, 0, Infinity, options, true);
}

/**
 * Row groups `[from, to)` (clamped to the file's) of a Parquet file or its bytes as RawBatches,
 * rows numbered from 1; `progress` sets `bytesRead` (else -1). Shared with the pool's shares.
 */
export async function* readRowGroups(
  source: string,
  input: { path: string } | { bytes: Uint8Array },
  from: number,
  to: number,
  options: ReadOptions,
  progress = false,
): AsyncGenerator<RawBatch> {
  let file: ParquetDecoder;
  let resolved: ResolvedColumns;
  try {
    const head = 'path' in input ? await readHead(input.path, PAR1.length) : input.bytes.subarray(0, PAR1.length);
    if (!startsWith(head, PAR1)) throw new InputUnreadableError(`${source}: not a Parquet file (no PAR1 magic)`);
    await checkTrailer(source, input);
    file = await ParquetDecoder.open(input);
  } catch (err) {
    throw unreadable(source, err);
  }
  try {
    try {
      const schema = tableFromIPC(file.schemaIpc).schema;
      resolved = resolveColumns(source, schema.fields.map((f) => f.name), options.columns);
    } catch (err) {
      throw unreadable(source, err);
    }
    // parquet-wasm returns the requested columns in file order; name lookup keeps the map right.
    const wanted = [...new Set(resolved.sourceNames)];
    const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    const groups = file.groupBytes;
    const last = Math.min(to, groups.length);
    let firstRow = 1;
    let bytesRead = 4; // the leading magic
    for (let group = from; group < last; group++) {
      let table: Table;
      try {
        table = tableFromIPC(await file.readGroup(group, wanted));
      } catch (err) {
        throw unreadable(source, err);
      }
      bytesRead = group === groups.length - 1 ? file.size : Math.min(file.size, bytesRead + (groups[group] ?? 0));
      const positions = wanted.map((name) => table.schema.fields.findIndex((f) => f.name === name));
      const local: ResolvedColumns = {
        names: resolved.names,
        sourceNames: resolved.sourceNames,
        indices: resolved.sourceNames.map((name) => positions[wanted.indexOf(name)]!),
      };
      for (const batch of table.batches) {
        for (const part of sliceBatch(batch, batchSize)) {
          yield toRawBatch(source, firstRow, part, local, progress ? bytesRead : -1);
          firstRow += part.numRows;
        }
      }
    }
  } finally {
    await file.close();
  }
}

/** Compressed bytes of each row group of a Parquet file (for planning shares). */
export async function parquetGroupBytes(path: string): Promise<number[]> {
  let file: ParquetDecoder;
  try {
    file = await ParquetDecoder.open({ path });
  } catch (err) {
    throw unreadable(path, err);
  }
  await file.close();
  return [...file.groupBytes];
}

// PAR1, footer, footer length (u32), PAR1.
const TRAILER = 8;

/** The trailing magic and a footer length that fits: a truncated file fails here, in one clear line. */
async function checkTrailer(source: string, input: { path: string } | { bytes: Uint8Array }): Promise<void> {
  let size: number;
  let tail: Uint8Array;
  if ('path' in input) {
    const fh = await open(input.path, 'r');
    try {
      size = (await fh.stat()).size;
      tail = Buffer.alloc(Math.min(TRAILER, size));
      await fh.read(tail, 0, tail.length, size - tail.length);
    } finally {
      await fh.close();
    }
  } else {
    size = input.bytes.length;
    tail = input.bytes.subarray(Math.max(0, size - TRAILER));
  }
  if (size < PAR1.length + TRAILER || !startsWith(tail.subarray(4), PAR1)) throw new InputUnreadableError(`${source}: Parquet data is truncated (no PAR1 magic at the end)`);
  const footer = new DataView(tail.buffer, tail.byteOffset, 4).getUint32(0, true);
  if (footer === 0 || footer > size - PAR1.length - TRAILER) throw new InputUnreadableError(`${source}: Parquet data is corrupt: a footer of ${footer} bytes in a file of ${size}`);
}

function unreadable(source: string, err: unknown): Error {
  return toInputError(source, err, 'Parquet data is truncated or corrupt');
}
