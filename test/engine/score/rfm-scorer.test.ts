import { describe, expect, it } from 'vitest';
import { quantileThresholds, scoreOf } from '../../../engine/score/quantile-thresholds.js';
import { scoreRfm } from '../../../engine/score/rfm-scorer.js';
import { aggregate } from '../../helpers/rows.js';

describe('quantile thresholds and scores', () => {
  it('takes t_i = v[floor(i*n/k)] over the sorted values and scores 1 + #{x > t_i}', () => {
    // sorted: 1 1 1 1 2 2 3 10; n = 8, k = 4: t = v[2], v[4], v[6] = 1, 2, 3
    const t = quantileThresholds(Float64Array.of(10, 1, 2, 1, 3, 1, 2, 1), 4);
    expect([...t]).toEqual([1, 2, 3]);
    expect([1, 2, 3, 10, 0, 2.5].map((x) => scoreOf(x, t))).toEqual([1, 2, 3, 4, 1, 3]);
  });

  it('gives tied values one score even when the ties span a quantile boundary', () => {
    const values = Float64Array.from([5, 5, 5, 5, 5, 5, 5, 5, 5, 9]);
    const t = quantileThresholds(values, 5);
    const scores = [...values].map((x) => scoreOf(x, t));
    expect(new Set(scores.slice(0, 9)).size).toBe(1);
    // t = v[2], v[4], v[6], v[8] = 5, 5, 5, 5: the one larger value is above every threshold.
    expect(scores[0]).toBe(1);
    expect(scores[9]).toBe(5);
  });

  it('leaves the input unsorted and handles an empty base', () => {
    const values = Float64Array.of(3, 1, 2);
    quantileThresholds(values, 2);
    expect([...values]).toEqual([3, 1, 2]);
    expect(quantileThresholds(new Float64Array(0), 5).length).toBe(0);
    expect(scoreOf(7, new Float64Array(0))).toBe(1);
  });

  it('splits n distinct values into k bins of n/k when k divides n, the lowest one larger by its threshold value', () => {
    // t_i = v[i*n/k] and a value equal to t_i scores below it, so bin 1 holds v[0..n/k] (n/k + 1
    // values), bins 2..k-1 exactly n/k, and bin k the n/k - 1 values above t_{k-1}.
    for (const [n, k] of [[100, 5], [20, 4], [1000, 10], [36, 3], [10, 2]] as const) {
      const values = Float64Array.from({ length: n }, (_, i) => (i * 37) % n); // 0..n-1, shuffled
      const t = quantileThresholds(values, k);
      const counts = new Array<number>(k).fill(0);
      for (const x of values) counts[scoreOf(x, t) - 1]!++;
      const size = n / k;
      expect(counts, `n = ${n}, k = ${k}`).toEqual([size + 1, ...new Array<number>(k - 2).fill(size), size - 1]);
      // Bins are ranges of ranks: every value of bin j is below every value of bin j + 1.
      for (let x = 1; x < n; x++) expect(scoreOf(x, t)).toBeGreaterThanOrEqual(scoreOf(x - 1, t));
    }
  });
});

describe('scoreRfm', () => {
  const rows = [
    // recency 0, 10, 20, 30 days; orders 4, 3, 2, 1; revenue 40, 30, 20, 10
    ...[0, 1, 2, 3].map((i) => ({ customer_id: 'a', ts: `2026-03-${String(28 + Math.min(i, 3)).padStart(2, '0')}`, amount: 10 })),
    ...[0, 1, 2].map((i) => ({ customer_id: 'b', ts: `2026-03-${String(19 + i).padStart(2, '0')}`, amount: 10 })),
    ...[0, 1].map((i) => ({ customer_id: 'c', ts: `2026-03-${String(10 + i).padStart(2, '0')}`, amount: 10 })),
    { customer_id: 'd', ts: '2026-03-01', amount: 10 },
    { customer_id: 'r', ts: '2026-03-01', amount: -5 },
  ];
  const { table } = aggregate(rows, '2026-03-31');
  const idx = (id: string) => table.customerId.indexOf(id);

  it('scores recent, frequent, high-spending customers high with k = 2 and k = 4', () => {
    // orders 4, 3, 2, 1 with k = 4: t = v[1], v[2], v[3] = 2, 3, 4, so scores 3, 2, 1, 1;
    // recency 0, 10, 20, 30 on x = -recency: t = -20, -10, 0, same pattern.
    const s4 = scoreRfm(table, 4);
    expect(['a', 'b', 'c', 'd'].map((id) => [s4.r[idx(id)], s4.f[idx(id)], s4.m[idx(id)]])).toEqual([
      [3, 3, 3],
      [2, 2, 2],
      [1, 1, 1],
      [1, 1, 1],
    ]);
    expect(s4.thresholds.r).toEqual([-20, -10, -0]);
    // k = 2: t = v[2] = 3, only orders > 3 score 2.
    const s2 = scoreRfm(table, 2);
    expect(['a', 'b', 'c', 'd'].map((id) => s2.f[idx(id)])).toEqual([2, 1, 1, 1]);
    expect(s2.thresholds.f).toEqual([3]);
  });

  it('scores customers without a purchase 0 and leaves them out of the thresholds', () => {
    const s = scoreRfm(table, 4);
    expect([s.r[idx('r')], s.f[idx('r')], s.m[idx('r')]]).toEqual([0, 0, 0]);
    expect(s.thresholds.m).toEqual([20, 30, 40]);
    expect(s.thresholds.f).toEqual([2, 3, 4]);
    expect(s.thresholds.r.every((x) => x <= 0)).toBe(true);
  });
});
