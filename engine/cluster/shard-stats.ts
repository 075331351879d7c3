/**
 * What the coordinator of a cluster rescore needs of each shard to score the whole base without
 * gathering it (DESIGN "Beyond one machine"), and how it merges them exactly:
 *
 * - **Thresholds** by exact selection in two rounds. DESIGN's rule picks ranks of the sorted
 *   values (`t_i = v[floor(i*n/k)]`). Round 1: each shard sends a sketch — its sorted values at
 *   about {@link SKETCH_POINTS} evenly spaced ranks, its minimum and maximum included. From the
 *   sketches alone the coordinator brackets every wanted rank r by two values, lo <= v[r] <= hi.
 *   Round 2: each shard sends, per bracket, how many of its values lie below lo and its values in
 *   [lo, hi] as (value, count) runs; v[r] is then read off the merged runs. A value is a value of
 *   the base, never an interpolation, so the thresholds are the single machine's bit for bit.
 *
 *       shard sketch:  v[0] v[n/K] v[2n/K] … v[n-1]
 *       rank r:        largest y with  #{< y}  <= r  (an upper bound from the sketches) ─► lo
 *                      smallest y with #{<= y} >= r+1 (a lower bound from the sketches) ─► hi
 *
 * - **BG/NBD**: the likelihood is a sum over distinct (x, t_x, T) triples weighted by their
 *   customers (rfm-groups.ts). Every shard sends its triples and counts; merged and ordered by
 *   (x, t_x, T) they are the whole base's groups, in the order groupRfm gives integer days, so the
 *   fit is the single machine's. One round, kilobytes, instead of a round per BFGS iteration.
 * - **Gamma-Gamma** sums over repeat customers in base order (model-kernels.ts adds fixed row
 *   shards in order): each shard sends (order key, x, m_x) of its repeat customers, 24 bytes each,
 *   and the coordinator fits them in first-appearance order, as the single machine does.
 */
import type { CustomerTable } from '../aggregate/customer-table.js';
import { integerDayBound, indexValues, type RfmGroups, groupRfm } from '../model/rfm-groups.js';
import { dayOf } from '../parse/parse-timestamp.js';

/** Sketch points per shard and field: round 2 then moves about 2·n/K values per bracket. */
export const SKETCH_POINTS = 1024;

/** The value lists the threshold rule runs on: R on -recency_days, F on orders, M on revenue, the spend band's field. */
export const THRESHOLD_FIELDS = ['r', 'f', 'm', 'band'] as const;
export type ThresholdField = (typeof THRESHOLD_FIELDS)[number];

/** A shard's sorted values of one field at some ranks (ascending ranks, the last one n - 1). */
export interface Sketch {
  readonly n: number;
  readonly ranks: Float64Array;
  readonly values: Float64Array;
}

/** Values of one bracket in one shard: how many lie below it, and its values as ascending runs. */
export interface BracketRuns {
  readonly below: number;
  readonly values: Float64Array;
  readonly counts: Float64Array;
}

/** The sorted values of each threshold field over the customers with orders >= 1 (`bandBy` null: money edges, no band thresholds). */
export function thresholdValues(table: CustomerTable, bandBy: string | null): Record<ThresholdField, Float64Array> {
  const { orders, recency_days: recency, revenue } = table.fields;
  const band = bandBy === null ? null : table.fields[bandBy as keyof typeof table.fields];
  const out = { r: new Float64Array(table.size), f: new Float64Array(table.size), m: new Float64Array(table.size), band: new Float64Array(band ? table.size : 0) };
  let n = 0;
  for (let c = 0; c < table.size; c++) {
    if (!(orders[c]! >= 1)) continue;
    out.r[n] = -recency[c]!;
    out.f[n] = orders[c]!;
    out.m[n] = revenue[c]!;
    if (band) out.band[n] = band[c]!;
    n++;
  }
  return { r: out.r.subarray(0, n).sort(), f: out.f.subarray(0, n).sort(), m: out.m.subarray(0, n).sort(), band: out.band.subarray(0, band ? n : 0).sort() };
}

/** Round 1: the sorted values at about `points` evenly spaced ranks, the first and last included. */
export function sketchOf(sorted: Float64Array, points = SKETCH_POINTS): Sketch {
  const n = sorted.length;
  const ranks: number[] = [];
  for (let j = 0; j < points && n > 0; j++) {
    const q = Math.floor((j * n) / points);
    if (ranks.length === 0 || q > ranks[ranks.length - 1]!) ranks.push(q);
  }
  if (n > 0 && ranks[ranks.length - 1] !== n - 1) ranks.push(n - 1);
  return { n, ranks: Float64Array.from(ranks), values: Float64Array.from(ranks, (q) => sorted[q]!) };
}

/** The global ranks DESIGN's rule picks among `n` values for `k` bins. */
export function thresholdRanks(n: number, k: number): number[] {
  if (n === 0) return [];
  const ranks: number[] = [];
  for (let i = 1; i < k; i++) ranks.push(Math.floor((i * n) / k));
  return ranks;
}

/** First index of `a` (ascending) whose value is >= y (`strict`: > y). */
function firstAtLeast(a: Float64Array, y: number, strict: boolean): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (strict ? a[mid]! <= y : a[mid]! < y) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Upper bound of #{values < y} over every shard: a sketch point >= y at rank q leaves at most q values below y. */
function lessUpper(sketches: readonly Sketch[], y: number): number {
  let sum = 0;
  for (const s of sketches) {
    const j = firstAtLeast(s.values, y, false);
    sum += j < s.values.length ? s.ranks[j]! : s.n;
  }
  return sum;
}

/** Lower bound of #{values <= y} over every shard: a sketch point <= y at rank q puts at least q + 1 values at or below y. */
function atMostLower(sketches: readonly Sketch[], y: number): number {
  let sum = 0;
  for (const s of sketches) {
    const j = firstAtLeast(s.values, y, true) - 1;
    if (j >= 0) sum += s.ranks[j]! + 1;
  }
  return sum;
}

/** Brackets [lo, hi] around each wanted global rank, from the shards' sketches alone. */
export function bracketRanks(sketches: readonly Sketch[], ranks: readonly number[]): Array<[number, number]> {
  const all: number[] = [];
  for (const s of sketches) for (const v of s.values) all.push(v);
  const candidates = Float64Array.from(all).sort();
  return ranks.map((r) => {
    // lessUpper and atMostLower grow with y: binary searches over the candidates. The smallest
    // candidate (the global minimum) has nothing below it and the largest (the maximum) has every
    // value at or below it, so both searches always find one.
    let lo = 0;
    let hi = candidates.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (lessUpper(sketches, candidates[mid]!) <= r) lo = mid;
      else hi = mid - 1;
    }
    const low = candidates[lo]!;
    lo = 0;
    hi = candidates.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (atMostLower(sketches, candidates[mid]!) >= r + 1) hi = mid;
      else lo = mid + 1;
    }
    return [low, candidates[lo]!];
  });
}

/** Round 2 on a shard: its values below `lo`, and its values in [lo, hi] as runs. */
export function bracketRuns(sorted: Float64Array, lo: number, hi: number): BracketRuns {
  const from = firstAtLeast(sorted, lo, false);
  const to = firstAtLeast(sorted, hi, true);
  const values: number[] = [];
  const counts: number[] = [];
  for (let i = from; i < to; i++) {
    if (values.length > 0 && sorted[i] === values[values.length - 1]) counts[counts.length - 1]!++;
    else {
      values.push(sorted[i]!);
      counts.push(1);
    }
  }
  return { below: from, values: Float64Array.from(values), counts: Float64Array.from(counts) };
}

/** The value at global rank `r` from every shard's runs of the bracket around it. */
export function valueAtRank(r: number, replies: readonly BracketRuns[]): number {
  let below = 0;
  const runs = new Map<number, number>();
  for (const reply of replies) {
    below += reply.below;
    for (let i = 0; i < reply.values.length; i++) runs.set(reply.values[i]!, (runs.get(reply.values[i]!) ?? 0) + reply.counts[i]!);
  }
  let k = r - below;
  for (const v of [...runs.keys()].sort((a, b) => a - b)) {
    k -= runs.get(v)!;
    if (k < 0) return v;
  }
  throw new Error(`cluster thresholds: rank ${r} is outside its bracket (${below} values below it)`);
}

/** A shard's BG/NBD triples with their customers, and its Gamma-Gamma customers with their order keys. */
export interface ShardModelData {
  readonly repeatCustomers: number;
  readonly x: Float64Array;
  readonly tx: Float64Array;
  readonly T: Float64Array;
  readonly weight: Float64Array;
  readonly ggOrder: Float64Array;
  readonly ggX: Float64Array;
  readonly ggMx: Float64Array;
}

/**
 * The models' data of a shard, by fit-predictions.ts's reading of the base: customers with
 * orders >= 1, x = purchase_days - 1, t_x and T in days; Gamma-Gamma keeps x > 0 and a finite
 * m_x > 0 (gamma-gamma-likelihood.ts prepareGammaGamma).
 */
export function shardModelData(table: CustomerTable, order: Float64Array): ShardModelData {
  const n = table.size;
  const { orders, purchase_days: days, first_purchase_at: first, last_purchase_at: last } = table.fields;
  const x = new Float64Array(n);
  const tx = new Float64Array(n);
  const T = new Float64Array(n);
  const include = new Uint8Array(n);
  let repeatCustomers = 0;
  const gg: number[] = [];
  for (let c = 0; c < n; c++) {
    if (!(orders[c]! >= 1) || !(days[c]! >= 1)) continue;
    const firstDay = dayOf(first[c]!);
    include[c] = 1;
    x[c] = days[c]! - 1;
    tx[c] = dayOf(last[c]!) - firstDay;
    T[c] = table.asOfDay - firstDay;
    if (days[c]! > 1) repeatCustomers++;
    const mx = table.meanRepeatValue[c]!;
    if (x[c]! > 0 && mx > 0 && Number.isFinite(mx)) gg.push(c);
  }
  const groups = groupRfm(x, tx, T, include);
  return {
    repeatCustomers,
    x: groups.x,
    tx: groups.tx,
    T: groups.T,
    weight: groups.weight,
    ggOrder: Float64Array.from(gg, (c) => order[c]!),
    ggX: Float64Array.from(gg, (c) => x[c]!),
    ggMx: Float64Array.from(gg, (c) => table.meanRepeatValue[c]!),
  };
}

/** Every shard's triples merged: the whole base's groups, ordered by (x, t_x, T) as groupRfm orders integer days. */
export function mergeGroups(shards: readonly ShardModelData[]): RfmGroups {
  const weights = new Map<string, { x: number; tx: number; T: number; w: number }>();
  for (const s of shards) {
    for (let g = 0; g < s.x.length; g++) {
      const key = `${s.x[g]},${s.tx[g]},${s.T[g]}`;
      const e = weights.get(key);
      if (e) e.w += s.weight[g]!;
      else weights.set(key, { x: s.x[g]!, tx: s.tx[g]!, T: s.T[g]!, w: s.weight[g]! });
    }
  }
  const list = [...weights.values()].sort((a, b) => a.x - b.x || a.tx - b.tx || a.T - b.T);
  const x = Float64Array.from(list, (e) => e.x);
  const tx = Float64Array.from(list, (e) => e.tx);
  const T = Float64Array.from(list, (e) => e.T);
  const { xIndex, xValues } = indexValues(x);
  return { count: list.length, x, tx, T, weight: Float64Array.from(list, (e) => e.w), xIndex, xValues, maxDay: integerDayBound(tx, T), groupOf: new Int32Array(0) };
}

/** Every shard's Gamma-Gamma customers in first-appearance (base) order. */
export function mergeGammaGamma(shards: readonly ShardModelData[]): { x: Float64Array; mx: Float64Array } {
  const rows: Array<[number, number, number]> = [];
  for (const s of shards) for (let i = 0; i < s.ggOrder.length; i++) rows.push([s.ggOrder[i]!, s.ggX[i]!, s.ggMx[i]!]);
  rows.sort((a, b) => a[0] - b[0]);
  return { x: Float64Array.from(rows, (r) => r[1]), mx: Float64Array.from(rows, (r) => r[2]) };
}
