import { sourceName, readAllBytes, type ByteSource } from './byte-source.js';
import { planSplits, readParquetGroups } from './parquet-native.js';
import type { ParquetInput } from './parquet-wasm.js';
import type { RawBatch, ReadOptions } from './raw-batch.js';

/**
 * Reads Parquet one row group at a time, so memory is bounded by the largest row group (decoded),
 * not by the file; only the mapped columns are decoded. The native reader (parquet-native.ts)
 * decodes it when the addon is built; parquet-wasm (parquet-wasm.ts), the reference, reads what
 * the native reader does not decode, and every file when the addon is missing.
 *
 * A file is read by byte range (footer first, then each row group's column chunks). Parquet on
 * stdin cannot be read front to back (the footer is at the end), so a stdin input is buffered whole.
 */
export async function* readParquet(src: ByteSource, options: ReadOptions): AsyncGenerator<RawBatch> {
  const source = sourceName(src);
  yield* readRowGroups(source, src.kind === 'file' ? { path: src.path } : { bytes: await readAllBytes(src) }, 0, Infinity, options, true);
}

/**
 * Row groups `[from, to)` (clamped to the file's) of a Parquet file or its bytes as RawBatches,
 * rows numbered from 1; `progress` sets `bytesRead` (else -1). Shared with the pool's shares.
 */
export function readRowGroups(source: string, input: ParquetInput, from: number, to: number, options: ReadOptions, progress = false): AsyncGenerator<RawBatch> {
  return readParquetGroups(source, input, from, to, options, progress);
}

/** Compressed bytes of each row group of a Parquet file (for planning shares). */
export async function parquetGroupBytes(path: string): Promise<number[]> {
  return (await planSplits(path)).map((s) => s.bytes);
}
