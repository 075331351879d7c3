/**
 * Customers with the same (x, t_x, T) contribute identical likelihood terms, so the fits run on a
 * weighted list of distinct triples instead of the whole base. With daily periods a base of
 * millions collapses to a few hundred thousand groups at most (T and t_x are bounded by the
 * history's length in days), which is what makes a full BG/NBD fit take well under a second.
 *
 *   rows:    x  t_x  T            groups (weight)          groupOf
 *   0        0   0   300    ──►   0: (0, 0, 300) × 2        [0, 1, 0, -1]
 *   1        2  40   310          1: (2, 40, 310) × 1
 *   2        0   0   300
 *   3     excluded
 *
 * Invariant: `xValues[xIndex[g]] === x[g]`; the per-x gamma-function terms are computed once
 * per distinct x and looked up by `xIndex`. Grouping (`radix-group.ts`, or `tuple-table.ts` for
 * non-integer data) allocates nothing per row: ~20 ms for a million customers.
 */
import { bitsFor, groupByKey } from './radix-group.js';
import { TupleTable } from './tuple-table.js';

/** Distinct (x, t_x, T) triples with their customer counts. */
export interface RfmGroups {
  /** Number of groups. */
  readonly count: number;
  /** Repeat purchases of each group. */
  readonly x: Float64Array;
  /** Recency (time from first to last purchase) of each group. */
  readonly tx: Float64Array;
  /** Age (time from first purchase to the end of observation) of each group. */
  readonly T: Float64Array;
  /** Customers in each group. */
  readonly weight: Float64Array;
  /** Index of each group's x in `xValues`. */
  readonly xIndex: Int32Array;
  /** The distinct x values. */
  readonly xValues: Float64Array;
  /**
   * Largest t_x or T when all are integers below 2^16 (days), else −1. Lets the likelihood
   * take ln(α + d) from a per-call table instead of two logarithms per group.
   */
  readonly maxDay: number;
  /** For every input row, its group, or -1 when the row was excluded. */
  readonly groupOf: Int32Array;
}

/**
 * Groups rows by (x, t_x, T). Rows where `include[i] === 0` or any value is not finite are left
 * out (`groupOf[i] = -1`). Keys compare exactly, so non-integer data (weeks) group correctly too.
 * Integer data (days: t_x and T below 2^16) is grouped by a radix sort and its groups come out
 * ordered by (x, t_x, T); anything else by a hash, in first-seen order.
 */
/**
 * The radix grouping of {@link groupRfm} done elsewhere (the Rust addon: model-kernels.ts): rows
 * with `groupOf[i] >= 0` get their group written there, the distinct (x, t_x, T) ordered and
 * their counts go to the first entries of `out`; returns the number of groups.
 */
export type PackedGrouper = (
  x: Float64Array, tx: Float64Array, T: Float64Array, groupOf: Int32Array, dayBits: number,
  out: { x: Float64Array; tx: Float64Array; T: Float64Array; weight: Float64Array },
) => number;

export function groupRfm(x: Float64Array, tx: Float64Array, T: Float64Array, include?: Uint8Array, grouper?: PackedGrouper): RfmGroups {
  const n = x.length;
  const groupOf = new Int32Array(n).fill(-1);
  // One scan decides the path: every kept value a non-negative integer, and how many bits each needs.
  let maxX = 0;
  let maxDay = 0;
  let integers = true;
  let m = 0;
  for (let i = 0; i < n; i++) {
    const xi = x[i] as number;
    const ti = tx[i] as number;
    const Ti = T[i] as number;
    // x − x is 0 for finite x and NaN otherwise: one test for all three values.
    if ((include !== undefined && include[i] === 0) || xi - xi + (ti - ti) + (Ti - Ti) !== 0) continue;
    groupOf[i] = 0;
    m++;
    if (integers && !(xi >>> 0 === xi && ti >>> 0 === ti && Ti >>> 0 === Ti)) integers = false;
    if (xi > maxX) maxX = xi;
    if (ti > maxDay) maxDay = ti;
    if (Ti > maxDay) maxDay = Ti;
  }
  const dayBits = bitsFor(maxDay);
  const xBits = bitsFor(maxX);
  // (t_x, T) pack into one 32-bit word when days fit 16 bits; x goes on top of it, or into a high
  // word of its own when the three together need more than 32 bits (a history of 3 years of days).
  const fast = integers && 2 * dayBits <= 32 && xBits <= 32;
  if (fast && grouper !== undefined) return groupedElsewhere(x, tx, T, groupOf, m, dayBits, grouper);
  return fast ? groupPacked(x, tx, T, groupOf, m, xBits, dayBits) : groupHashed(x, tx, T, groupOf);
}

/** The radix path run by `grouper`: the same groups, in the same order, as {@link groupPacked}. */
function groupedElsewhere(
  x: Float64Array, tx: Float64Array, T: Float64Array, groupOf: Int32Array, m: number, dayBits: number, grouper: PackedGrouper,
): RfmGroups {
  const out = { x: new Float64Array(m), tx: new Float64Array(m), T: new Float64Array(m), weight: new Float64Array(m) };
  const count = grouper(x, tx, T, groupOf, dayBits, out);
  const xs = out.x.subarray(0, count);
  const txs = out.tx.subarray(0, count);
  const Ts = out.T.subarray(0, count);
  const { xIndex, xValues } = indexValues(xs);
  return { count, x: xs, tx: txs, T: Ts, weight: out.weight.subarray(0, count), xIndex, xValues, maxDay: integerDayBound(txs, Ts), groupOf };
}

/**
 * Radix path: rows marked 0 in `groupOf` are kept; keys are x · 2^(2d) + t_x · 2^d + T, as one
 * word or as x above a word of t_x · 2^d + T. Either way the groups come out ordered by (x, t_x, T).
 */
function groupPacked(
  x: Float64Array, tx: Float64Array, T: Float64Array, groupOf: Int32Array, m: number, xBits: number, dayBits: number,
): RfmGroups {
  const oneWord = xBits + 2 * dayBits <= 32;
  const keys = new Uint32Array(m);
  const high = oneWord ? undefined : new Uint32Array(m);
  const rows = new Uint32Array(m);
  const d = 2 ** dayBits;
  let j = 0;
  for (let i = 0; i < groupOf.length; i++) {
    if ((groupOf[i] as number) < 0) continue;
    if (high === undefined) keys[j] = ((x[i] as number) * d + (tx[i] as number)) * d + (T[i] as number);
    else {
      keys[j] = (tx[i] as number) * d + (T[i] as number);
      high[j] = x[i] as number;
    }
    rows[j++] = i;
  }
  const groups = high === undefined ? groupByKey(keys, rows, m, xBits + 2 * dayBits, groupOf) : groupByKey(keys, rows, m, 2 * dayBits, groupOf, high, xBits);
  const count = groups.count;
  const xs = new Float64Array(count);
  const txs = new Float64Array(count);
  const Ts = new Float64Array(count);
  for (let g = 0; g < count; g++) {
    const k = groups.keys[g] as number;
    Ts[g] = k % d;
    txs[g] = Math.floor(k / d) % d;
    xs[g] = high === undefined ? Math.floor(k / (d * d)) : (groups.high[g] as number);
  }
  const { xIndex, xValues } = indexValues(xs);
  return {
    count, x: xs, tx: txs, T: Ts, weight: groups.counts, xIndex, xValues, maxDay: integerDayBound(txs, Ts), groupOf,
  };
}

/** Hash path for any finite values; rows with `groupOf[i] === -1` are left out. */
function groupHashed(x: Float64Array, tx: Float64Array, T: Float64Array, groupOf: Int32Array): RfmGroups {
  const n = x.length;
  const table = new TupleTable(Math.min(n, 1 << 16));
  for (let i = 0; i < n; i++) {
    if ((groupOf[i] as number) < 0) continue;
    groupOf[i] = table.id(x[i] as number, tx[i] as number, T[i] as number);
  }
  const count = table.count;
  const weight = new Float64Array(count);
  for (let i = 0; i < n; i++) {
    const g = groupOf[i] as number;
    if (g >= 0) weight[g] = (weight[g] as number) + 1;
  }
  const xs = table.column(0);
  const txs = table.column(1);
  const Ts = table.column(2);
  const { xIndex, xValues } = indexValues(xs);
  return { count, x: xs, tx: txs, T: Ts, weight, xIndex, xValues, maxDay: integerDayBound(txs, Ts), groupOf };
}

/**
 * A systematic sample of about `customers` of the groups' customers, as groups: the customers are
 * taken in group order and every k-th one kept (k = ⌊total / customers⌋), so each group keeps
 * ⌊c_g / k⌋ − ⌊c_{g−1} / k⌋ of them (c: the running count) and groups left with none drop out. The
 * sample is deterministic, spans every part of the base, and its mean log-likelihood is close to
 * the whole's (the coarse fit of bgnbd.ts). Null when the base is not at least 4× `customers`.
 * `groupOf` is empty: a sample has no input rows.
 */
export function sampleGroups(groups: RfmGroups, customers: number): RfmGroups | null {
  let total = 0;
  for (let g = 0; g < groups.count; g++) total += groups.weight[g] as number;
  if (!(customers > 0) || total < 4 * customers) return null;
  const k = Math.floor(total / customers);
  const keep = new Float64Array(groups.count);
  let before = 0;
  let running = 0;
  let count = 0;
  for (let g = 0; g < groups.count; g++) {
    running += groups.weight[g] as number;
    const upTo = Math.floor(running / k);
    keep[g] = upTo - before;
    before = upTo;
    if ((keep[g] as number) > 0) count++;
  }
  const x = new Float64Array(count);
  const tx = new Float64Array(count);
  const T = new Float64Array(count);
  const weight = new Float64Array(count);
  const xIndex = new Int32Array(count);
  for (let g = 0, j = 0; g < groups.count; g++) {
    if (!((keep[g] as number) > 0)) continue;
    x[j] = groups.x[g] as number;
    tx[j] = groups.tx[g] as number;
    T[j] = groups.T[g] as number;
    weight[j] = keep[g] as number;
    xIndex[j++] = groups.xIndex[g] as number;
  }
  return { count, x, tx, T, weight, xIndex, xValues: groups.xValues, maxDay: groups.maxDay, groupOf: new Int32Array(0) };
}

/** Distinct (x, T) pairs of the groups and each group's pair, numbered in first-seen order. */
export function indexPairs(
  x: Float64Array,
  T: Float64Array,
): { count: number; x: Float64Array; T: Float64Array; index: Int32Array } {
  const index = new Int32Array(x.length);
  const maxX = smallIntegerBound(x);
  const maxT = smallIntegerBound(T);
  if (maxX >= 0 && maxT >= 0 && (maxX + 1) * (maxT + 1) <= DENSE_IDS) {
    // Integer x and T (days): a pair's id from an array indexed by x · (max T + 1) + T, no hashing.
    const idOf = new Int32Array((maxX + 1) * (maxT + 1)).fill(-1);
    const px: number[] = [];
    const pT: number[] = [];
    for (let i = 0; i < x.length; i++) {
      const key = (x[i] as number) * (maxT + 1) + (T[i] as number);
      let id = idOf[key] as number;
      if (id < 0) {
        id = px.push(x[i] as number) - 1;
        pT.push(T[i] as number);
        idOf[key] = id;
      }
      index[i] = id;
    }
    return { count: px.length, x: Float64Array.from(px), T: Float64Array.from(pT), index };
  }
  const table = new TupleTable(Math.min(x.length, 1 << 16));
  for (let i = 0; i < x.length; i++) index[i] = table.id(x[i] as number, T[i] as number, 0);
  return { count: table.count, x: table.column(0), T: table.column(1), index };
}

/** Entries of the dense id arrays of {@link indexValues} and {@link indexPairs}: 16 MiB at most (three years of days by a thousand repeat days). */
const DENSE_IDS = 1 << 22;

/** The largest value when every value is an integer in [0, DENSE_IDS), else −1. */
function smallIntegerBound(values: Float64Array): number {
  let max = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (!(v >>> 0 === v && v < DENSE_IDS)) return -1;
    if (v > max) max = v;
  }
  return max;
}

/** Largest value when every t_x and T is an integer in [0, 2^16), else −1. */
export function integerDayBound(tx: Float64Array, T: Float64Array): number {
  let max = 0;
  for (let i = 0; i < T.length; i++) {
    const a = tx[i] as number;
    const b = T[i] as number;
    if (!(Number.isInteger(a) && Number.isInteger(b) && a >= 0 && b >= 0 && b < 65536 && a < 65536)) return -1;
    if (b > max) max = b;
    if (a > max) max = a;
  }
  return max;
}

/** Maps each value to its position among the distinct values (in first-seen order). */
export function indexValues(values: Float64Array): { xIndex: Int32Array; xValues: Float64Array } {
  const xIndex = new Int32Array(values.length);
  const max = smallIntegerBound(values);
  if (max >= 0) {
    // Integer counts (repeat purchases): ids from an array indexed by the value, no hashing.
    const idOf = new Int32Array(max + 1).fill(-1);
    const distinct: number[] = [];
    for (let i = 0; i < values.length; i++) {
      const v = values[i] as number;
      let id = idOf[v] as number;
      if (id < 0) {
        id = distinct.push(v) - 1;
        idOf[v] = id;
      }
      xIndex[i] = id;
    }
    return { xIndex, xValues: Float64Array.from(distinct) };
  }
  const table = new TupleTable(1024);
  for (let i = 0; i < values.length; i++) xIndex[i] = table.id(values[i] as number, 0, 0);
  return { xIndex, xValues: table.column(0) };
}
