/**
 * Finalize (the last of the aggregation's sink / combine / finalize): one partial state to
 * DESIGN's per-customer fields at `as_of`, through the same combine the pool runs on each of its
 * partitions (combine-partials.ts; one pack, so nothing to merge).
 */
import { dayOf, MS_PER_DAY } from '../parse/parse-timestamp.js';
import type { Aggregator } from './aggregator.js';
import { combinePartials } from './combine-partials.js';
import type { CustomerTable } from './customer-table.js';
import { packPartitions } from './partial-pack.js';

export { windowList } from './combine-partials.js';

/** End (23:59:59.999 UTC) of the day of an instant: DESIGN's default `as_of`. */
export function endOfDay(ms: number): number {
  return (dayOf(ms) + 1) * MS_PER_DAY - 1;
}

/** Computes every per-customer field; `windowDays` adds revenue windows beyond 90 and 365. */
export function finalize(agg: Aggregator, asOfMs: number, windowDays: readonly number[] = []): CustomerTable {
  return combine([agg], asOfMs, windowDays);
}

/**
 * Combines sinks that saw disjoint parts of the input (in input order) and finalizes the whole
 * base: the pool's combine, on one thread and one partition. Exact whatever the split.
 */
export function combine(parts: readonly Aggregator[], asOfMs: number, windowDays: readonly number[] = []): CustomerTable {
  const packs = parts.map((agg, share) => packPartitions(agg, share, 1)[0]!);
  return combinePartials(packs, asOfMs, parts.some((agg) => agg.hasMargin), windowDays).table;
}
