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
import { loadKernels } from '../kernels/load-kernels.js';

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
  const hasMargin = parts.some((agg) => agg.hasMargin);
  const sinks = parts.map((agg) => agg.sink);
  if (parts.length > 0 && sinks.every((s) => s !== null)) {
    // Native sinks combine in the addon, as the pool's merge does, on one output partition.
    const kernels = loadKernels('native');
    const ids = sinks.map((s) => s!.publish());
    const windows = windowList(windowDays);
    const kept: number[] = [];
    try {
      kept.push(kernels.sinks!.combine(ids, ids.map((_, share) => share), 0, 1, dayOf(asOfMs), windows));
      return kernels.sinks!.gather(kept.splice(0), windows, asOfMs, hasMargin);
    } finally {
      kernels.sinks!.free(ids, kept);
    }
  }
  const packs = parts.map((agg, share) => packPartitions(agg, share, 1)[0]!);
  return combinePartials(packs, asOfMs, hasMargin, windowDays).table;
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
  if (agg.sink !== null) {
    // The sink's partitions are finalized in the addon and freed: the aggregator is spent.
    return agg.sink.finalize(asOfMs, windowList(windowDays), agg.hasMargin);
  }
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

  // Per customer, one run of `stride` numbers: first purchase day, start of the lost report's
  // year (DESIGN "Lost customers": revenue of the 365 days up to the last purchase), purchase days,
  // repeat-day units, that year's units, then one sum per window. Day entries come in hash order,
  // i.e. for random customers: one cache line per entry instead of one per array. Sums are whole
  // units, so their order does not matter.
  const FIRST = 0;
  const YEAR_FROM = 1;
  const DAYS = 2;
  const REPEAT = 3;
  const YEAR = 4;
  const WIN = 5;
  const nw = winFrom.length;
  const stride = WIN + nw;
  const acc = new Float64Array(n * stride);
  const add = (c: number, d: number, net: number, pos: number): void => {
    const o = c * stride;
    if (isPurchaseDay(pos)) {
      acc[o + DAYS]!++;
      if (d !== acc[o + FIRST]) acc[o + REPEAT]! += pos;
    }
    for (let w = 0; w < nw; w++) if (d > winFrom[w]!) acc[o + WIN + w]! += net;
    if (d > acc[o + YEAR_FROM]!) acc[o + YEAR]! += net;
  };
  for (let c = 0; c < n; c++) {
    const o = c * stride;
    acc[o + FIRST] = Math.floor(s.firstTs[c]! / MS_PER_DAY);
    acc[o + YEAR_FROM] = Math.floor(s.lastTs[c]! / MS_PER_DAY) - LAST_YEAR_DAYS;
    // The first day of an unspilled customer lives inline; its repeat sum is 0 (it is the first day).
    if (s.spilled[c] === 0 && s.day0[c] !== NO_DAY) add(c, s.day0[c]!, s.day0Net[c]!, s.day0Pos[c]!);
  }
  const days = s.days;
  for (let slot = 0; slot < days.capacity; slot++) {
    const c = days.cust[slot]!;
    if (c !== -1) add(c, days.day[slot]!, days.net[slot]!, days.pos[slot]!);
  }
  const column = (k: number, out: Float64Array = new Float64Array(n)): Float64Array => {
    for (let c = 0; c < n; c++) out[c] = acc[c * stride + k]!;
    return out;
  };
  const purchaseDays = column(DAYS);
  const repeatSum = column(REPEAT);
  const lastYear = column(YEAR);
  for (const [w, arr] of winArrays.entries()) column(WIN + w, arr);
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
