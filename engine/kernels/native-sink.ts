/**
 * The native kernels' partial aggregate state (native/src/partial): an Aggregator on the native
 * kernel set interns into a sink and appends its rows there, instead of scattering them into an
 * AggregateState; finalize (one sink) and combine (one output partition of many, by id from any
 * thread of the process) hand back the per-customer sums deriveFields takes.
 *
 * A sink numbers customers with handles (`local << 7 | radix partition`), not 0..size-1: they
 * are stable, so a dictionary's mapping keeps them, but `keys()` is the way to the customers in
 * order of first appearance.
 */
import type { CustomerSums } from '../aggregate/derive-fields.js';
import type { CustomerKey } from '../parse/parse-values.js';
import type { IdColumn, IdInterner } from './id-interner.js';
import type { NativeBinding, SinkHandle } from './native-binding.js';
import { mapNativeError } from './native-errors.js';

function guard<R>(kernel: string, run: () => R): R {
  try {
    return run();
  } catch (err) {
    throw mapNativeError(err, kernel);
  }
}

/** Finalized sums of some customers, in order of first appearance, with their `order` keys (partial-pack.ts `orderKey`). */
export interface SinkSums {
  readonly sums: CustomerSums;
  readonly order: Float64Array;
}

const encoder = new TextEncoder();

/** The sink behind one Aggregator; see the file comment. */
export class NativeSink implements IdInterner {
  private readonly handle: SinkHandle;
  private readonly io = new Float64Array(3);
  /** Latest `ts` appended (-Infinity while none), rows appended. */
  maxTs = Number.NEGATIVE_INFINITY;
  rows = 0;

  constructor(private readonly b: NativeBinding) {
    this.handle = guard('sinkCreate', () => b.sinkCreate());
  }

  get size(): number {
    return guard('sinkSize', () => this.b.sinkSize(this.handle));
  }

  internIds(ids: IdColumn, out: Int32Array): void {
    guard('sinkInternIds', () => this.b.sinkInternIds(this.handle, ids, out));
  }

  internUtf8(bytes: Uint8Array, offsets: Int32Array, out: Int32Array): void {
    guard('sinkInternUtf8', () => this.b.sinkInternUtf8(this.handle, bytes, offsets, out));
  }

  internDict(bytes: Uint8Array, offsets: Int32Array, indices: Int32Array, mapping: Int32Array, out: Int32Array): void {
    guard('sinkInternDict', () => this.b.sinkInternDict(this.handle, bytes, offsets, indices, mapping, out));
  }

  /** Parsed keys go over as one Utf8 column (a number as its decimal text, which the addon reads back as that integer). */
  internKeys(keys: readonly CustomerKey[], out: Int32Array): void {
    const { bytes, offsets } = utf8Of(keys, keys.length, () => true);
    this.internUtf8(bytes, offsets, out);
  }

  keys(from = 0, to = this.size): CustomerKey[] {
    const size = this.size;
    const lo = Math.min(Math.max(0, from), size);
    return guard('sinkKeys', () => this.b.sinkKeys(this.handle, lo, Math.min(Math.max(lo, to), size)));
  }

  /**
   * Logs rows `0..n` whose `cust[i]` is a handle. `orderIds` (parse-batch.ts): a key per row,
   * `\u0000…` for a line without an order id (an order of its own).
   */
  append(cust: Int32Array, ts: Float64Array, amount: Float64Array, margin: Float64Array | null, n: number, orderIds: readonly CustomerKey[] | null): void {
    const io = this.io;
    if (orderIds === null) {
      guard('sinkAppend', () => this.b.sinkAppend(this.handle, cust, ts, amount, margin, n, null, null, null, null, io));
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
      const { bytes, offsets } = utf8Of(orderIds, n, (i) => kind[i] === 2);
      guard('sinkAppend', () => this.b.sinkAppend(this.handle, cust, ts, amount, margin, n, kind, num, bytes, offsets, io));
    }
    this.maxTs = io[0]!;
    this.rows = io[1]!;
  }

  /** Every customer finalized at day `asOfDay` with the revenue windows `windows` (days); the sink is empty afterwards. */
  finalize(asOfDay: number, windows: readonly number[]): SinkSums {
    const out = guard('sinkFinalize', () => this.b.sinkFinalize(this.handle, asOfDay, Float64Array.from(windows)));
    return sumsOf(out, windows);
  }

  /** The whole state as a SinkPack, for the TypeScript merge (partial-pack.ts); the sink is spent. */
  pack(): SinkPack {
    const out = guard('sinkPack', () => this.b.sinkPack(this.handle));
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
   * Makes the sink reachable by id from the process's other threads (for `combineSinks`). The
   * registry then owns it, whatever becomes of this object: whoever asked for the id frees it
   * (`freeSinks`), also when the stage fails.
   */
  publish(): number {
    return guard('sinkPublish', () => this.b.sinkPublish(this.handle));
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
  /**
   * Output partition `p` of `partitions` of the published sinks `ids` (in share order; `shares`
   * their share indexes), combined and finalized; the result stays in the addon (any thread of the
   * process may `gather` it): returns its id.
   */
  combine(ids: readonly number[], shares: readonly number[], p: number, partitions: number, asOfDay: number, windows: readonly number[]): number;
  /** The combined partitions `parts` as one base in order of first appearance (and freed); `windows` as given to `combine`. */
  gather(parts: readonly number[], windows: readonly number[]): SinkSums;
  /** Forgets published sinks (what is left of them: combined partitions are freed already) and kept partitions. */
  free(sinks: readonly number[], parts?: readonly number[]): void;
}

/** The sink kernels of a loaded addon. */
export function sinkKernels(b: NativeBinding): SinkKernels {
  return Object.freeze({
    create: () => new NativeSink(b),
    combine: (ids: readonly number[], shares: readonly number[], p: number, partitions: number, asOfDay: number, windows: readonly number[]) =>
      guard('sinkCombine', () => b.sinkCombine(Float64Array.from(ids), Float64Array.from(shares), p, partitions, asOfDay, Float64Array.from(windows))),
    gather: (parts: readonly number[], windows: readonly number[]) => sumsOf(guard('partsGather', () => b.partsGather(Float64Array.from(parts))), windows),
    free: (sinks: readonly number[], parts: readonly number[] = []) => {
      for (const id of sinks) guard('sinkFree', () => b.sinkFree(id));
      for (const id of parts) guard('partsFree', () => b.partsFree(id));
    },
  });
}

function sumsOf(out: unknown[], windows: readonly number[]): SinkSums {
  const col = (i: number): Float64Array => new Float64Array(out[i] as ArrayBuffer);
  const sums: CustomerSums = {
    customerId: idsOf(out[0] as string | string[], new Uint32Array(out[1] as ArrayBuffer)),
    orders: col(3),
    returns: col(4),
    revenue: col(5),
    returnedAmount: col(6),
    margin: col(7),
    firstTs: col(8),
    lastTs: col(9),
    purchaseDays: col(10),
    repeatSum: col(11),
    lastYear: col(12),
    windows: new Map(windows.map((w, k) => [w, col(13 + k)])),
  };
  return { sums, order: col(2) };
}

/** The ids as the addon sends them: one string cut at `lengths` (UTF-16 units), or already an array. */
function idsOf(ids: string | string[], lengths: Uint32Array): string[] {
  if (typeof ids !== 'string') return ids;
  const out = new Array<string>(lengths.length);
  let at = 0;
  for (let c = 0; c < lengths.length; c++) {
    const end = at + lengths[c]!;
    out[c] = ids.substring(at, end);
    at = end;
  }
  return out;
}

/** Rows `0..n` of `keys` for which `take(i)` holds as an Arrow-style Utf8 column (other rows empty). */
function utf8Of(keys: readonly CustomerKey[], n: number, take: (i: number) => boolean): { bytes: Uint8Array; offsets: Int32Array } {
  const offsets = new Int32Array(n + 1);
  let bytes = new Uint8Array(Math.max(64, n * 12));
  let at = 0;
  for (let i = 0; i < n; i++) {
    if (take(i)) {
      const text = String(keys[i]!);
      // A UTF-16 unit takes at most 3 UTF-8 bytes.
      if (at + text.length * 3 > bytes.length) {
        const next = new Uint8Array(Math.max(bytes.length * 2, at + text.length * 3));
        next.set(bytes.subarray(0, at));
        bytes = next;
      }
      at += encoder.encodeInto(text, bytes.subarray(at)).written;
    }
    offsets[i + 1] = at;
  }
  return { bytes: bytes.subarray(0, at), offsets };
}
