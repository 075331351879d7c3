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

/**
 * The order key of a row without an order id beside rows with one: parse-batch.ts's keys of such
 * lines start with NUL, which the aggregator counts as an order of its own and keeps out of the set.
 */
export const NO_ORDER = '\u0000';

const KEYS = ['customer_id', 'ts', 'amount', 'margin', 'event_id', 'quantity', 'price', 'order_id'] as const;

/**
 * A JSON array of row objects as one RawBatch of `json` columns, read the way the NDJSON reader
 * reads lines (so parseBatch judges both the same): a missing key is `undefined`, an element
 * that is not an object is a malformed row, and `margin`, `event_id` and `order_id` are present when any row has them.
 * Line items (`quantity` and `price`, no `amount` in any row) get their amount as quantity * price,
 * as a line-item file does; a row with `amount` beside rows without makes those rows `missing_amount`.
 */
export function jsonRowsBatch(rows: readonly unknown[], source: string): RawBatch {
  const values = KEYS.map(() => new Array<unknown>(rows.length));
  const malformed: { index: number; reason: 'malformed_row'; detail: string }[] = [];
  const seen = new Set<(typeof KEYS)[number]>();
  rows.forEach((row, i) => {
    if (row === null || typeof row !== 'object' || Array.isArray(row)) {
      malformed.push({ index: i, reason: 'malformed_row', detail: describeValue(row) });
      return;
    }
    const r = row as Record<string, unknown>;
    for (const [j, k] of KEYS.entries()) {
      values[j]![i] = r[k];
      if (k in r) seen.add(k);
    }
  });
  const lineItems = !seen.has('amount') && seen.has('quantity') && seen.has('price');
  const json = (j: number) => ({ kind: 'json' as const, values: values[j]! });
  const columns: RawBatch['columns'] = {
    customer_id: json(0),
    ts: json(1),
    ...(lineItems ? { quantity: json(5), price: json(6) } : { amount: json(2) }),
    ...(seen.has('margin') ? { margin: json(3) } : {}),
    ...(seen.has('event_id') ? { event_id: json(4) } : {}),
    ...(seen.has('order_id') ? { order_id: json(7) } : {}),
  };
  return { source, firstRow: 1, length: rows.length, columns, malformed, bytesRead: -1 };
}
