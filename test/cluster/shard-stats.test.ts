/** The cluster's exact merges: thresholds by two-round selection and the models' groups, against the single machine's functions. */
import { describe, expect, it } from 'vitest';
import { bracketRanks, bracketRuns, mergeGroups, type ShardModelData, sketchOf, thresholdRanks, valueAtRank } from '../../engine/cluster/shard-stats.js';
import { groupRfm } from '../../engine/model/rfm-groups.js';
import { quantileThresholds } from '../../engine/score/quantile-thresholds.js';

function rng(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (x + 0x6d2b79f5) >>> 0;
    let t = Math.imul(x ^ (x >>> 15), x | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Thresholds of `values` cut into `shards` random shards, by the cluster's two rounds with `points` sketch points. */
function clusterThresholds(values: Float64Array, shards: number, k: number, points: number, rand: () => number): Float64Array {
  const parts: number[][] = Array.from({ length: shards }, () => []);
  for (const v of values) parts[Math.floor(rand() * shards)]!.push(v);
  const sorted = parts.map((p) => Float64Array.from(p).sort());
  const ranks = thresholdRanks(values.length, k);
  const brackets = bracketRanks(sorted.map((s) => sketchOf(s, points)), ranks);
  return Float64Array.from(ranks, (r, i) => valueAtRank(r, sorted.map((s) => bracketRuns(s, brackets[i]![0], brackets[i]![1]))));
}

describe('cluster thresholds', () => {
  it.each([
    ['money (mostly distinct values)', (r: () => number) => Math.round(r() ** 3 * 1e6) / 100],
    ['orders (a few values, heavy ties)', (r: () => number) => 1 + Math.floor(-Math.log(1 - r()) * 1.5)],
    ['-recency_days (zeros are -0)', (r: () => number) => -Math.floor(r() * 700)],
  ])('two rounds over shards give the single machine\'s thresholds exactly: %s', (_name, draw) => {
    const rand = rng(7);
    for (const [n, shards, k, points] of [[50_000, 16, 5, 64], [50_000, 3, 10, 8], [7, 4, 5, 2], [1, 5, 5, 1024], [2_000, 64, 10, 4]] as const) {
      const values = Float64Array.from({ length: n }, () => draw(rand));
      const single = quantileThresholds(values, k);
      const cluster = clusterThresholds(values, shards, k, points, rand);
      expect([...cluster]).toEqual([...single]);
      // Bit for bit: -0 stays -0.
      expect([...cluster].map((v, i) => Object.is(v, single[i]))).not.toContain(false);
    }
  });

  it('round 2 moves few values: about 2n/K per bracket, not the shards\' whole columns', () => {
    const rand = rng(3);
    const values = Float64Array.from({ length: 200_000 }, () => rand() * 1000);
    const parts: number[][] = Array.from({ length: 8 }, () => []);
    for (const v of values) parts[Math.floor(rand() * 8)]!.push(v);
    const sorted = parts.map((p) => Float64Array.from(p).sort());
    const brackets = bracketRanks(sorted.map((s) => sketchOf(s, 256)), thresholdRanks(values.length, 10));
    let moved = 0;
    for (const [lo, hi] of brackets) for (const s of sorted) moved += bracketRuns(s, lo, hi).values.length;
    expect(moved).toBeLessThan(9 * 8 * 2 * (25_000 / 256 + 2));
    expect(moved).toBeGreaterThan(0);
  });
});

describe('cluster model groups', () => {
  it('shards\' (x, t_x, T) groups merged are the whole base\'s groups, in groupRfm\'s order', () => {
    const rand = rng(11);
    const n = 30_000;
    const x = new Float64Array(n);
    const tx = new Float64Array(n);
    const T = new Float64Array(n);
    const include = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      T[i] = Math.floor(rand() * 500);
      x[i] = rand() < 0.6 ? 0 : 1 + Math.floor(rand() * 8);
      tx[i] = x[i] === 0 ? 0 : Math.floor(rand() * (T[i]! + 1));
      include[i] = rand() < 0.95 ? 1 : 0;
    }
    const whole = groupRfm(x, tx, T, include);
    const shards: ShardModelData[] = [];
    for (let s = 0; s < 5; s++) {
      const keep = Uint8Array.from(include, (v, i) => (v === 1 && i % 5 === s ? 1 : 0));
      const g = groupRfm(x, tx, T, keep);
      shards.push({ repeatCustomers: 0, x: g.x, tx: g.tx, T: g.T, weight: g.weight, ggOrder: new Float64Array(0), ggX: new Float64Array(0), ggMx: new Float64Array(0) });
    }
    const merged = mergeGroups(shards);
    const { groupOf: _a, ...wholeGroups } = whole;
    const { groupOf: _b, ...mergedGroups } = merged;
    expect(mergedGroups).toEqual(wholeGroups);
  });
});
