/**
 * The per-customer fields of DESIGN "Definitions", as columns. Null is NaN in Float64 columns.
 */

/** Numeric per-customer fields, by their contract names. */
export const AGGREGATE_FIELDS = [
  'orders',
  'purchase_days',
  'first_purchase_at',
  'last_purchase_at',
  'revenue',
  'returns',
  'returned_amount',
  'margin',
  'revenue_90d',
  'revenue_365d',
  'recency_days',
  'tenure_days',
  'aov',
  'weekly_spend',
] as const;

/** One of the numeric per-customer fields. */
export type AggregateField = (typeof AGGREGATE_FIELDS)[number];

/** Finalized aggregates of every customer, one column per field. */
export interface CustomerTable {
  readonly size: number;
  /** Canonical id text, `customer_id` of the exports. */
  readonly customerId: string[];
  /** `as_of` in epoch ms, and its day number. */
  readonly asOfMs: number;
  readonly asOfDay: number;
  readonly fields: Record<AggregateField, Float64Array>;
  /** Net revenue over the last `w` days for every window asked for (90 and 365 always). */
  readonly windows: ReadonlyMap<number, Float64Array>;
  /** Mean of the daily purchase totals after the first purchase day (NaN without repeat days): Gamma-Gamma's m_x. */
  readonly meanRepeatValue: Float64Array;
  /** Net revenue of the 365 days up to the last purchase day (what a lost customer was worth a year); NaN where not computed. */
  readonly lastYearRevenue: Float64Array;
}
