/**
 * Turns a reader's RawBatch into typed columns of valid rows, judging every value by the rules
 * in parse-values.ts and logging every rejected row with its reason. The same function serves
 * the batch path and the real-time path, so both accept exactly the same rows.
 */
import { type Data, Type, type Vector } from 'apache-arrow';
import type { RawBatch, RawColumn } from '../read/raw-batch.js';
import {
  type CustomerKey,
  type KeyResult,
  customerKeyFromText,
  customerKeyFromValue,
  isBlank,
  numberFromValue,
  numberTextReader,
  timestampFromText,
  timestampFromValue,
} from './parse-values.js';
import type { RejectLog } from './reject-log.js';
import { arrowCells } from './arrow-cells.js';
import { arrowNumbers } from './arrow-numbers.js';
import { eventIdFromValue } from '../wal/event-id.js';
import { type InputDialect, isNativeTsColumn } from './input-dialect.js';
import type { DecimalMark } from './money-text.js';
import { parseIsoTimestamp } from './parse-timestamp.js';
import { intFromText, timestampOfInt, timestampOfIntValue } from './ts-kinds.js';
import { lineAmount } from './line-amount.js';

/** Valid rows of one batch, in source order, as columns. */
export interface TxBatch {
  readonly length: number;
  /** Canonical customer keys: a safe integer as a number, any other text exactly as given. */
  readonly ids: CustomerKey[];
  /** Epoch milliseconds. */
  readonly ts: Float64Array;
  /** Net money of the row; negative for a return. For line items, quantity * price rounded to 0.0001. */
  readonly amount: Float64Array;
  /**
   * The order of each row when an `order_id` column is mapped: canonical like `ids`, never null. A
   * line without an order id is an order of its own: its key is `\u0000<source>#<row>`, which no
   * other line shares.
   */
  readonly orderIds?: CustomerKey[];
  /** Profit of the row, NaN where unknown; null when the source has no margin column. */
  readonly margin: Float64Array | null;
  /** Live rows only: the client's `event_id` of each row (null where none), for idempotent retries (engine/wal/event-id.ts). */
  readonly eventIds?: ReadonlyArray<string | null>;
}

/** Reads one column's cell `i` as the raw value (for blank checks and the rejects file). */
type RawAt = (i: number) => unknown;

function rawAccessor(col: RawColumn): RawAt {
  switch (col.kind) {
    case 'text':
    case 'json': {
      const values = col.values;
      return (i) => values[i];
    }
    case 'arrow':
      return arrowCells(col.vector);
  }
}

function keyParser(col: RawColumn): (raw: unknown) => KeyResult {
  return col.kind === 'text' ? (raw) => customerKeyFromText(raw as string | null) : customerKeyFromValue;
}

function numberParser(col: RawColumn, mark: DecimalMark): (raw: unknown) => number {
  if (col.kind === 'text') {
    const read = numberTextReader(mark);
    return (raw) => read(raw as string | null);
  }
  return mark === '.' ? numberFromValue : (raw) => numberFromValue(raw, mark);
}

/** The timestamp reader of a column: today's rules without a dialect, else the dialect's decided kind. */
function timestampParser(col: RawColumn, dialect: InputDialect | undefined): (raw: unknown) => number {
  const text = col.kind === 'text';
  const kind = dialect ? dialect.ts : 'undecided';
  if (kind === 'undecided' || kind === 'native' || isNativeTsColumn(col)) {
    return text ? (raw) => timestampFromText(raw as string | null) : timestampFromValue;
  }
  if (kind === 'iso') return (raw) => (typeof raw === 'string' ? parseIsoTimestamp(raw) : Number.NaN);
  if (kind === 'pattern') {
    const p = dialect!.pattern!;
    return (raw) => {
      if (typeof raw === 'string') return p.parse(raw);
      return typeof raw === 'number' || typeof raw === 'bigint' ? p.parse(String(raw)) : Number.NaN;
    };
  }
  if (text) return (raw) => (raw === null ? Number.NaN : timestampOfInt(intFromText(raw as string), kind));
  return (raw) => timestampOfIntValue(raw, kind);
}

const ABSENT: RawAt = () => undefined;

/**
 * Parses a batch; rejected rows go to `rejects`, valid rows come back compacted. With a dialect,
 * what it has not decided yet is sniffed from this batch first (InputDialect.observe), and values
 * are read by its decisions; without one, by the fixed rules (ISO-8601 or epoch ms, decimal point).
 * Without an `amount` column, `quantity` and `price` make it (line items, line-amount.ts).
 */
export function parseBatch(raw: RawBatch, rejects: RejectLog, dialect?: InputDialect): TxBatch {
  if (dialect?.undecided) dialect.observe(raw);
  const mark: DecimalMark = dialect ? dialect.decimal : '.';
  const n = raw.length;
  const { customer_id: idCol, ts: tsCol, amount: amountCol, margin: marginCol } = raw.columns;
  const { quantity: qtyCol, price: priceCol, order_id: orderCol } = raw.columns;
  const lineItems = !amountCol && qtyCol !== undefined && priceCol !== undefined;
  const idAt = idCol ? rawAccessor(idCol) : ABSENT;
  const tsAt = tsCol ? rawAccessor(tsCol) : ABSENT;
  const amountAt = amountCol ? rawAccessor(amountCol) : ABSENT;
  const qtyAt = qtyCol ? rawAccessor(qtyCol) : ABSENT;
  const priceAt = priceCol ? rawAccessor(priceCol) : ABSENT;
  const orderAt = orderCol ? rawAccessor(orderCol) : null;
  const marginAt = marginCol ? rawAccessor(marginCol) : null;
  const eventIdAt = raw.columns.event_id ? rawAccessor(raw.columns.event_id) : null;
  const parseKey = idCol ? keyParser(idCol) : customerKeyFromValue;
  const parseOrder = orderCol ? keyParser(orderCol) : customerKeyFromValue;
  const parseTs = tsCol ? timestampParser(tsCol, dialect) : timestampFromValue;
  const parseAmount = amountCol ? numberParser(amountCol, mark) : numberFromValue;
  const parseQty = qtyCol ? numberParser(qtyCol, mark) : numberFromValue;
  const parsePrice = priceCol ? numberParser(priceCol, mark) : numberFromValue;
  const parseMargin = marginCol ? numberParser(marginCol, mark) : numberFromValue;

  const malformed = new Map<number, string>();
  for (const m of raw.malformed) malformed.set(m.index, m.detail);

  const ids: CustomerKey[] = [];
  const ts = new Float64Array(n);
  const amount = new Float64Array(n);
  const margin = marginAt ? new Float64Array(n) : null;
  const eventIds: (string | null)[] | null = eventIdAt ? [] : null;
  const orderIds: CustomerKey[] | null = orderAt ? [] : null;
  let out = 0;
  for (let i = 0; i < n; i++) {
    const row = raw.firstRow + i;
    if (malformed.size > 0 && malformed.has(i)) {
      rejects.add(raw.source, row, 'malformed_row', malformed.get(i));
      continue;
    }
    const rawId = idAt(i);
    const key = parseKey(rawId);
    if (key === undefined || key === null) {
      rejects.add(raw.source, row, key === undefined ? 'missing_customer_id' : 'bad_customer_id', rawId);
      continue;
    }
    const rawTs = tsAt(i);
    const t = parseTs(rawTs);
    if (Number.isNaN(t)) {
      rejects.add(raw.source, row, isBlank(rawTs) ? 'missing_ts' : 'bad_ts', rawTs);
      continue;
    }
    let a: number;
    if (lineItems) {
      const rawQty = qtyAt(i);
      const q = parseQty(rawQty);
      if (Number.isNaN(q)) {
        rejects.add(raw.source, row, isBlank(rawQty) ? 'missing_quantity' : 'bad_quantity', rawQty);
        continue;
      }
      const rawPrice = priceAt(i);
      const p = parsePrice(rawPrice);
      if (Number.isNaN(p)) {
        rejects.add(raw.source, row, isBlank(rawPrice) ? 'missing_price' : 'bad_price', rawPrice);
        continue;
      }
      a = lineAmount(q, p);
      if (Number.isNaN(a)) {
        rejects.add(raw.source, row, 'bad_amount', `${q} * ${p}`);
        continue;
      }
    } else {
      const rawAmount = amountAt(i);
      a = parseAmount(rawAmount);
      if (Number.isNaN(a)) {
        rejects.add(raw.source, row, isBlank(rawAmount) ? 'missing_amount' : 'bad_amount', rawAmount);
        continue;
      }
    }
    let m = Number.NaN;
    if (marginAt && margin) {
      const rawMargin = marginAt(i);
      // A blank margin is "not known" for that row; a margin that is there but unreadable is bad.
      if (!isBlank(rawMargin)) {
        m = parseMargin(rawMargin);
        if (Number.isNaN(m)) {
          rejects.add(raw.source, row, 'bad_margin', rawMargin);
          continue;
        }
      }
    }
    let order: CustomerKey | undefined;
    if (orderAt) {
      const rawOrder = orderAt(i);
      const o = parseOrder(rawOrder);
      if (o === null) {
        rejects.add(raw.source, row, 'bad_order_id', rawOrder);
        continue;
      }
      order = o === undefined ? `\u0000${raw.source}#${row}` : o;
    }
    if (eventIdAt && eventIds) {
      const rawEventId = eventIdAt(i);
      const e = eventIdFromValue(rawEventId);
      if (e === undefined) {
        rejects.add(raw.source, row, 'bad_event_id', rawEventId);
        continue;
      }
      eventIds.push(e);
    }
    if (margin) margin[out] = m;
    if (orderIds) orderIds.push(order!);
    ids.push(key);
    ts[out] = t;
    amount[out] = a;
    out++;
  }
  return {
    length: out,
    ids,
    ts: ts.subarray(0, out),
    amount: amount.subarray(0, out),
    margin: margin ? margin.subarray(0, out) : null,
    ...(eventIds ? { eventIds } : {}),
    ...(orderIds ? { orderIds } : {}),
  };
}

/**
 * A batch of Arrow columns the aggregation can judge column by column, with no object per row
 * (issue 10): numbers, timestamps and margins read straight from the buffers (arrow-numbers.ts,
 * NaN where null), ids left as the Arrow vector for the id interner (engine/kernels) to judge and
 * number from its bytes. What these checks and the interner cannot judge (a bad timestamp or
 * amount, a bad id) goes through `parseRow`, so it is rejected with today's reason and detail.
 */
export interface ArrowRows {
  /** Epoch milliseconds; NaN where null. */
  readonly ts: Float64Array;
  readonly amount: Float64Array;
  /** NaN where null (not known) or where the value is NaN (bad: `marginVector.isValid` tells). */
  readonly margin: Float64Array | null;
  readonly marginVector: Vector | null;
  /** The id column: Utf8 or dictionary-encoded Utf8 chunks (for the interner), or numbers. */
  readonly ids: Vector;
  /** The ids as numbers when the column is numeric (NaN where null), else null. */
  readonly idNumbers: Float64Array | null;
}

/**
 * The columns of `raw` as ArrowRows, or null when the batch needs the row-by-row parser: text or
 * JSON columns, malformed rows, line items, order or event ids, a timestamp column that is not an
 * Arrow date or timestamp, or a column type arrow-numbers.ts does not read (decimals, text money).
 * Observes the dialect like parseBatch, so the decisions recorded are the same on both paths.
 */
export function arrowRows(raw: RawBatch, dialect?: InputDialect): ArrowRows | null {
  const { customer_id: idCol, ts: tsCol, amount: amountCol, margin: marginCol, order_id, quantity, price, event_id } = raw.columns;
  if (raw.malformed.length > 0 || order_id || quantity || price || event_id) return null;
  if (idCol?.kind !== 'arrow' || amountCol?.kind !== 'arrow' || tsCol?.kind !== 'arrow' || !isNativeTsColumn(tsCol)) return null;
  if (marginCol !== undefined && marginCol.kind !== 'arrow') return null;
  const ts = arrowNumbers(tsCol.vector);
  const amount = ts && arrowNumbers(amountCol.vector);
  const margin = marginCol ? arrowNumbers(marginCol.vector) : null;
  if (!ts || !amount || (marginCol && !margin)) return null;
  const ids = idCol.vector;
  const idNumbers = ids.data.every(isUtf8Chunk) ? null : arrowNumbers(ids);
  if (idNumbers === null && !ids.data.every(isUtf8Chunk)) return null;
  if (dialect?.undecided) dialect.observe(raw);
  return { ts, amount, margin, marginVector: marginCol ? marginCol.vector : null, ids, idNumbers };
}

/** A Utf8 chunk, or a dictionary-encoded one whose dictionary is one Utf8 chunk (the interner reads their bytes). */
export function isUtf8Chunk(data: Data): boolean {
  if (data.typeId === Type.Utf8) return true;
  if (data.typeId !== Type.Dictionary) return false;
  const dict = data.dictionary;
  return dict !== undefined && dict.data.length === 1 && dict.data[0]!.typeId === Type.Utf8 && data.values instanceof Int32Array;
}

/** Row `i` of `raw` alone through parseBatch: rejected with its reason, or valid (a batch of one). */
export function parseRow(raw: RawBatch, i: number, rejects: RejectLog, dialect?: InputDialect): TxBatch {
  const columns: RawBatch['columns'] = Object.fromEntries(
    Object.entries(raw.columns).map(([name, col]) => [name, col.kind === 'arrow' ? { kind: 'arrow', vector: col.vector.slice(i, i + 1) } : { kind: col.kind, values: col.values.slice(i, i + 1) }]),
  );
  const malformed = raw.malformed.filter((m) => m.index === i).map((m) => ({ ...m, index: 0 }));
  return parseBatch({ ...raw, firstRow: raw.firstRow + i, length: 1, columns, malformed }, rejects, dialect);
}
