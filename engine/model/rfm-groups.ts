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
 * per distinct x and looked up by `xIndex`.
 */

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

/** Open-addressing hash of integer triples to group indices (−1 = empty slot). */
class TripleTable {
  private slots: Int32Array;
  private mask: number;
  constructor(expected: number) {
    let cap = 16;
    while (cap < expected * 2) cap *= 2;
    this.slots = new Int32Array(cap).fill(-1);
    this.mask = cap - 1;
  }
  private static hash(x: number, tx: number, T: number): number {
    const h = Math.imul(x | 0, 0x9e3779b1) ^ Math.imul(tx | 0, 0x85ebca77) ^ Math.imul(T | 0, 0xc2b2ae3d);
    return h ^ (h >>> 15);
  }
  /** The slot holding (x, tx, T) among groups `gx/gtx/gT`, or the empty slot where it goes. */
  find(x: number, tx: number, T: number, gx: number[], gtx: number[], gT: number[]): number {
    let slot = TripleTable.hash(x, tx, T) & this.mask;
    for (;;) {
      const g = this.slots[slot] as number;
      if (g < 0 || (gx[g] === x && gtx[g] === tx && gT[g] === T)) return slot;
      slot = (slot + 1) & this.mask;
    }
  }
  get(slot: number): number {
    return this.slots[slot] as number;
  }
  /** Stores group `g` (the `g + 1`-th group) in `slot`; doubles the table past half full. */
  set(slot: number, g: number, gx: number[], gtx: number[], gT: number[]): void {
    this.slots[slot] = g;
    if ((g + 1) * 2 <= this.slots.length) return;
    this.slots = new Int32Array(this.slots.length * 2).fill(-1);
    this.mask = this.slots.length - 1;
    for (let k = 0; k <= g; k++) {
      let s = TripleTable.hash(gx[k] as number, gtx[k] as number, gT[k] as number) & this.mask;
      while ((this.slots[s] as number) >= 0) s = (s + 1) & this.mask;
      this.slots[s] = k;
    }
  }
}

/**
 * Groups rows by (x, t_x, T). Rows where `include[i] === 0` or any value is not finite are left
 * out (`groupOf[i] = -1`). The table compares exact values, so non-integer data (weeks) group
 * correctly too; the hash only truncates them.
 */
export function groupRfm(x: Float64Array, tx: Float64Array, T: Float64Array, include?: Uint8Array): RfmGroups {
  const n = x.length;
  const groupOf = new Int32Array(n).fill(-1);
  const table = new TripleTable(Math.min(n, 1 << 18));
  const gx: number[] = [];
  const gtx: number[] = [];
  const gT: number[] = [];
  const gw: number[] = [];
  for (let i = 0; i < n; i++) {
    if (include !== undefined && include[i] === 0) continue;
    const xi = x[i] as number;
    const ti = tx[i] as number;
    const Ti = T[i] as number;
    if (!Number.isFinite(xi) || !Number.isFinite(ti) || !Number.isFinite(Ti)) continue;
    const slot = table.find(xi, ti, Ti, gx, gtx, gT);
    let g = table.get(slot);
    if (g < 0) {
      g = gx.length;
      gx.push(xi);
      gtx.push(ti);
      gT.push(Ti);
      gw.push(0);
      table.set(slot, g, gx, gtx, gT);
    }
    gw[g] = (gw[g] as number) + 1;
    groupOf[i] = g;
  }
  const xs = Float64Array.from(gx);
  const { xIndex, xValues } = indexValues(xs);
  const txs = Float64Array.from(gtx);
  const Ts = Float64Array.from(gT);
  return {
    count: gx.length, x: xs, tx: txs, T: Ts, weight: Float64Array.from(gw), xIndex, xValues,
    maxDay: integerDayBound(txs, Ts), groupOf,
  };
}

/** Distinct (x, T) pairs of the groups and each group's pair. */
export function indexPairs(
  x: Float64Array,
  T: Float64Array,
): { count: number; x: Float64Array; T: Float64Array; index: Int32Array } {
  const seen = new Map<number | string, number>();
  const px: number[] = [];
  const pT: number[] = [];
  const index = new Int32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const xi = x[i] as number;
    const Ti = T[i] as number;
    // Integer days pack exactly into one number; anything else uses a text key.
    const key = Number.isInteger(xi) && Number.isInteger(Ti) && Ti >= 0 && Ti < 65536 && xi >= 0 && xi < 2 ** 36
      ? xi * 65536 + Ti
      : `${xi},${Ti}`;
    let k = seen.get(key);
    if (k === undefined) {
      k = px.length;
      seen.set(key, k);
      px.push(xi);
      pT.push(Ti);
    }
    index[i] = k;
  }
  return { count: px.length, x: Float64Array.from(px), T: Float64Array.from(pT), index };
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
  const seen = new Map<number, number>();
  const distinct: number[] = [];
  const xIndex = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    let k = seen.get(v);
    if (k === undefined) {
      k = distinct.length;
      seen.set(v, k);
      distinct.push(v);
    }
    xIndex[i] = k;
  }
  return { xIndex, xValues: Float64Array.from(distinct) };
}
