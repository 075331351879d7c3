import { openAsBlob } from 'node:fs';
import { type Table, tableFromIPC } from 'apache-arrow';
import { ParquetFile } from 'parquet-wasm';
import { InputUnreadableError } from '../errors.js';
import { resolveColumns, type ResolvedColumns } from './column-map.js';
import { DEFAULT_BATCH_SIZE, readAllBytes, sourceName, toInputError, type ByteSource } from './byte-source.js';
import { PAR1, startsWith } from './detect-format.js';
import { sliceBatch, toRawBatch } from './arrow-reader.js';
import type { RawBatch, ReadOptions } from './raw-batch.js';

// parquet-wasm decodes 1,024 rows per Arrow batch by default, about 5x slower than this (TOOLCHAIN.md).
const DECODE_BATCH_ROWS = 65_536;

/**
 * Reads Parquet one row group at a time, so memory is bounded by the largest row group (decoded),
 * not by the file. Only the mapped columns are decoded. parquet-wasm hands each row group over
 * as Arrow IPC, which apache-arrow reads back as vectors; batches are cut to `batchSize` rows.
 *
 * A file is read through `fs.openAsBlob`, which parquet-wasm reads by byte range (footer first,
 * then each row group). Parquet on stdin cannot be read front to back (the footer is at the end),
 * so a stdin Parquet input is buffered whole in memory.
 */
export async function* readParquet(src: ByteSource, options: ReadOptions): AsyncGenerator<RawBatch> {
  const source = sourceName(src);
  let file: ParquetFile;
  let size: number;
  let resolved: ResolvedColumns;
  let groupBytes: number[];
  try {
    const blob = src.kind === 'file' ? await openAsBlob(src.path) : new Blob([await readAllBytes(src)]);
    size = blob.size;
    const head = new Uint8Array(await blob.slice(0, 4).arrayBuffer());
    if (!startsWith(head, PAR1)) throw new InputUnreadableError(`${source}: not a Parquet file (no PAR1 magic)`);
    file = await ParquetFile.fromFile(blob);
  } catch (err) {
    throw unreadable(source, err);
  }
  try {
    try {
      const schema = tableFromIPC(file.schema().intoIPCStream()).schema;
      resolved = resolveColumns(source, schema.fields.map((f) => f.name), options.columns);
      const meta = file.metadata();
      groupBytes = meta.rowGroups().map((group) => {
        const bytes = group.compressedSize();
        group.free();
        return bytes;
      });
      meta.free();
    } catch (err) {
      throw unreadable(source, err);
    }
    // parquet-wasm returns the requested columns in file order; name lookup keeps the map right.
    const wanted = [...new Set(resolved.sourceNames)];
    const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    let firstRow = 1;
    let bytesRead = 4; // the leading magic
    for (let group = 0; group < groupBytes.length; group++) {
      let table: Table;
      try {
        const wasmTable = await file.read({ rowGroups: [group], batchSize: DECODE_BATCH_ROWS, columns: wanted });
        table = tableFromIPC(wasmTable.intoIPCStream()); // `into…` frees the wasm-side table
      } catch (err) {
        throw unreadable(source, err);
      }
      bytesRead = group === groupBytes.length - 1 ? size : Math.min(size, bytesRead + (groupBytes[group] ?? 0));
      const positions = wanted.map((name) => table.schema.fields.findIndex((f) => f.name === name));
      const local: ResolvedColumns = {
        names: resolved.names,
        sourceNames: resolved.sourceNames,
        indices: resolved.sourceNames.map((name) => positions[wanted.indexOf(name)]!),
      };
      for (const batch of table.batches) {
        for (const part of sliceBatch(batch, batchSize)) {
          yield toRawBatch(source, firstRow, part, local, bytesRead);
          firstRow += part.numRows;
        }
      }
    }
  } finally {
    file.free();
  }
}

function unreadable(source: string, err: unknown): Error {
  return toInputError(source, err, 'Parquet data is truncated or corrupt');
}
