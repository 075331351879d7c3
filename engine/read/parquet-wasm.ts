import { open } from 'node:fs/promises';
import { type Table, tableFromIPC } from 'apache-arrow';
import { InputUnreadableError } from '../errors.js';
import { resolveColumns, type ResolvedColumns } from './column-map.js';
import { DEFAULT_BATCH_SIZE, toInputError } from './byte-source.js';
import { PAR1, readHead, startsWith } from './detect-format.js';
import { sliceBatch, toRawBatch } from './arrow-reader.js';
import { ParquetDecoder } from './parquet-decoder.js';
import type { RawBatch, ReadOptions } from './raw-batch.js';

/** A Parquet file on disk, or its bytes (stdin, buffered whole: the footer is at the end). */
export type ParquetInput = { readonly path: string } | { readonly bytes: Uint8Array };

/**
 * The reference Parquet reader: parquet-wasm, on its own worker (parquet-decoder.ts: a corrupt
 * file's wasm trap cannot reach this thread), hands each row group over as Arrow IPC, which
 * apache-arrow reads back as vectors; batches are cut to `batchSize` rows. Only the mapped
 * columns are decoded, one row group at a time, so memory is bounded by the largest row group.
 *
 * Row groups `[from, to)` (clamped to the file's), rows numbered from `firstRow`; `progress` sets
 * `bytesRead` (else -1). The native reader (parquet-native.ts) hands a file, or the rest of one,
 * here when it meets something it does not decode.
 */
export async function* readWasmRowGroups(
  source: string,
  input: ParquetInput,
  from: number,
  to: number,
  options: ReadOptions,
  progress = false,
  firstRow = 1,
): AsyncGenerator<RawBatch> {
  let file: ParquetDecoder;
  let resolved: ResolvedColumns;
  try {
    await checkParquetFrame(source, input);
    file = await ParquetDecoder.open(input);
  } catch (err) {
    throw unreadableParquet(source, err);
  }
  try {
    try {
      const schema = tableFromIPC(file.schemaIpc).schema;
      resolved = resolveColumns(source, schema.fields.map((f) => f.name), options.columns);
    } catch (err) {
      throw unreadableParquet(source, err);
    }
    // parquet-wasm returns the requested columns in file order; name lookup keeps the map right.
    const wanted = [...new Set(resolved.sourceNames)];
    const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    const groups = file.groupBytes;
    const last = Math.min(to, groups.length);
    let bytesRead = 4; // the leading magic
    for (let group = 0; group < from && group < groups.length; group++) bytesRead += groups[group] ?? 0;
    for (let group = from; group < last; group++) {
      let table: Table;
      try {
        table = tableFromIPC(await file.readGroup(group, wanted));
      } catch (err) {
        throw unreadableParquet(source, err);
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

/** Compressed bytes of each row group of a Parquet file, by parquet-wasm. */
export async function wasmGroupBytes(path: string): Promise<number[]> {
  let file: ParquetDecoder;
  try {
    file = await ParquetDecoder.open({ path });
  } catch (err) {
    throw unreadableParquet(path, err);
  }
  await file.close();
  return [...file.groupBytes];
}

/**
 * Opens the file with parquet-wasm and closes it: what arrow-rs checks when it opens a file (its
 * footer, the embedded Arrow schema through the flatbuffers verifier, the page index) decides
 * whether the file is readable. Resolves to the error that makes it unreadable, or undefined.
 */
export async function wasmOpenCheck(source: string, input: ParquetInput): Promise<Error | undefined> {
  try {
    await (await ParquetDecoder.open(input)).close();
    return undefined;
  } catch (err) {
    return unreadableParquet(source, err);
  }
}

// PAR1, footer, footer length (u32), PAR1.
const TRAILER = 8;

/**
 * The leading and trailing magic and a footer length that fits (a truncated file fails here, in
 * one clear line); returns the file's size and its footer's length.
 */
export async function checkParquetFrame(source: string, input: ParquetInput): Promise<{ size: number; footer: number }> {
  const head = 'path' in input ? await readHead(input.path, PAR1.length) : input.bytes.subarray(0, PAR1.length);
  if (!startsWith(head, PAR1)) throw new InputUnreadableError(`${source}: not a Parquet file (no PAR1 magic)`);
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
  return { size, footer };
}

/** A reader's failure as the one error a corrupt Parquet file gives, by either reader. */
export function unreadableParquet(source: string, err: unknown): Error {
  return toInputError(source, err, 'Parquet data is truncated or corrupt');
}
