/**
 * The sink of the aggregation (DuckDB's Sink / Combine / Finalize): streams batches into one
 * partial state per worker — an id interner of the kernel set (engine/kernels) and per-customer
 * typed arrays (aggregate-state.ts). Partial states combine exactly (combine-partials.ts) and
 * finalize to the customer table (finalize.ts); the inline path and the pool run the same three.
 *
 * On the native kernel set the partial state is a sink in the addon instead (kernels/native-sink.ts,
 * native/src/partial): the same interning verdicts, rows logged per radix partition, customers
 * numbered by handles; `state` then only keeps `rows` and `maxTs`.
 *
 * Two ways in: `addRaw` takes a reader's batch and, for clean Arrow columns, judges and interns
 * them column by column (parse-batch.ts `arrowRows`), without an object or a JS string per row;
 * `add` takes rows already parsed (the live log, text formats).
 */
import type { InputDialect } from '../parse/input-dialect.js';
import { type Data, Type, type Vector } from 'apache-arrow';
import { scaleOf } from '../parse/arrow-numbers.js';
import { type ArrowRows, arrowRows, isUtf8Chunk, parseBatch, parseRow, type TxBatch } from '../parse/parse-batch.js';
import { type CustomerKey, isValidMoney } from '../parse/parse-values.js';
import { isValidTimestamp } from '../parse/parse-timestamp.js';
import type { RejectLog } from '../parse/reject-log.js';
import type { RawBatch } from '../read/raw-batch.js';
import { JsIdInterner } from '../kernels/js-interner.js';
import { jsKernels } from '../kernels/js-kernels.js';
import { type IdInterner, JUDGE_ONLY, type Kernels, MISSING_ID } from '../kernels/kernels.js';
import type { NativeSink } from '../kernels/native-sink.js';
import { aggregateRows } from './aggregate-rows.js';
import { AggregateState } from './aggregate-state.js';
import { IdIndex } from './id-index.js';
import { type DictionaryMappings, internArrowIds } from './intern-arrow-ids.js';

/** Per-customer aggregation of a stream of rows, up to `asOfMs`. */
export class Aggregator {
  /** Customer numbers of the state's arrays (order of first sight). */
  readonly interner: IdInterner;
  readonly state = new AggregateState();
  /** The native partial state, when the kernel set has one (then `state` holds only `rows` and `maxTs`). */
  readonly sink: NativeSink | null;
  /** Rows after `as_of`, excluded from every field (DESIGN: `future_rows`). */
  futureRows = 0;
  /** Whether any input carried a margin column. */
  hasMargin = false;
  private cust = new Int32Array(0);
  private invalid = new Uint8Array(0);
  /** A batch's timestamps in ms as the native judgment writes them, reused batch after batch. */
  private tsMs = new Float64Array(0);
  /** Each Arrow dictionary's entries → customer numbers, kept while batches share the dictionary. */
  private readonly dictionaries: DictionaryMappings = new WeakMap();

  /**
   * @param asOfMs rows with `ts > asOfMs` are counted as future rows; +Infinity keeps all.
   * @param kernels the interner and partial state, e.g. `loadKernels()`; every set gives identical tables.
   */
  constructor(
    readonly asOfMs = Number.POSITIVE_INFINITY,
    kernels: Kernels = jsKernels,
  ) {
    this.sink = kernels.sinks?.create() ?? null;
    this.interner = this.sink ?? kernels.createInterner();
  }

  /** Expects about `rows` more rows: a sink sizes its record logs once (native-sink.ts `reserve`); the TypeScript state grows as it goes. */
  reserve(rows: number): void {
    this.sink?.reserve(rows);
  }

  /** Number of customers. */
  get size(): number {
    return this.interner.size;
  }

  /** Keys by customer number (read only); on a sink, in order of first appearance. */
  keys(): CustomerKey[] {
    return this.interner instanceof JsIdInterner ? this.interner.index.keys : this.interner.keys();
  }

  /**
   * The customers as an IdIndex, for lookups by key (the live overlay): the TypeScript interner's
   * own index, or one built from the native interner's keys when asked (not a hot path).
   */
  get ids(): IdIndex {
    if (this.interner instanceof JsIdInterner) return this.interner.index;
    if (this.index === null || this.index.size !== this.interner.size) {
      const index = this.index ?? new IdIndex();
      for (const key of this.interner.keys(index.size)) index.intern(key);
      this.index = index;
    }
    return this.index;
  }

  private index: IdIndex | null = null;

  private custFor(n: number): Int32Array {
    if (this.cust.length < n) this.cust = new Int32Array(n);
    return this.cust.subarray(0, n);
  }

  /**
   * Folds one batch of valid rows in; returns each row's customer number (a handle on a sink;
   * -1: a future row), valid until the next `add`.
   */
  add(batch: TxBatch): Int32Array {
    const n = batch.length;
    const cust = this.custFor(n);
    const { ts } = batch;
    const asOf = this.asOfMs;
    for (let i = 0; i < n; i++) {
      if (ts[i]! > asOf) {
        this.futureRows++;
        cust[i] = JUDGE_ONLY;
      } else cust[i] = 0;
    }
    this.interner.internKeys(batch.ids, cust);
    this.fold(cust, ts, batch.amount, batch.margin, n, batch.orderIds ?? null);
    if (batch.orderIds && this.sink === null) this.addOrders(cust, batch.amount, batch.orderIds, n);
    return cust;
  }

  /**
   * Parses a reader's batch and folds its valid rows in; rejected rows go to `rejects` exactly as
   * parseBatch would log them (same reasons, same order).
   */
  addRaw(raw: RawBatch, rejects: RejectLog, dialect?: InputDialect): void {
    if (this.sink?.judges && this.addJudgedNatively(this.sink, raw, rejects, dialect)) return;
    const rows = arrowRows(raw, dialect);
    if (rows === null) {
      this.add(parseBatch(raw, rejects, dialect));
      return;
    }
    const n = raw.length;
    const { cust, invalid } = this.judge(rows, n);
    internArrowIds(this.interner, rows.ids, rows.idNumbers, cust, this.dictionaries);
    this.settle(raw, rows.ids, cust, invalid, n, rows.ts, rows.amount, rows.margin, rejects, dialect);
  }

  /**
   * The sink's way in for a clean columnar batch (each column one chunk without nulls: a Date or
   * Timestamp `ts`, Float64 `amount` and `margin`, integer or text ids): the rows are judged
   * natively on the reader's own buffers (native/src/partial/judge.rs, `judge`'s twin) and
   * integer ids interned as they are, without the Float64 copies arrowRows makes of both. Same
   * masks, rejects and rows as the way through arrowRows; false (nothing done) for other batches.
   */
  private addJudgedNatively(sink: NativeSink, raw: RawBatch, rejects: RejectLog, dialect: InputDialect | undefined): boolean {
    const { customer_id: idCol, ts: tsCol, amount: amountCol, margin: marginCol } = raw.columns;
    const c = raw.columns;
    if (raw.malformed.length > 0 || c.order_id || c.quantity || c.price || c.event_id) return false;
    if (idCol?.kind !== 'arrow' || tsCol?.kind !== 'arrow' || amountCol?.kind !== 'arrow' || (marginCol !== undefined && marginCol.kind !== 'arrow')) return false;
    const n = raw.length;
    const time = cleanChunk(tsCol.vector, n);
    const timeType = time?.type.typeId;
    const scale = time ? scaleOf(time) : null;
    if (time === null || scale === null || (timeType !== Type.Date && timeType !== Type.Timestamp)) return false;
    const tsValues = time.values as unknown;
    if (!(tsValues instanceof BigInt64Array || tsValues instanceof Int32Array)) return false;
    const amount = float64Of(amountCol.vector, n);
    const margin = marginCol ? float64Of(marginCol.vector, n) : null;
    if (amount === null || (marginCol && margin === null)) return false;
    const ids = idCol.vector;
    const idChunk = cleanChunk(ids, n);
    const idValues = idChunk?.type.typeId === Type.Int ? (idChunk.values as unknown) : null;
    // Int32 ids as they are; Int64 ids (the CSV scanner's) too when every one is a safe integer,
    // as arrowRows requires (beyond 2^53 an id is its decimal text, which that way keeps).
    const idInts = idValues instanceof Int32Array || (idValues instanceof BigInt64Array && safeIntegers(idValues, n)) ? idValues.subarray(0, n) : null;
    if (idInts === null && !ids.data.every(isUtf8Chunk)) return false;
    if (dialect?.undecided) dialect.observe(raw);
    const cust = this.custFor(n);
    if (this.invalid.length < n) this.invalid = new Uint8Array(this.cust.length);
    if (this.tsMs.length < n) this.tsMs = new Float64Array(this.cust.length);
    const invalid = this.invalid.subarray(0, n);
    const ts = this.tsMs.subarray(0, n);
    sink.judge(tsValues.subarray(0, n), scale, amount, margin, this.asOfMs, ts, cust, invalid);
    if (idInts !== null) this.interner.internIds(idInts, cust);
    else internArrowIds(this.interner, ids, null, cust, this.dictionaries);
    this.settle(raw, ids, cust, invalid, n, ts, amount, margin, rejects, dialect);
    return true;
  }

  /** After the judgment and the masked intern: rejects logged in row order, the valid rows folded in. */
  private settle(
    raw: RawBatch, ids: Vector, cust: Int32Array, invalid: Uint8Array, n: number,
    ts: Float64Array, amount: Float64Array, margin: Float64Array | null, rejects: RejectLog, dialect: InputDialect | undefined,
  ): void {
    // Rows the columns could not vouch for are parsed alone, in row order, so rejects are logged
    // in the order the row-by-row parser logs them; a missing id (common: anonymous purchases)
    // is logged here directly. Rows the parser finds valid after all are added after the fold:
    // `add` reuses the `cust` buffer, so adding them here would overwrite this batch's numbers.
    const late: TxBatch[] = [];
    for (let i = 0; i < n; i++) {
      const c = cust[i]!;
      if (c >= 0) continue;
      if (c === MISSING_ID) rejects.add(raw.source, raw.firstRow + i, 'missing_customer_id', ids.get(i));
      else if (c === JUDGE_ONLY && invalid[i] === 0) this.futureRows++;
      else {
        const alone = parseRow(raw, i, rejects, dialect);
        // The parser and the columns agree on what is valid (test/engine/aggregate/sink.test.ts),
        // except on damaged Arrow buffers (offsets the interner refuses that apache-arrow reads):
        // such a row still counts, only later in the order of first sight.
        if (alone.length > 0) late.push(alone);
      }
      cust[i] = -1;
    }
    this.fold(cust, ts, amount, margin, n);
    for (const batch of late) this.add(batch);
  }

  /**
   * The interner's mask for ArrowRows (kernels.ts JUDGE_ONLY): 0 for a row to number, JUDGE_ONLY
   * for a future row or one whose timestamp, amount or margin the parser would reject (then
   * `invalid[i]` is 1), MISSING_ID for a null id.
   */
  private judge(rows: ArrowRows, n: number): { cust: Int32Array; invalid: Uint8Array } {
    const cust = this.custFor(n);
    if (this.invalid.length < n) this.invalid = new Uint8Array(this.cust.length);
    const invalid = this.invalid.subarray(0, n);
    const { ts, amount, margin, marginVector } = rows;
    const asOf = this.asOfMs;
    for (let i = 0; i < n; i++) {
      const t = ts[i]!;
      let ok = isValidTimestamp(t) && isValidMoney(amount[i]!);
      if (ok && margin) {
        const m = margin[i]!;
        // NaN is a null margin (not known, fine) or a NaN value (bad_margin).
        ok = Number.isNaN(m) ? !marginVector!.isValid(i) : isValidMoney(m);
      }
      invalid[i] = ok ? 0 : 1;
      cust[i] = ok && t <= asOf ? 0 : JUDGE_ONLY;
    }
    return { cust, invalid };
  }

  private fold(cust: Int32Array, ts: Float64Array, amount: Float64Array, margin: Float64Array | null, n: number, orderIds: readonly CustomerKey[] | null = null): void {
    if (margin) this.hasMargin = true;
    const sink = this.sink;
    if (sink !== null) {
      sink.append(cust, ts, amount, margin, n, orderIds);
      this.state.rows = sink.rows;
      this.state.maxTs = sink.maxTs;
      return;
    }
    this.state.ensure(this.interner.size);
    aggregateRows(this.state, cust, ts, amount, margin, n);
  }

  /**
   * The rows of a batch with order ids count distinct orders: the kernel counted each row as an
   * order or a return, so the count is taken back and the row's order goes into the order set
   * instead (the kernels stay one per-row loop, the same in TypeScript and Rust).
   */
  private addOrders(cust: Int32Array, amount: Float64Array, orderIds: readonly CustomerKey[], n: number): void {
    const { orders, returns, orderSet } = this.state;
    for (let i = 0; i < n; i++) {
      const c = cust[i]!;
      if (c < 0) continue;
      const order = orderIds[i]!;
      // A line without an order id is an order of its own (parse-batch.ts keys it
      // `\u0000<source>#<row>`): the kernel's count stands, and it takes no room in the set.
      if (typeof order === 'string' && order.charCodeAt(0) === 0) continue;
      const a = amount[i]!;
      if (a >= 0) {
        orders[c]!--;
        orderSet.add(c, order, false);
      } else if (a < 0) {
        returns[c]!--;
        orderSet.add(c, order, true);
      }
    }
  }
}

/** Whether the first `n` values are within ±MAX_SAFE_INTEGER, read as arrow-numbers.ts reads them (two 32-bit halves). */
function safeIntegers(values: BigInt64Array, n: number): boolean {
  const halves = new Int32Array(values.buffer, values.byteOffset, n * 2);
  for (let i = 0; i < n; i++) {
    const v = halves[2 * i + 1]! * 4294967296 + (halves[2 * i]! >>> 0);
    if (v > Number.MAX_SAFE_INTEGER || v < -Number.MAX_SAFE_INTEGER) return false;
  }
  return true;
}

/** The vector's one chunk when it holds exactly `n` values and no null, else null. */
function cleanChunk(vector: Vector, n: number): Data | null {
  const only = vector.data.length === 1 ? vector.data[0]! : null;
  return only !== null && only.length === n && only.nullCount === 0 ? only : null;
}

/** A Float64 column of `n` values without nulls as a view of its buffer, else null. */
function float64Of(vector: Vector, n: number): Float64Array | null {
  const only = cleanChunk(vector, n);
  return only !== null && only.type.typeId === Type.Float && only.values instanceof Float64Array ? only.values.subarray(0, n) : null;
}
