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
  /** For every input row, its group, or -1 when the row was excluded. */
  readonly groupOf: Int32Array;
}

// Integer triples pack into one exact double key: x < 2^21, t_x and T < 2^16 (179 years of days).
const X_LIMIT = 2 ** 21;
const DAY_LIMIT = 2 ** 16;

function packable(x: number, tx: number, T: number): boolean {
  return (
    Number.isInteger(x) && Number.isInteger(tx) && Number.isInteger(T) &&
    x >= 0 && x < X_LIMIT && tx >= 0 && tx < DAY_LIMIT && T >= 0 && T < DAY_LIMIT
  );
}

/**
 * Groups rows by (x, t_x, T). Rows where `include[i] === 0` or any value is not finite are left
 * out (`groupOf[i] = -1`). Integer data (days) use a numeric key; other data a string key.
 */
export function groupRfm(x: Float64Array, tx: Float64Array, T: Float64Array, include?: Uint8Array): RfmGroups {
  const n = x.length;
  const groupOf = new Int32Array(n).fill(-1);
  const numericKeys = new Map<number, number>();
  const textKeys = new Map<string, number>();
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
    let g: number | undefined;
    let key: number | string;
    if (packable(xi, ti, Ti)) {
      key = (xi * DAY_LIMIT + ti) * DAY_LIMIT + Ti;
      g = numericKeys.get(key);
    } else {
      key = `${xi},${ti},${Ti}`;
      g = textKeys.get(key);
    }
    if (g === undefined) {
      g = gx.length;
      if (typeof key === 'number') numericKeys.set(key, g);
      else textKeys.set(key, g);
      gx.push(xi);
      gtx.push(ti);
      gT.push(Ti);
      gw.push(0);
    }
    gw[g] = (gw[g] as number) + 1;
    groupOf[i] = g;
  }
  const xs = Float64Array.from(gx);
  const { xIndex, xValues } = indexValues(xs);
  return {
    count: gx.length, x: xs, tx: Float64Array.from(gtx), T: Float64Array.from(gT),
    weight: Float64Array.from(gw), xIndex, xValues, groupOf,
  };
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
