/**
 * The last step of both finalize paths (finalize.ts on one thread, combine-partials.ts
 * on the pool): from per-customer sums to DESIGN's fields. Money arrives in exact units
 * (money.ts) and leaves as money.
 */
import { MS_PER_DAY, dayOf } from '../parse/parse-timestamp.js';
import type { AggregateField, CustomerTable } from './customer-table.js';
import { MONEY_SCALE, unitsToMoney } from './money.js';

/** Per-customer sums and day results, customer numbers 0..n-1. Money in units. */
export interface CustomerSums {
  readonly customerId: string[];
  readonly orders: ArrayLike<number>;
  readonly returns: ArrayLike<number>;
  readonly revenue: ArrayLike<number>;
  readonly returnedAmount: ArrayLike<number>;
  /** null when no input had a margin column. */
  readonly margin: ArrayLike<number> | null;
  readonly firstTs: ArrayLike<number>;
  readonly lastTs: ArrayLike<number>;
  readonly purchaseDays: Float64Array;
  /** Purchase units on purchase days after the first one. */
  readonly repeatSum: Float64Array;
  /** Net units per revenue window (days → per customer). */
  readonly windows: Map<number, Float64Array>;
  /** Net units of the {@link LAST_YEAR_DAYS} days up to each customer's last purchase day (absent on the live path). */
  readonly lastYear?: Float64Array;
}

/** The lost report's year: revenue of the days `d > day(last_purchase_at) - 365` (DESIGN "Lost customers"). */
export const LAST_YEAR_DAYS = 365;

function moneyOf(units: ArrayLike<number>, n: number): Float64Array {
  const out = new Float64Array(n);
  for (let c = 0; c < n; c++) out[c] = units[c]!;
  return unitsToMoney(out);
}

/** DESIGN's per-customer fields at `asOfMs`. */
export function deriveFields(sums: CustomerSums, asOfMs: number): CustomerTable {
  const n = sums.customerId.length;
  const asOfDay = dayOf(asOfMs);
  const f = {} as Record<AggregateField, Float64Array>;
  f.orders = Float64Array.from({ length: n }, (_, c) => sums.orders[c]!);
  f.returns = Float64Array.from({ length: n }, (_, c) => sums.returns[c]!);
  f.revenue = moneyOf(sums.revenue, n);
  f.returned_amount = moneyOf(sums.returnedAmount, n);
  f.margin = sums.margin ? moneyOf(sums.margin, n) : new Float64Array(n).fill(Number.NaN);
  f.purchase_days = sums.purchaseDays;
  for (const w of sums.windows.values()) unitsToMoney(w);
  f.revenue_90d = sums.windows.get(90)!;
  f.revenue_365d = sums.windows.get(365)!;
  for (const name of ['first_purchase_at', 'last_purchase_at', 'recency_days', 'tenure_days', 'aov', 'weekly_spend'] as const) f[name] = new Float64Array(n);
  const meanRepeatValue = new Float64Array(n);
  for (let c = 0; c < n; c++) {
    const orders = f.orders[c]!;
    if (orders === 0) {
      // Only returns: DESIGN says purchase fields are null.
      f.first_purchase_at[c] = f.last_purchase_at[c] = f.recency_days[c] = Number.NaN;
      f.tenure_days[c] = f.aov[c] = f.weekly_spend[c] = meanRepeatValue[c] = Number.NaN;
      continue;
    }
    const revenue = f.revenue[c]!;
    const tenure = asOfDay - Math.floor(sums.firstTs[c]! / MS_PER_DAY);
    f.first_purchase_at[c] = sums.firstTs[c]!;
    f.last_purchase_at[c] = sums.lastTs[c]!;
    f.recency_days[c] = asOfDay - Math.floor(sums.lastTs[c]! / MS_PER_DAY);
    f.tenure_days[c] = tenure;
    f.aov[c] = revenue / orders;
    f.weekly_spend[c] = revenue / Math.max(1, Math.ceil((tenure + 1) / 7));
    const pd = sums.purchaseDays[c]!;
    meanRepeatValue[c] = pd > 1 ? sums.repeatSum[c]! / MONEY_SCALE / (pd - 1) : Number.NaN;
  }
  const lastYearRevenue = sums.lastYear ? unitsToMoney(Float64Array.from(sums.lastYear)) : new Float64Array(n).fill(Number.NaN);
  for (let c = 0; c < n; c++) if (f.orders[c] === 0) lastYearRevenue[c] = Number.NaN;
  return { size: n, customerId: sums.customerId, asOfMs, asOfDay, fields: f, windows: sums.windows, meanRepeatValue, lastYearRevenue };
}


