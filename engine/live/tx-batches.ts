/** Joining the parsed batches of one request into one, so its rows go to the log as one record. */
import type { TxBatch } from '../parse/parse-batch.js';
import type { CustomerKey } from '../parse/parse-values.js';
import type { RawBatch } from '../read/raw-batch.js';
import { describeValue } from '../parse/reject-log.js';

/** The rows of `batches`, in order, as one batch; margin is NaN and event_id null for rows of batches without one. */
export function concatTxBatches(batches: readonly TxBatch[]): TxBatch {
  if (batches.length === 1) return batches[0]!;
  let n = 0;
  for (const b of batches) n += b.length;
  const hasMargin = batches.some((b) => b.margin !== null);
  const ids: CustomerKey[] = [];
  const ts = new Float64Array(n);
  const amount = new Float64Array(n);
  const margin = hasMargin ? new Float64Array(n).fill(Number.NaN) : null;
  const eventIds: (string | null)[] | null = batches.some((b) => b.eventIds) ? [] : null;
  const orderIds: CustomerKey[] | null = batches.some((b) => b.orderIds) ? [] : null;
  let at = 0;
  for (const b of batches) {
    for (const id of b.ids) ids.push(id);
    if (eventIds) for (let i = 0; i < b.length; i++) eventIds.push(b.eventIds?.[i] ?? null);
    if (orderIds) for (let i = 0; i < b.length; i++) orderIds.push(b.orderIds?.[i] ?? NO_ORDER);
    ts.set(b.ts, at);
    amount.set(b.amount, at);
    if (margin && b.margin) margin.set(b.margin, at);
    at += b.length;
  }
  return { length: n, ids, ts, amount, margin, ...(eventIds ? { eventIds } : {}), ...(orderIds ? { orderIds } : {}) };
}

/** The rows `i` of `batch` for which `keep(i)`, in order (the batch itself when all are kept). */
export function pickRows(batch: TxBatch, keep: (i: number) => boolean): TxBatch {
  const rows: number[] = [];
  for (let i = 0; i < batch.length; i++) if (keep(i)) rows.push(i);
  if (rows.length === batch.length) return batch;
  const { ids, ts, amount, margin, eventIds, orderIds } = batch;
  return {
    length: rows.length,
    ids: rows.map((i) => ids[i]!),
    ts: Float64Array.from(rows, (i) => ts[i]!),
    amount: Float64Array.from(rows, (i) => amount[i]!),
    margin: margin ? Float64Array.from(rows, (i) => margin[i]!) : null,
    ...(eventIds ? { eventIds: rows.map((i) => eventIds[i] ?? null) } : {}),
    ...(orderIds ? { orderIds: rows.map((i) => orderIds[i]!) } : {}),
  };
}

/** The rows `from..to-1` of `batch` (views of its typed columns, copies of its arrays). */
export function sliceRows(batch: TxBatch, from: number, to: number): TxBatch {
  const { ids, ts, amount, margin, eventIds, orderIds } = batch;
  return {
    length: to - from,
    ids: ids.slice(from, to),
    ts: ts.subarray(from, to),
    amount: amount.subarray(from, to),
    margin: margin ? margin.subarray(from, to) : null,
    ...(eventIds ? { eventIds: eventIds.slice(from, to) } : {}),
    ...(orderIds ? { orderIds: orderIds.slice(from, to) } : {}),
  };
}

/**
 * The order key of a row without an order id beside rows with one: parse-batch.ts's keys of such
 * lines start with NUL, which the aggregator counts as an order of its own and keeps out of the set.
 */
export const NO_ORDER = '\u0000';

/** The keys of a JSON row that become columns; the others are ignored. */
export const JSON_ROW_KEYS = ['customer_id', 'ts', 'amount', 'margin', 'event_id', 'quantity', 'price', 'order_id'] as const;
const KEYS = JSON_ROW_KEYS;

/**
 * A JSON array of row objects as one RawBatch of `json` columns, read the way the NDJSON reader
 * reads lines (so parseBatch judges both the same): a missing key is `undefined`, an element
 * that is not an object is a malformed row, and `margin`, `event_id` and `order_id` are present when any row has them.
 * Line items (`quantity` and `price`, no `amount` in any row) get their amount as quantity * price,
 * as a line-item file does; a row with `amount` beside rows without makes those rows `missing_amount`.
 */
export function jsonRowsBatch(rows: readonly unknown[], source: string): RawBatch {
  const n = rows.length;
  const [id, ts, amount, margin, eventId, quantity, price, orderId] = KEYS.map(() => new Array<unknown>(n)) as unknown[][] as [unknown[], unknown[], unknown[], unknown[], unknown[], unknown[], unknown[], unknown[]];
  const malformed: { index: number; reason: 'malformed_row'; detail: string }[] = [];
  // Bits of the keys any row has, in KEYS order.
  let seen = 0;
  for (let i = 0; i < n; i++) {
    const row = rows[i];
    if (row === null || typeof row !== 'object' || Array.isArray(row)) {
      malformed.push({ index: i, reason: 'malformed_row', detail: describeValue(row) });
      continue;
    }
    // Named loads, not r[key] in a loop: objects of one JSON body share a shape, and these stay fast.
    const r = row as Partial<Record<(typeof KEYS)[number], unknown>>;
    id[i] = r.customer_id;
    ts[i] = r.ts;
    amount[i] = r.amount;
    margin[i] = r.margin;
    eventId[i] = r.event_id;
    quantity[i] = r.quantity;
    price[i] = r.price;
    orderId[i] = r.order_id;
    if ((seen & 0b100) === 0 && 'amount' in r) seen |= 0b100;
    if ((seen & 0b1000) === 0 && 'margin' in r) seen |= 0b1000;
    if ((seen & 0b10000) === 0 && 'event_id' in r) seen |= 0b10000;
    if ((seen & 0b100000) === 0 && 'quantity' in r) seen |= 0b100000;
    if ((seen & 0b1000000) === 0 && 'price' in r) seen |= 0b1000000;
    if ((seen & 0b10000000) === 0 && 'order_id' in r) seen |= 0b10000000;
  }
  return jsonColumnsBatch([id, ts, amount, margin, eventId, quantity, price, orderId], seen, n, source, malformed);
}

/** The RawBatch of JSON rows read into columns (JSON_ROW_KEYS order), given the bits of the keys any row had. */
export function jsonColumnsBatch(columns: readonly unknown[][], seen: number, n: number, source: string, malformed: RawBatch['malformed'] = []): RawBatch {
  const has = (key: (typeof KEYS)[number]) => (seen & (1 << KEYS.indexOf(key))) !== 0;
  const json = (key: (typeof KEYS)[number]) => ({ kind: 'json' as const, values: columns[KEYS.indexOf(key)]! as unknown[] });
  const lineItems = !has('amount') && has('quantity') && has('price');
  const out: RawBatch['columns'] = {
    customer_id: json('customer_id'),
    ts: json('ts'),
    ...(lineItems ? { quantity: json('quantity'), price: json('price') } : { amount: json('amount') }),
    ...(has('margin') ? { margin: json('margin') } : {}),
    ...(has('event_id') ? { event_id: json('event_id') } : {}),
    ...(has('order_id') ? { order_id: json('order_id') } : {}),
  };
  return { source, firstRow: 1, length: n, columns: out, malformed, bytesRead: -1 };
}
