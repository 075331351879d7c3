/**
 * DESIGN's score rule: sort the values ascending as v[0..n-1]; thresholds t_i = v[floor(i*n/k)]
 * for i = 1..k-1; score(x) = 1 + #{i : x > t_i}. Ties always share a score because the rule
 * only compares x with thresholds that are themselves values.
 */

/** The k-1 thresholds of `values` (any order; not modified). Empty input gives no thresholds. */
export function quantileThresholds(values: Float64Array, k: number): Float64Array {
  const n = values.length;
  if (n === 0) return new Float64Array(0);
  const v = Float64Array.from(values).sort();
  const t = new Float64Array(k - 1);
  for (let i = 1; i < k; i++) t[i - 1] = v[Math.floor((i * n) / k)]!;
  return t;
}

/** `1 + #{i : x > t_i}` for ascending thresholds, by binary search. */
export function scoreOf(x: number, thresholds: Float64Array): number {
  let lo = 0;
  let hi = thresholds.length;
  // First index whose threshold is >= x: every threshold before it is < x.
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (thresholds[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return 1 + lo;
}

/** `1 + #{j : x >= e_j}` for ascending explicit edges (spend bands with money edges). */
export function bandOfEdges(x: number, edges: readonly number[]): number {
  let band = 1;
  for (const e of edges) if (x >= e) band++;
  return band;
}
