/**
 * The native kernels' partial aggregate state (native/src/partial): an Aggregator on the native
 * kernel set interns into a sink and appends its rows there, instead of scattering them into an
 * AggregateState; finalize (one sink) and combine (one output partition of many, by id from any
 * thread of the process) derive DESIGN's per-customer fields in the addon (derive.rs, the twin of
 * derive-fields.ts), and gather hands back the finalized base with its ids as UTF-8.
 *
 * A sink numbers customers with handles (`local << 7 | radix partition`), not 0..size-1: they
 * are stable, so a dictionary's mapping keeps them, but `keys()` is the way to the customers in
 * order of first appearance. The sinks of one pool stage share one customer table (`join`): a
 * customer is interned once per aggregation, not once per share, and the handles are the table's.
 */
import { type AggregateField, type CustomerTable, tableWithIdText } from '../aggregate/customer-table.js';
import { dayOf } from '../parse/parse-timestamp.js';
import type { CustomerKey } from '../parse/parse-values.js';
import type { IdColumn, IdInterner } from './id-interner.js';
import type { NativeBinding, SinkHandle } from './native-binding.js';
import { guardNative } from './native-errors.js';
import { utf8OfKeys } from './utf8-keys.js';

/** The sink behind one Aggregator; see the file comment. */
export class NativeSink implements IdInterner {
  private readonly handle: SinkHandle;
  private readonly io = new Float64Array(3);
  /** Latest `ts` appended (-Infinity while none), rows appended. */
  maxTs = Number.NEGATIVE_INFINITY;
  rows = 0;

  constructor(private readonly b: NativeBinding) {
    this.handle = guardNative('sinkCreate', () => b.sinkCreate());
  }

  get size(): number {
    return guardNative('sinkSize', () => this.b.sinkSize(this.handle));
  }

  internIds(ids: IdColumn, out: Int32Array): void {
    guardNative('sinkInternIds', () => this.b.sinkInternIds(this.handle, ids, out));
  }

  internUtf8(bytes: Uint8Array, offsets: Int32Array, out: Int32Array): void {
    guardNative('sinkInternUtf8', () => this.b.sinkInternUtf8(this.handle, bytes, offsets, out));
  }

  internDict(bytes: Uint8Array, offsets: Int32Array, indices: Int32Array, mapping: Int32Array, out: Int32Array): void {
    guardNative('sinkInternDict', () => this.b.sinkInternDict(this.handle, bytes, offsets, indices, mapping, out));
  }

  /** Parsed keys go over as one Utf8 column (utf8-keys.ts). */
  internKeys(keys: readonly CustomerKey[], out: Int32Array): void {
    const { bytes, offsets } = utf8OfKeys(keys);
    this.internUtf8(bytes, offsets, out);
  }

  keys(from = 0, to = this.size): CustomerKey[] {
    const size = this.size;
    const lo = Math.min(Math.max(0, from), size);
    return guardNative('sinkKeys', () => this.b.sinkKeys(this.handle, lo, Math.min(Math.max(lo, to), size)));
  }

  /**
   * Logs rows `0..n` whose `cust[i]` is a handle. `orderIds` (parse-batch.ts): a key per row,
   * `\u0000…` for a line without an order id (an order of its own).
   */
  append(cust: Int32Array, ts: Float64Array, amount: Float64Array, margin: Float64Array | null, n: number, orderIds: readonly CustomerKey[] | null): void {
    const io = this.io;
    if (orderIds === null) {
      guardNative('sinkAppend', () => this.b.sinkAppend(this.handle, cust, ts, amount, margin, n, null, null, null, null, io));
    } else {
      const kind = new Uint8Array(n);
      const num = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const o = orderIds[i]!;
        if (typeof o === 'number') {
          kind[i] = 1;
          num[i] = o;
        } else if (o.charCodeAt(0) !== 0) kind[i] = 2;
      }
      const { bytes, offsets } = utf8OfKeys(orderIds, n, (i) => kind[i] === 2);
      guardNative('sinkAppend', () => this.b.sinkAppend(this.handle, cust, ts, amount, margin, n, kind, num, bytes, offsets, io));
    }
    this.maxTs = io[0]!;
    this.rows = io[1]!;
  }

  /** Whether `judge` runs natively (a build before native/src/partial/judge.rs has no judgeRows). */
  get judges(): boolean {
    return this.b.judgeRows !== undefined;
  }

  /**
   * The Aggregator's row judgment (aggregator.ts `judge`) on a batch's raw time values `ts` (at
   * `scale` to ms, as arrow-numbers.ts converts them): the ms go to `tsOut`, the interning mask to
   * `out`, 1 to `invalid` for a row the parser would reject. Call only when `judges`.
   */
  judge(ts: BigInt64Array | Int32Array, scale: number, amount: Float64Array, margin: Float64Array | null, asOfMs: number, tsOut: Float64Array, out: Int32Array, invalid: Uint8Array): void {
    const judgeRows = this.b.judgeRows!;
    guardNative('judgeRows', () => judgeRows.call(this.b, ts, scale, amount, margin, asOfMs, tsOut, out, invalid));
  }

  /**
   * Makes room for about `rows` more rows at once, so the record logs do not grow by copying
   * themselves (native/src/partial/sink.rs `reserve`); a hint: more rows still fit, fewer waste
   * only untouched address space.
   */
  reserve(rows: number): void {
    const reserve = this.b.sinkReserve;
    if (reserve !== undefined && rows > 0) guardNative('sinkReserve', () => reserve.call(this.b, this.handle, rows));
  }

  /** Every customer finalized at `asOfMs` with the revenue windows `windows` (days); the sink is empty afterwards. */
  finalize(asOfMs: number, windows: readonly number[], hasMargin: boolean): CustomerTable {
    const out = guardNative('sinkFinalize', () => this.b.sinkFinalize(this.handle, dayOf(asOfMs), Float64Array.from(windows)));
    return tableOf(out, windows, asOfMs, hasMargin);
  }

  /** The whole state as a SinkPack, for the TypeScript merge (partial-pack.ts); the sink is spent. */
  pack(): SinkPack {
    const out = guardNative('sinkPack', () => this.b.sinkPack(this.handle));
    const f64 = (i: number) => new Float64Array(out[i] as ArrayBuffer);
    const i32 = (i: number) => new Int32Array(out[i] as ArrayBuffer);
    return {
      keys: out[0] as CustomerKey[],
      orders: f64(1),
      returns: f64(2),
      revenue: f64(3),
      returnedAmount: f64(4),
      margin: f64(5),
      firstTs: f64(6),
      lastTs: f64(7),
      dayCust: i32(8),
      day: i32(9),
      dayNet: f64(10),
      dayPos: f64(11),
      orderCust: i32(12),
      orderNum: f64(13),
      orderSide: new Uint8Array(out[14] as ArrayBuffer),
      orderText: new Uint8Array(out[15] as ArrayBuffer),
      orderTextEnd: new Uint32Array(out[16] as ArrayBuffer),
    };
  }

  /**
   * Interns into the pool stage's customer table `table` (`SinkKernels.customers`) instead of the
   * sink's own, before the first customer; the stage's sinks are then combined together, never
   * finalized or packed alone. Without the addon's tables (an older build) the sink keeps its own.
   */
  join(table: number): void {
    const join = this.b.sinkJoin;
    if (join !== undefined) guardNative('sinkJoin', () => join.call(this.b, this.handle, table));
  }

  /**
   * Makes the sink reachable by id from the process's other threads (for `combineSinks`). The
   * registry then owns it, whatever becomes of this object: whoever asked for the id frees it
   * (`freeSinks`), also when the stage fails.
   */
  publish(): number {
    return guardNative('sinkPublish', () => this.b.sinkPublish(this.handle));
  }
}

/**
 * A sink's partial state per customer (by rank of first appearance), in the terms of
 * partial-pack.ts: counts of rows without an order id, sums in units, each (customer, day) with
 * its net and purchase units (-0: no purchase that day), each distinct (customer, order, side).
 */
export interface SinkPack {
  readonly keys: CustomerKey[];
  readonly orders: Float64Array;
  readonly returns: Float64Array;
  readonly revenue: Float64Array;
  readonly returnedAmount: Float64Array;
  readonly margin: Float64Array;
  readonly firstTs: Float64Array;
  readonly lastTs: Float64Array;
  readonly dayCust: Int32Array;
  readonly day: Int32Array;
  readonly dayNet: Float64Array;
  readonly dayPos: Float64Array;
  readonly orderCust: Int32Array;
  /** NaN where the order id is text: its UTF-8 bytes end at `orderTextEnd`. */
  readonly orderNum: Float64Array;
  readonly orderSide: Uint8Array;
  readonly orderText: Uint8Array;
  readonly orderTextEnd: Uint32Array;
}

/** What the native kernel set offers for sinks (kernels.ts `Kernels.sinks`). */
export interface SinkKernels {
  create(): NativeSink;
  /** A customer table for the sinks of one pool stage (`NativeSink.join`), or null where the addon has none; freed by `free`. */
  customers(): number | null;
  /**
   * Output partition `p` of `partitions` of the published sinks `ids` (in share order; `shares`
   * their share indexes), combined and finalized; the result stays in the addon (any thread of the
   * process may `gather` it): returns its id.
   */
  combine(ids: readonly number[], shares: readonly number[], p: number, partitions: number, asOfDay: number, windows: readonly number[], base?: number): number;
  /**
   * An empty base for the `partitions` merge tasks of one stage: `combine` with it joins its output
   * to the base and copies rows of the whole base once every task's output is in, so that
   * `gather([base])` takes the base as it is (native/src/partial/shared_base.rs); null where the
   * addon has none. Freed by `gather` or `free`, as a kept partition.
   */
  base(partitions: number): number | null;
  /**
   * The base in `parts` (and freed): one id, a `base` its merge tasks put together or the one kept
   * partition of a `combine` of one output partition (an addon without `base` also takes several
   * kept partitions and puts them in order), finalized at `asOfMs` (the day given to `combine`);
   * `windows` as given to `combine`; without `hasMargin` the margins are null.
   */
  gather(parts: readonly number[], windows: readonly number[], asOfMs: number, hasMargin: boolean): CustomerTable;
  /** Forgets published sinks (what is left of them: combined partitions are freed already), kept partitions and customer tables. */
  free(sinks: readonly number[], parts?: readonly number[], tables?: readonly number[]): void;
}

/** The sink kernels of a loaded addon. */
export function sinkKernels(b: NativeBinding): SinkKernels {
  return Object.freeze({
    create: () => new NativeSink(b),
    customers: () => {
      const create = b.customersCreate;
      return create === undefined ? null : guardNative('customersCreate', () => create.call(b));
    },
    combine: (ids: readonly number[], shares: readonly number[], p: number, partitions: number, asOfDay: number, windows: readonly number[], base?: number) =>
      guardNative('sinkCombine', () => b.sinkCombine(Float64Array.from(ids), Float64Array.from(shares), p, partitions, asOfDay, Float64Array.from(windows), base)),
    base: (partitions: number) => {
      const create = b.baseCreate;
      return create === undefined ? null : guardNative('baseCreate', () => create.call(b, partitions));
    },
    gather: (parts: readonly number[], windows: readonly number[], asOfMs: number, hasMargin: boolean) =>
      tableOf(guardNative('partsGather', () => b.partsGather(Float64Array.from(parts))), windows, asOfMs, hasMargin),
    free: (sinks: readonly number[], parts: readonly number[] = [], tables: readonly number[] = []) => {
      for (const id of sinks) guardNative('sinkFree', () => b.sinkFree(id));
      for (const id of parts) guardNative('partsFree', () => b.partsFree(id));
      for (const id of tables) guardNative('customersFree', () => b.customersFree?.(id));
    },
  });
}

/** The fields of the addon's base in the order they come (native/src/partial/derive.rs), after the ids; then the windows. */
const BASE_FIELDS = ['orders', 'purchase_days', 'first_purchase_at', 'last_purchase_at', 'revenue', 'returns', 'returned_amount', 'margin', 'recency_days', 'tenure_days', 'aov', 'weekly_spend'] as const;
const MEAN_REPEAT_VALUE = 2 + BASE_FIELDS.length;
const LAST_YEAR_REVENUE = MEAN_REPEAT_VALUE + 1;
const WINDOWS = LAST_YEAR_REVENUE + 1;

/** The addon's base (binding.rs `base`: `[idBytes, idOffsets, ...fields, ...windows]`) as a table. */
function tableOf(out: unknown[], windows: readonly number[], asOfMs: number, hasMargin: boolean): CustomerTable {
  const offsets = new Int32Array(out[1] as ArrayBuffer);
  const size = offsets.length - 1;
  const col = (i: number): Float64Array => (out[i] === undefined ? new Float64Array(size) : new Float64Array(out[i] as ArrayBuffer));
  const fields = {} as Record<AggregateField, Float64Array>;
  BASE_FIELDS.forEach((name, k) => {
    fields[name] = col(2 + k);
  });
  if (!hasMargin) fields.margin.fill(Number.NaN);
  const byDays = new Map(windows.map((w, k) => [w, col(WINDOWS + k)]));
  fields.revenue_90d = byDays.get(90)!;
  fields.revenue_365d = byDays.get(365)!;
  const table = { size, asOfMs, asOfDay: dayOf(asOfMs), fields, windows: byDays, meanRepeatValue: col(MEAN_REPEAT_VALUE), lastYearRevenue: col(LAST_YEAR_REVENUE) };
  return tableWithIdText(table, { offsets, data: new Uint8Array(out[0] as ArrayBuffer) });
}
