/**
 * The `customers.arrow` file of a snapshot: one row per customer, the fields of the customer
 * row (customer-schema.ts) in its order, `customer_id` first. Exports and the server read the
 * same columns.
 */
import { RecordBatchFileWriter, Table, type Vector, tableFromIPC, tableToIPC } from 'apache-arrow';
import type { Predictions, ScoredBase } from '../segment/scored-base.js';
import { type ColumnValues, columnVector, type Utf8Values } from './arrow-columns.js';
import { CUSTOMER_FIELDS, type CustomerColumn, fieldsOfKind } from './customer-schema.js';
import { encodeColumn } from './encode-column.js';
import { StagedFile } from './staged-file.js';

export { CUSTOMER_COLUMNS, type CustomerColumn } from './customer-schema.js';

/** Columns holding timestamps (ISO-8601 in text exports). */
export const TIMESTAMP_COLUMNS: ReadonlySet<string> = fieldsOfKind('timestamp');

/**
 * The cells' text ("545") written straight as UTF-8: each score as its decimal digits, no string
 * per customer.
 */
export function rfmCells(r: Uint8Array, f: Uint8Array, m: Uint8Array): Utf8Values {
  const n = r.length;
  const offsets = new Int32Array(n + 1);
  // A score is at most 255: three digits each, nine per cell.
  const data = new Uint8Array(9 * n);
  let at = 0;
  const digits = (v: number): void => {
    if (v >= 100) data[at++] = 48 + Math.floor(v / 100);
    if (v >= 10) data[at++] = 48 + (Math.floor(v / 10) % 10);
    data[at++] = 48 + (v % 10);
  };
  for (let c = 0; c < n; c++) {
    digits(r[c]!);
    digits(f[c]!);
    digits(m[c]!);
    offsets[c + 1] = at;
  }
  return { offsets, data: data.subarray(0, at) };
}

/**
 * The values of every field of a scored base, by field name, each made when asked for (the
 * columns are built in two rounds, around the models' fit: neither round pays for the other's).
 */
function baseValues(base: ScoredBase): Record<CustomerColumn, () => ColumnValues> {
  const f = base.table.fields;
  const nulls = () => new Float64Array(base.table.size).fill(Number.NaN);
  const p = base.predictions;
  const fields = Object.fromEntries(Object.entries(f).map(([name, values]) => [name, () => values])) as Record<keyof typeof f, () => ColumnValues>;
  return {
    // UTF-8 where the aggregation kept it so: no string per customer on the way to the file.
    customer_id: () => base.table.idText ?? base.table.customerId,
    ...fields,
    r_score: () => base.rfm.r,
    f_score: () => base.rfm.f,
    m_score: () => base.rfm.m,
    rfm_cell: () => rfmCells(base.rfm.r, base.rfm.f, base.rfm.m),
    segment: () => base.segment,
    spend_band: () => base.spendBands.band,
    tier: () => base.tier,
    lifecycle: () => base.lifecycle,
    win_back: () => base.winBack,
    lost_at: () => base.lost.lost_at,
    returned_share: () => base.lost.returned_share,
    lost_reason: () => base.lost.lost_reason,
    last_year_revenue: () => base.table.lastYearRevenue,
    p_alive: () => p?.p_alive ?? nulls(),
    expected_purchases_90d: () => p?.expected_purchases_90d ?? nulls(),
    expected_aov: () => p?.expected_aov ?? nulls(),
    clv_365d: () => p?.clv_365d ?? nulls(),
  };
}

/**
 * Builds the Arrow table of a scored base: one column per field of the customer row, in order;
 * `built` holds columns made earlier by {@link buildCustomerVectors} (while the models ran).
 */
export function buildCustomersTable(base: ScoredBase, built: Partial<Record<CustomerColumn, Vector>> = {}, engine: 'js' | 'native' = 'js'): Table {
  const columns: Record<string, Vector> = { ...buildCustomerVectors(base, (name) => built[name] === undefined, engine), ...built };
  return new Table(Object.fromEntries(CUSTOMER_FIELDS.map((field) => [field.name, columns[field.name]!])));
}

/** The Arrow columns of the fields `wanted` says yes to; `engine`'s kernel writes their buffers (encode-column.ts). */
export function buildCustomerVectors(base: ScoredBase, wanted: (name: CustomerColumn) => boolean, engine: 'js' | 'native' = 'js'): Partial<Record<CustomerColumn, Vector>> {
  const values = baseValues(base);
  const encode = encodeColumn(engine);
  const columns: Partial<Record<CustomerColumn, Vector>> = {};
  for (const field of CUSTOMER_FIELDS) if (wanted(field.name)) columns[field.name] = columnVector(field.kind, values[field.name](), encode);
  return columns;
}

/** Serializes the table as an Arrow IPC file. */
export function encodeCustomers(table: Table): Uint8Array {
  return tableToIPC(table, 'file');
}

/**
 * The same Arrow IPC file as {@link encodeCustomers}, as the writer's chunks: the columns' own
 * buffers between the small metadata and padding pieces. Written one after the other, they spare
 * a copy of the whole file (~180 MB for a million customers) into one buffer.
 */
export async function encodeCustomerChunks(table: Table): Promise<Uint8Array[]> {
  const writer = RecordBatchFileWriter.writeAll(table);
  const chunks: Uint8Array[] = [];
  for await (const chunk of writer) chunks.push(chunk);
  return chunks;
}

/**
 * Starts `customers.arrow` at `path` while the models are fitted (staged-file.ts): `base` is
 * scored without predictions, `built` its other columns ({@link buildCustomerVectors}).
 */
export async function stageCustomers(path: string, base: ScoredBase, built: Partial<Record<CustomerColumn, Vector>>, engine: 'js' | 'native' = 'js'): Promise<StagedFile> {
  const standIn = (value: number): Predictions => {
    const v = new Float64Array(base.table.size).fill(value);
    return { p_alive: v, expected_purchases_90d: v, expected_aov: v, clv_365d: v };
  };
  // All null and none null: the two ways a prediction column changes the file's layout.
  const a = await encodeCustomerChunks(buildCustomersTable({ ...base, predictions: standIn(Number.NaN) }, built, engine));
  const b = await encodeCustomerChunks(buildCustomersTable({ ...base, predictions: standIn(0) }, built, engine));
  return StagedFile.start(path, a, b);
}

/** Reads `customers.arrow` bytes back. */
export function decodeCustomers(bytes: Uint8Array): Table {
  return tableFromIPC(bytes);
}
