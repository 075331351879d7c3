/**
 * Valid rows from outside the input files (the event archive and the real-time log), folded into
 * the aggregation after the files by both schedulers (inline and on the pool).
 */
import type { TxBatch } from '../parse/parse-batch.js';

/**
 * The batches, or a function that gives them once the files' latest timestamp is known
 * (`live_events.superseded_by_input` drops the events the files already carry).
 */
export type ExtraBatches = AsyncIterable<TxBatch> | Iterable<TxBatch> | ((inputMaxTs: number) => AsyncIterable<TxBatch> | Iterable<TxBatch>);

/** The extra batches, given the latest timestamp of the input files' rows (-Infinity when none). */
export function extraBatches(extra: ExtraBatches, inputMaxTs: number): AsyncIterable<TxBatch> | Iterable<TxBatch> {
  return typeof extra === 'function' ? extra(inputMaxTs) : extra;
}
