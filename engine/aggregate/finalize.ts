/**
 * Finalize (the last of the aggregation's sink / combine / finalize): partial states to DESIGN's
 * per-customer fields at `as_of`. Several sinks go through `combine` (combine-partials.ts, as on
 * the pool's partitions); a single one is finalized in place.
 */
import { dayOf, MS_PER_DAY } from '../parse/parse-timestamp.js';
import { type AggregateState, NO_DAY } from './aggregate-state.js';
import type { Aggregator } from './aggregator.js';
import { combinePartials, windowList } from './combine-partials.js';
import type { CustomerTable } from './customer-table.js';
import { isPurchaseDay } from './day-map.js';
import { LAST_YEAR_DAYS, deriveFields } from './derive-fields.js';
import { packPartitions } from './partial-pack.js';

export { windowList } from './combine-partials.js';

/** End (23:59:59.999 UTC) of the day of an instant: DESIGN's default `as_of`. */
export function endOfDay(ms: number): number {
  return (dayOf(ms) + 1) * MS_PER_DAY - 1;
}

/**
 * Combines sinks that saw disjoint parts of the input (in input order) and finalizes the whole
 * base: the pool's combine, on one thread and one partition. Exact whatever the split.
 */
export function combine(parts: readonly Aggregator[], asOfMs: number, windowDays: readonly number[] = []): CustomerTable {
  const packs = parts.map((agg, share) => packPartitions(agg, share, 1)[0]!);
  return combinePartials(packs, asOfMs, parts.some((agg) => agg.hasMargin), windowDays).table;
}

/** `orders` and `returns` of customers 0..n-1: the rows without an order id plus the distinct orders of those with one. */
export function orderCounts(s: AggregateState, n: number): { orders: ArrayLike<number>; returns: ArrayLike<number> } {
  if (s.orderSet.size === 0) return { orders: s.orders, returns: s.returns };
  const orders = Float64Array.from(s.orders.subarray(0, n));
  const returns = Float64Array.from(s.returns.subarray(0, n));
  s.orderSet.countInto(orders, returns);
  return { orders, returns };
}

/** Computes every per-customer field; `windowDays` adds revenue windows beyond 90 and 365. */
export function finalize(agg: Aggregator, asOfMs: number, windowDays: readonly number[] = []): CustomerTable {
  // One partial state needs no merging: its own arrays and day map are walked in place, which
  // costs half what packing it for combinePartials would (tests hold the two equal).
  const s = agg.state;
  const n = agg.size;
  const asOfDay = dayOf(asOfMs);
  const list = windowList(windowDays);
  const windows = new Map<number, Float64Array>(list.map((w) => [w, new Float64Array(n)]));
  const winArrays = list.map((w) => windows.get(w)!);
  // A row is in window w when day(ts) > day(as_of) - w.
  const winFrom = list.map((w) => asOfDay - w);

  const purchaseDays = new Float64Array(n);
  const repeatSum = new Float64Array(n);
  const firstDay = new Float64Array(n);
  // The lost report's "revenue in the 365 days before the last purchase" (DESIGN "Lost customers").
  const lastYearFrom = new Float64Array(n);
  const lastYear = new Float64Array(n);
  for (let c = 0; c < n; c++) {
    firstDay[c] = Math.floor(s.firstTs[c]! / MS_PER_DAY);
    lastYearFrom[c] = Math.floor(s.lastTs[c]! / MS_PER_DAY) - LAST_YEAR_DAYS;
    if (s.spilled[c] === 1 || s.day0[c] === NO_DAY) continue;
    const d = s.day0[c]!;
    if (isPurchaseDay(s.day0Pos[c]!)) purchaseDays[c] = 1;
    for (let w = 0; w < winArrays.length; w++) if (d > winFrom[w]!) winArrays[w]![c]! += s.day0Net[c]!;
    if (d > lastYearFrom[c]!) lastYear[c]! += s.day0Net[c]!;
  }
  const days = s.days;
  for (let slot = 0; slot < days.capacity; slot++) {
    const c = days.cust[slot]!;
    if (c === -1) continue;
    const d = days.day[slot]!;
    const pos = days.pos[slot]!;
    if (isPurchaseDay(pos)) {
      purchaseDays[c]!++;
      if (d !== firstDay[c]) repeatSum[c]! += pos;
    }
    for (let w = 0; w < winArrays.length; w++) if (d > winFrom[w]!) winArrays[w]![c]! += days.net[slot]!;
    if (d > lastYearFrom[c]!) lastYear[c]! += days.net[slot]!;
  }
  return deriveFields(
    {
      customerId: agg.keys().map(String),
      ...orderCounts(s, n),
      revenue: s.revenue,
      returnedAmount: s.returnedAmount,
      margin: agg.hasMargin ? s.margin : null,
      firstTs: s.firstTs,
      lastTs: s.lastTs,
      purchaseDays,
      repeatSum,
      windows,
      lastYear,
    },
    asOfMs,
  );
}
