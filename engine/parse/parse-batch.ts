/**
 * Turns a reader's RawBatch into typed columns of valid rows, judging every value by the rules
 * in parse-values.ts and logging every rejected row with its reason. The same function serves
 * the batch path and the real-time path, so both accept exactly the same rows.
 */
import type { RawBatch, RawColumn } from '../read/raw-batch.js';
import {
  type CustomerKey,
  type KeyResult,
  customerKeyFromText,
  customerKeyFromValue,
  isBlank,
  numberFromText,
  numberFromValue,
  timestampFromText,
  timestampFromValue,
} from './parse-values.js';
import type { RejectLog } from './reject-log.js';
import { arrowCells } from './arrow-cells.js';
import { eventIdFromValue } from '../wal/event-id.js';

/** Valid rows of one batch, in source order, as columns. */
export interface TxBatch {
  readonly length: number;
  /** Canonical customer keys: a safe integer as a number, any other text exactly as given. */
  readonly ids: CustomerKey[];
  /** Epoch milliseconds. */
  readonly ts: Float64Array;
  /** Net money of the row; negative for a return. */
  readonly amount: Float64Array;
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

function numberParser(col: RawColumn): (raw: unknown) => number {
  return col.kind === 'text' ? (raw) => numberFromText(raw as string | null) : numberFromValue;
}

function timestampParser(col: RawColumn): (raw: unknown) => number {
  return col.kind === 'text' ? (raw) => timestampFromText(raw as string | null) : timestampFromValue;
}

const ABSENT: RawAt = () => undefined;

/** Parses a batch; rejected rows go to `rejects`, valid rows come back compacted. */
export function parseBatch(raw: RawBatch, rejects: RejectLog): TxBatch {
  const n = raw.length;
  const { customer_id: idCol, ts: tsCol, amount: amountCol, margin: marginCol } = raw.columns;
  const idAt = idCol ? rawAccessor(idCol) : ABSENT;
  const tsAt = tsCol ? rawAccessor(tsCol) : ABSENT;
  const amountAt = amountCol ? rawAccessor(amountCol) : ABSENT;
  const marginAt = marginCol ? rawAccessor(marginCol) : null;
  const eventIdAt = raw.columns.event_id ? rawAccessor(raw.columns.event_id) : null;
  const parseKey = idCol ? keyParser(idCol) : customerKeyFromValue;
  const parseTs = tsCol ? timestampParser(tsCol) : timestampFromValue;
  const parseAmount = amountCol ? numberParser(amountCol) : numberFromValue;
  const parseMargin = marginCol ? numberParser(marginCol) : numberFromValue;

  const malformed = new Map<number, string>();
  for (const m of raw.malformed) malformed.set(m.index, m.detail);

  const ids: CustomerKey[] = [];
  const ts = new Float64Array(n);
  const amount = new Float64Array(n);
  const margin = marginAt ? new Float64Array(n) : null;
  const eventIds: (string | null)[] | null = eventIdAt ? [] : null;
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
    const rawAmount = amountAt(i);
    const a = parseAmount(rawAmount);
    if (Number.isNaN(a)) {
      rejects.add(raw.source, row, isBlank(rawAmount) ? 'missing_amount' : 'bad_amount', rawAmount);
      continue;
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
      margin[out] = m;
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
  };
}
