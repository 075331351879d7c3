/**
 * Turns merged partial aggregates into DESIGN's per-customer fields for a given `as_of`.
 */
import { MS_PER_DAY, dayOf } from '../parse/parse-timestamp.js';
import { NO_DAY } from './aggregate-state.js';
import { isPurchaseDay } from './day-map.js';
import type { Aggregator } from './aggregator.js';
import type { AggregateField, CustomerTable } from './customer-table.js';

/** End (23:59:59.999 UTC) of the day of an instant: DESIGN's default `as_of`. */
export function endOfDay(ms: number): number {
  return (dayOf(ms) + 1) * MS_PER_DAY - 1;
}

/** Computes every per-customer field; `windowDays` adds revenue windows beyond 90 and 365. */
export function finalize(agg: Aggregator, asOfMs: number, windowDays: readonly number[] = []): CustomerTable {
  const s = agg.state;
  const n = agg.ids.size;
  const asOfDay = dayOf(asOfMs);
  const windowList = [...new Set([90, 365, ...windowDays])];
  const windows = new Map<number, Float64Array>(windowList.map((w) => [w, new Float64Array(n)]));
  const winArrays = windowList.map((w) => windows.get(w)!);
  // A row is in window w when day(ts) > day(as_of) - w.
  const winFrom = windowList.map((w) => asOfDay - w);

  const purchaseDays = new Float64Array(n);
  const repeatSum = new Float64Array(n);
  const firstDay = new Float64Array(n);
  for (let c = 0; c < n; c++) {
    firstDay[c] = Math.floor(s.firstTs[c]! / MS_PER_DAY);
    if (s.spilled[c] === 1 || s.day0[c] === NO_DAY) continue;
    const d = s.day0[c]!;
    if (isPurchaseDay(s.day0Pos[c]!)) purchaseDays[c] = 1;
    for (let w = 0; w < winArrays.length; w++) if (d > winFrom[w]!) winArrays[w]![c]! += s.day0Net[c]!;
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
  }

  const f = {} as Record<AggregateField, Float64Array>;
  for (const name of ['orders', 'returns', 'revenue', 'returned_amount', 'margin'] as const) f[name] = new Float64Array(n);
  f.orders.set(s.orders.subarray(0, n));
  f.returns.set(s.returns.subarray(0, n));
  f.revenue.set(s.revenue.subarray(0, n));
  f.returned_amount.set(s.returnedAmount.subarray(0, n));
  if (agg.hasMargin) f.margin.set(s.margin.subarray(0, n));
  else f.margin.fill(Number.NaN);
  f.purchase_days = purchaseDays;
  f.revenue_90d = windows.get(90)!;
  f.revenue_365d = windows.get(365)!;
  f.first_purchase_at = new Float64Array(n);
  f.last_purchase_at = new Float64Array(n);
  f.recency_days = new Float64Array(n);
  f.tenure_days = new Float64Array(n);
  f.aov = new Float64Array(n);
  f.weekly_spend = new Float64Array(n);
  const meanRepeatValue = new Float64Array(n);
  for (let c = 0; c < n; c++) {
    const orders = s.orders[c]!;
    if (orders === 0) {
      // Only returns: DESIGN says purchase fields are null.
      f.first_purchase_at[c] = f.last_purchase_at[c] = f.recency_days[c] = Number.NaN;
      f.tenure_days[c] = f.aov[c] = f.weekly_spend[c] = meanRepeatValue[c] = Number.NaN;
      continue;
    }
    const revenue = s.revenue[c]!;
    const tenure = asOfDay - firstDay[c]!;
    f.first_purchase_at[c] = s.firstTs[c]!;
    f.last_purchase_at[c] = s.lastTs[c]!;
    f.recency_days[c] = asOfDay - Math.floor(s.lastTs[c]! / MS_PER_DAY);
    f.tenure_days[c] = tenure;
    f.aov[c] = revenue / orders;
    f.weekly_spend[c] = revenue / Math.max(1, Math.ceil((tenure + 1) / 7));
    meanRepeatValue[c] = purchaseDays[c]! > 1 ? repeatSum[c]! / (purchaseDays[c]! - 1) : Number.NaN;
  }
  return {
    size: n,
    customerId: agg.ids.keys.map(String),
    asOfMs,
    asOfDay,
    fields: f,
    windows,
    meanRepeatValue,
  };
}
