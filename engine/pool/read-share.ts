/**
 * Reads one share (plan-shares.ts) as RawBatches, on a worker, through each reader's own
 * `readSplit`. Row numbers start at 1 in every share; the main thread adds the rows of the file's
 * earlier shares afterwards, so rejects name the same rows one thread would.
 *
 * A CSV/NDJSON byte range [start, end) owns every line whose first byte lies in it
 * (read/line-range.ts). The limit: a CSV quoted field may hold a newline, and a range cut
 * inside it would read garbage. So a share reports whether it saw a `"` at all; the pool then
 * re-reads such a split file as one share (correct, slower). NDJSON never has a raw newline
 * inside a value.
 */
import { readArrowSplit } from '../read/arrow-reader.js';
import { readSplit as readCsvSplit } from '../read/csv-reader.js';
import { readNdjson } from '../read/ndjson-reader.js';
import { lineRangeChunks } from '../read/line-range.js';
import { readFile } from '../read/open-input.js';
import { readSplit as readParquetSplit } from '../read/parquet-native.js';
import type { RawBatch, ReadOptions } from '../read/raw-batch.js';
import type { Share } from './plan-shares.js';

/** What reading a share noticed beside its rows. */
export interface ShareFlags {
  /** A CSV byte range held a `"`: its cut points may lie inside a quoted field. */
  quoted: boolean;
}

/** Reads the rows of one share. */
export async function* readShare(share: Share, options: ReadOptions, flags: ShareFlags): AsyncGenerator<RawBatch> {
  const part = share.part;
  switch (part.kind) {
    case 'whole':
      yield* readFile({ path: share.path, size: share.bytes, format: share.format }, { ...options, format: share.format });
      return;
    case 'bytes':
      if (share.format === 'csv') yield* readCsvSplit({ path: share.path, start: part.start, end: part.end }, options, flags);
      else yield* readNdjson({ kind: 'stream', name: share.path, chunks: lineRangeChunks(share.path, part.start, part.end) }, options);
      return;
    case 'row-groups':
      yield* readParquetSplit({ path: share.path, from: part.from, to: part.to, bytes: share.bytes, rows: -1 }, options);
      return;
    case 'batches':
      yield* readArrowSplit({ path: share.path, from: part.from, to: part.to }, options);
      return;
  }
}
