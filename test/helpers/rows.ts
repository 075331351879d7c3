/** Builds batches and aggregates from literal rows, the way a NDJSON reader would hand them over. */
import { Aggregator } from '../../engine/aggregate/aggregator.js';
import { finalize } from '../../engine/aggregate/finalize.js';
import type { CustomerTable } from '../../engine/aggregate/customer-table.js';
import { parseBatch, type TxBatch } from '../../engine/parse/parse-batch.js';
import { RejectLog } from '../../engine/parse/reject-log.js';
import type { RawBatch } from '../../engine/read/raw-batch.js';
import { parseAsOf } from '../../engine/rescore/as-of.js';

/** A row as JSON would carry it. */
export interface Row {
  customer_id?: unknown;
  ts?: unknown;
  amount?: unknown;
  margin?: unknown;
}

/** A RawBatch of JSON values (margin column present when any row has the key). */
export function jsonBatch(rows: readonly Row[], firstRow = 1): RawBatch {
  const withMargin = rows.some((r) => 'margin' in r);
  return {
    source: 'test',
    firstRow,
    length: rows.length,
    columns: {
      customer_id: { kind: 'json', values: rows.map((r) => r.customer_id) },
      ts: { kind: 'json', values: rows.map((r) => r.ts) },
      amount: { kind: 'json', values: rows.map((r) => r.amount) },
      ...(withMargin ? { margin: { kind: 'json' as const, values: rows.map((r) => r.margin) } } : {}),
    },
    malformed: [],
    bytesRead: -1,
  };
}

/** Parses rows, failing the test helper if any is rejected unless `rejects` is given. */
export function txBatch(rows: readonly Row[], rejects = new RejectLog()): TxBatch {
  return parseBatch(jsonBatch(rows), rejects);
}

/** Aggregates rows and finalizes at `asOf` (a date or date-time, or the default). */
export function aggregate(rows: readonly Row[], asOf?: string): { agg: Aggregator; table: CustomerTable; rejects: RejectLog } {
  const rejects = new RejectLog();
  const agg = new Aggregator(asOf ? parseAsOf(asOf) : Number.POSITIVE_INFINITY);
  agg.add(parseBatch(jsonBatch(rows), rejects));
  const asOfMs = asOf ? parseAsOf(asOf) : (Math.floor(agg.state.maxTs / 86_400_000) + 1) * 86_400_000 - 1;
  return { agg, table: finalize(agg, asOfMs), rejects };
}

/** The row of customer `id` as a plain object of its fields (null for NaN). */
export function customer(table: CustomerTable, id: string): Record<string, number | null> {
  const c = table.customerId.indexOf(id);
  if (c < 0) throw new Error(`no customer ${id}`);
  return Object.fromEntries(Object.entries(table.fields).map(([k, col]) => [k, Number.isNaN(col[c]!) ? null : col[c]!]));
}
