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

/** Customer ids as Arrow's Utf8 column: id c is the UTF-8 of `data[offsets[c] … offsets[c + 1])`. */
export interface IdText {
  readonly offsets: Int32Array;
  readonly data: Uint8Array;
}

/** Finalized aggregates of every customer, one column per field. */
export interface CustomerTable {
  readonly size: number;
  /** Canonical id text, `customer_id` of the exports (made from {@link idText} when first read, where the table has it). */
  readonly customerId: string[];
  /**
   * The same ids as UTF-8, where they came so (the native aggregation): the snapshot writer and
   * the joins on ids read these, so a base whose ids nothing else reads never makes a string per customer.
   */
  readonly idText?: IdText;
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

/** A table whose ids come as UTF-8: `customerId` is decoded from them on first read, once. */
export function tableWithIdText(table: Omit<CustomerTable, 'customerId' | 'idText'>, idText: IdText): CustomerTable {
  let strings: string[] | null = null;
  const out = { ...table, idText } as CustomerTable;
  Object.defineProperty(out, 'customerId', { enumerable: true, get: () => (strings ??= idStrings(idText)) });
  return out;
}

const utf8 = new TextDecoder();

/** The ids of an {@link IdText} as strings. */
export function idStrings(text: IdText): string[] {
  const { offsets, data } = text;
  const n = offsets.length - 1;
  const out = new Array<string>(n);
  let ascii = true;
  for (let i = 0; i < data.length && ascii; i++) ascii = data[i]! < 0x80;
  if (ascii) {
    // ASCII bytes are UTF-16 units one to one: one string, cut where the offsets say.
    const all = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('latin1');
    for (let c = 0; c < n; c++) out[c] = all.substring(offsets[c]!, offsets[c + 1]!);
  } else for (let c = 0; c < n; c++) out[c] = utf8.decode(data.subarray(offsets[c]!, offsets[c + 1]!));
  return out;
}
