/**
 * A batch of live purchases sent as Arrow, read column by column from the IPC buffers into a
 * TxBatch when every row is valid: ids, timestamps, amounts and margins come from
 * arrow-numbers.ts (views of the buffers where they are doubles), each value judged by the rules
 * parseBatch applies to the same cells (arrow-cells.ts reads a numeric column through
 * arrowNumbers too), so the rows are the ones parseBatch would accept — without a cell accessor
 * call and a value parser call per cell, and without sniffing the decimal mark of money columns
 * that hold numbers (the mark reads text only).
 *
 * Any other batch (a row parseBatch would reject, malformed rows, line items, order ids, money
 * or timestamps that are not Arrow numbers, dates or timestamps, a timestamp kind other than
 * native or integer) returns null, and the caller runs parseBatch, which judges it as before.
 */
import { Type } from 'apache-arrow';
import { isNativeTsColumn, type InputDialect } from '../parse/input-dialect.js';
import { arrowCells } from '../parse/arrow-cells.js';
import { arrowNumbers } from '../parse/arrow-numbers.js';
import type { TxBatch } from '../parse/parse-batch.js';
import { isValidTimestamp } from '../parse/parse-timestamp.js';
import { type CustomerKey, type KeyResult, customerKeyFromValue, isValidMoney } from '../parse/parse-values.js';
import { timestampOfInt } from '../parse/ts-kinds.js';
import type { RawBatch } from '../read/raw-batch.js';
import { eventIdFromValue } from '../wal/event-id.js';
import { type IdKeyCache, MAX_CACHED_BYTES, tagEntries } from './id-key-cache.js';

/**
 * The rows of `raw` as a TxBatch, or null for parseBatch (see the file comment). `dialectOf`
 * gives the request's dialect for a batch; it is handed the timestamp column alone, which is all
 * that decides how timestamps read here. Text ids are looked up by their bytes in `keys`.
 */
export function arrowEventBatch(raw: RawBatch, dialectOf: (tsOnly: RawBatch) => InputDialect, keys: IdKeyCache): TxBatch | null {
  const { customer_id: idCol, ts: tsCol, amount: amountCol, margin: marginCol, event_id: eventCol, order_id, quantity, price } = raw.columns;
  if (raw.malformed.length > 0 || order_id || quantity || price || raw.length === 0) return null;
  if (idCol?.kind !== 'arrow' || tsCol?.kind !== 'arrow' || amountCol?.kind !== 'arrow') return null;
  if ((marginCol && marginCol.kind !== 'arrow') || (eventCol && eventCol.kind !== 'arrow')) return null;
  const ts = arrowNumbers(tsCol.vector);
  const amount = ts && arrowNumbers(amountCol.vector);
  const margin = marginCol?.kind === 'arrow' ? arrowNumbers(marginCol.vector) : null;
  if (!ts || !amount || (marginCol && !margin)) return null;
  const kind = isNativeTsColumn(tsCol) ? 'native' : dialectOf({ ...raw, columns: { ts: tsCol } }).ts;
  if (kind !== 'native' && kind !== 'epoch_ms' && kind !== 'epoch_s' && kind !== 'yyyymmdd') return null;
  const n = raw.length;
  const out = kind === 'native' || kind === 'epoch_ms' ? ts : new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t = kind === 'native' ? (isValidTimestamp(ts[i]!) ? ts[i]! : Number.NaN) : timestampOfInt(ts[i]!, kind);
    if (Number.isNaN(t) || !isValidMoney(amount[i]!)) return null;
    if (out !== ts) out[i] = t;
  }
  if (margin && marginCol?.kind === 'arrow') {
    for (let i = 0; i < n; i++) {
      const m = margin[i]!;
      // NaN is a null (not known) or a float NaN that is a value (a bad margin: parseBatch rejects it).
      if (Number.isNaN(m) ? marginCol.vector.isValid(i) : !isValidMoney(m)) return null;
    }
  }
  const ids = keysOf(idCol.vector, n, keys);
  if (!ids) return null;
  let eventIds: (string | null)[] | undefined;
  if (eventCol?.kind === 'arrow') {
    const at = arrowCells(eventCol.vector);
    eventIds = new Array(n);
    for (let i = 0; i < n; i++) {
      const e = eventIdFromValue(at(i));
      if (e === undefined) return null;
      eventIds[i] = e;
    }
  }
  return { length: n, ids, ts: out, amount, margin, ...(eventIds ? { eventIds } : {}) };
}

/** The customer keys of an id column as parseBatch reads its cells, or null when one is missing or bad. */
function keysOf(vector: Parameters<typeof arrowCells>[0], n: number, keys: IdKeyCache): CustomerKey[] | null {
  const ids: CustomerKey[] = new Array(n);
  const numbers = arrowNumbers(vector);
  if (numbers) {
    for (let i = 0; i < n; i++) {
      // A number cell's key is itself when it is a safe integer (customerKeyFromValue); NaN is a null.
      const v = numbers[i]!;
      if (!Number.isSafeInteger(v)) return null;
      // `v | 0` where it fits: a small integer, not a double, which the interner's Map would box
      // on every lookup (a fifth of the server's time under the events bench went there).
      ids[i] = v >= -0x40000000 && v < 0x40000000 ? v | 0 : v;
    }
    return ids;
  }
  // Made when a cell needs it: for a Utf8 column it decodes every cell at once.
  let at: ((i: number) => unknown) | null = null;
  const entries = new Int32Array(n).fill(-1);
  const generation = keys.generation;
  let cached = false;
  // Utf8 chunks without nulls: plain ASCII ids are looked up by their bytes (no string per row);
  // any other cell reads as parseBatch reads it.
  let row = 0;
  for (const d of vector.data) {
    const plain = d.typeId === Type.Utf8 && d.nullCount === 0 && d.offset === 0;
    const offsets = plain ? (d.valueOffsets as Int32Array) : null;
    const bytes = plain ? (d.values as Uint8Array) : null;
    for (let j = 0; j < d.length; j++, row++) {
      let k: KeyResult;
      const span = offsets === null ? -1 : offsets[j + 1]! - offsets[j]!;
      if (offsets !== null && bytes !== null && span >= 0 && span <= MAX_CACHED_BYTES && offsets[j]! >= 0 && offsets[j + 1]! <= bytes.length && isAscii(bytes, offsets[j]!, offsets[j + 1]!)) {
        k = keys.keyOf(bytes, offsets[j]!, offsets[j + 1]!);
        entries[row] = keys.lastEntry;
        if (keys.lastEntry >= 0) cached = true;
      } else {
        at ??= arrowCells(vector);
        k = customerKeyFromValue(at(row));
      }
      if (k === undefined || k === null) return null;
      ids[row] = k;
    }
  }
  // Entries tag the ids only when the cache did not start over while the column was read.
  if (cached && keys.generation === generation) tagEntries(ids, { cache: keys, generation, entries });
  return ids;
}

function isAscii(b: Uint8Array, start: number, end: number): boolean {
  let or = 0;
  for (let i = start; i < end; i++) or |= b[i]!;
  return or < 0x80;
}
