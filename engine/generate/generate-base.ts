/**
 * `generate`: draws a synthetic customer base chunk by chunk and streams it to one file in the
 * chosen format. Memory is one chunk (64k rows) plus the format's own buffer (one Parquet row
 * group), never the whole file; the drawn values do not depend on the format, so the four formats
 * of one seed hold the same rows.
 */

import { openByteSink, type ByteSink } from './byte-sink.js';
import { TransactionDrawer } from './draw-transactions.js';
import {
  resolveGenerateOptions,
  type GenerateFormat,
  type GenerateOptions,
  type GenerateResult,
} from './generate-options.js';
import { createTransactionChunk, type TransactionChunk } from './transaction-chunk.js';
import { writeArrow } from './write-arrow.js';
import { writeParquet } from './write-parquet.js';
import { writeCsv, writeNdjson } from './write-text.js';

/** A format writer: consumes every chunk (each valid until the next is pulled) into the sink. */
export type ChunkWriter = (chunks: Iterable<TransactionChunk>, sink: ByteSink) => Promise<void>;

/** The writer of each format, wired once. */
export const CHUNK_WRITERS: Readonly<Record<GenerateFormat, ChunkWriter>> = {
  csv: writeCsv,
  ndjson: writeNdjson,
  arrow: writeArrow,
  parquet: writeParquet,
};

/** Yields one reused chunk, refilled on every pull, and reports progress as chunks are taken. */
function* drawChunks(
  drawer: TransactionDrawer,
  onProgress: ((rowsWritten: number) => void) | undefined,
): Generator<TransactionChunk> {
  const chunk = createTransactionChunk();
  while (drawer.fill(chunk) > 0) {
    yield chunk;
    onProgress?.(drawer.rowsDrawn);
  }
}

/** Generates `transactions` rows for `customers` customers into `out` (a path or `-`). */
export async function generate(opts: GenerateOptions): Promise<GenerateResult> {
  const options = resolveGenerateOptions(opts);
  const drawer = new TransactionDrawer(options);
  const sink = await openByteSink(options.out);
  let bytes: number;
  try {
    await CHUNK_WRITERS[options.format](drawChunks(drawer, options.onProgress), sink);
    bytes = await sink.close();
  } catch (error) {
    await sink.abort();
    throw error;
  }
  if (drawer.rowsDrawn !== options.transactions) {
    // The allocation guarantees this; a mismatch is a bug here, not a user error.
    throw new Error(`generator drew ${drawer.rowsDrawn} rows instead of ${options.transactions}`);
  }
  const result: GenerateResult = { rows: drawer.rowsDrawn, customers: options.customers, bytes };
  if (options.program) result.program = { from: options.program.from, to: options.program.to, participants: [...drawer.participants] };
  return result;
}
