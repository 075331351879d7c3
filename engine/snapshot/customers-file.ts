/**
 * The `customers.arrow` file of a snapshot: one row per customer, DESIGN's fields in a fixed
 * order with `customer_id` first. Exports and the server read the same columns.
 */
import { Table, type Vector, tableFromIPC, tableToIPC } from 'apache-arrow';
import { AGGREGATE_FIELDS } from '../aggregate/customer-table.js';
import type { ScoredBase } from '../segment/scored-base.js';
import {
  boolVector,
  dictionaryVector,
  float64Vector,
  int32Vector,
  timestampVector,
  uintVector,
  utf8Vector,
} from './arrow-columns.js';

/** Column names of `customers.arrow`, in order. */
export const CUSTOMER_COLUMNS = [
  'customer_id',
  ...AGGREGATE_FIELDS,
  'r_score',
  'f_score',
  'm_score',
  'rfm_cell',
  'segment',
  'spend_band',
  'tier',
  'lifecycle',
  'win_back',
  'p_alive',
  'expected_purchases_90d',
  'expected_aov',
  'clv_365d',
] as const;

/** Columns holding timestamps (ISO-8601 in text exports). */
export const TIMESTAMP_COLUMNS: ReadonlySet<string> = new Set(['first_purchase_at', 'last_purchase_at']);

function rfmCells(r: Uint8Array, f: Uint8Array, m: Uint8Array): string[] {
  const out = new Array<string>(r.length);
  for (let c = 0; c < r.length; c++) out[c] = `${r[c]}${f[c]}${m[c]}`;
  return out;
}

/** Builds the Arrow table of a scored base. */
export function buildCustomersTable(base: ScoredBase): Table {
  const f = base.table.fields;
  const n = base.table.size;
  const nulls = new Float64Array(n).fill(Number.NaN);
  const p = base.predictions;
  const columns: Record<(typeof CUSTOMER_COLUMNS)[number], Vector> = {
    customer_id: utf8Vector(base.table.customerId),
    orders: int32Vector(f.orders),
    purchase_days: int32Vector(f.purchase_days),
    first_purchase_at: timestampVector(f.first_purchase_at),
    last_purchase_at: timestampVector(f.last_purchase_at),
    revenue: float64Vector(f.revenue),
    returns: int32Vector(f.returns),
    returned_amount: float64Vector(f.returned_amount),
    margin: float64Vector(f.margin),
    revenue_90d: float64Vector(f.revenue_90d),
    revenue_365d: float64Vector(f.revenue_365d),
    recency_days: int32Vector(f.recency_days),
    tenure_days: int32Vector(f.tenure_days),
    aov: float64Vector(f.aov),
    weekly_spend: float64Vector(f.weekly_spend),
    r_score: uintVector(base.rfm.r),
    f_score: uintVector(base.rfm.f),
    m_score: uintVector(base.rfm.m),
    rfm_cell: utf8Vector(rfmCells(base.rfm.r, base.rfm.f, base.rfm.m)),
    segment: dictionaryVector(base.segment.codes, base.segment.names),
    spend_band: uintVector(base.spendBands.band),
    tier: dictionaryVector(base.tier.codes, base.tier.names),
    lifecycle: dictionaryVector(base.lifecycle.codes, base.lifecycle.names),
    win_back: boolVector(base.winBack),
    p_alive: float64Vector(p?.p_alive ?? nulls),
    expected_purchases_90d: float64Vector(p?.expected_purchases_90d ?? nulls),
    expected_aov: float64Vector(p?.expected_aov ?? nulls),
    clv_365d: float64Vector(p?.clv_365d ?? nulls),
  };
  return new Table(columns);
}

/** Serializes the table as an Arrow IPC file. */
export function encodeCustomers(table: Table): Uint8Array {
  return tableToIPC(table, 'file');
}

/** Reads `customers.arrow` bytes back. */
export function decodeCustomers(bytes: Uint8Array): Table {
  return tableFromIPC(bytes);
}
