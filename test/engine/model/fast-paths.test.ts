import { describe, expect, it } from 'vitest';
import { bgnbdExpectedPurchases, bgnbdPAlive } from '../../../engine/model/bgnbd.js';
import { clvOne, clvSchedule } from '../../../engine/model/clv.js';
import { fitModels } from '../../../engine/model/fit-models.js';
import { gammaGammaExpectedAov, type GammaGammaParams } from '../../../engine/model/gamma-gamma.js';
import { groupRfm, indexPairs, indexValues } from '../../../engine/model/rfm-groups.js';
import { Hyp2f1Fixed, hyp2f1 } from '../../../engine/model/special-functions.js';
import { randomModelBase, relative } from '../../helpers/model-base.js';
import { mulberry32 as rng } from '../../helpers/random.js';

/** About two years of daily history, mostly light buyers. */
const randomBase = (n: number, seed: number) => randomModelBase(n, seed, { days: 730, rateSpan: 0.1, ratePower: 3, dropMin: 0.05, dropSpan: 0.4 });

describe('fast paths of fitModels', () => {
  it('give the per-customer columns of the straightforward formulas on 5000 random customers (1e-12 relative)', () => {
    const base = randomBase(5000, 7);
    const opts = { horizonDays: 365, annualDiscountRate: 0.1 };
    const { manifest, columns, warnings } = fitModels(base, opts);
    expect(warnings).toEqual([]);
    const bg = manifest.bgnbd;
    const gg = manifest.gamma_gamma;
    if (bg === null || gg === null) throw new Error('no fit');
    const ggParams: GammaGammaParams = gg;
    const schedule = clvSchedule(opts);
    let worst = 0;
    for (let i = 0; i < 5000; i++) {
      if (base.include[i] === 0) {
        for (const column of Object.values(columns)) expect(column[i]).toBeNaN();
        continue;
      }
      const x = (base.purchaseDays[i] as number) - 1;
      const tx = (base.lastDay[i] as number) - (base.firstDay[i] as number);
      const T = base.asOfDay - (base.firstDay[i] as number);
      const aov = gammaGammaExpectedAov(ggParams, x, base.meanRepeatValue[i] as number);
      const want = [bgnbdPAlive(bg, x, tx, T), bgnbdExpectedPurchases(bg, 90, x, tx, T), aov, clvOne(bg, x, tx, T, aov, schedule)];
      const got = [columns.p_alive[i], columns.expected_purchases_90d[i], columns.expected_aov[i], columns.clv_365d[i]];
      for (const [k, w] of want.entries()) worst = Math.max(worst, relative(got[k] as number, w));
    }
    expect(worst).toBeLessThan(1e-12);
  });

  it('group integer days by radix sort exactly as by hashing the same values offset off the integers', () => {
    const base = randomBase(3000, 11);
    const x = Float64Array.from(base.purchaseDays, (d) => d - 1);
    const tx = Float64Array.from(base.lastDay, (d, i) => d - (base.firstDay[i] as number));
    const T = Float64Array.from(base.firstDay, (d) => base.asOfDay - d);
    const packed = groupRfm(x, tx, T, base.include);
    // + 0.5 forces the hash path; the groups must be the same sets of customers.
    const hashed = groupRfm(x, tx.map((v) => v + 0.5), T.map((v) => v + 0.5), base.include);
    expect(hashed.count).toBe(packed.count);
    const map = new Map<number, number>();
    for (let i = 0; i < x.length; i++) {
      const a = packed.groupOf[i] as number;
      const b = hashed.groupOf[i] as number;
      expect(a < 0).toBe(b < 0);
      if (a < 0) continue;
      if (!map.has(a)) map.set(a, b);
      expect(map.get(a)).toBe(b);
      expect(hashed.tx[b]).toBe((packed.tx[a] as number) + 0.5);
      expect(hashed.weight[b]).toBe(packed.weight[a]);
    }
  });

  it('evaluates 2F1 with cached series ratios bit-identically to hyp2f1', () => {
    const u = rng(3);
    for (let k = 0; k < 200; k++) {
      const a = 0.2 + 70 * u();
      const b = -0.5 + 3 * u();
      const c = 0.5 + 400 * u();
      const f = new Hyp2f1Fixed(a, b, c);
      for (let j = 0; j < 5; j++) {
        const z = u() * 0.995;
        expect(f.at(z)).toBe(hyp2f1(a, b, c, z));
      }
    }
  });
});

describe('numbering distinct values', () => {
  const u = rng(5);
  const x = Float64Array.from({ length: 50_000 }, () => Math.floor(u() ** 3 * 700));
  const T = Float64Array.from({ length: 50_000 }, () => Math.floor(u() * 1100));

  it('gives integers the ids in first-seen order that the hash gives values which are not', () => {
    // Shifting by a half sends the same values through the hash; the ids must not change.
    const dense = indexValues(x);
    const hashed = indexValues(x.map((v) => v + 0.5));
    expect(dense.xIndex).toEqual(hashed.xIndex);
    expect(dense.xValues).toEqual(hashed.xValues.map((v) => v - 0.5));
    for (const i of [0, 1, 777, 49_999]) expect(dense.xValues[dense.xIndex[i]!]).toBe(x[i]);
    const pairs = indexPairs(x, T);
    const hashedPairs = indexPairs(x.map((v) => v + 0.5), T);
    expect(pairs.index).toEqual(hashedPairs.index);
    expect(pairs.count).toBe(hashedPairs.count);
    for (const i of [0, 3, 49_999]) {
      expect(pairs.x[pairs.index[i]!]).toBe(x[i]);
      expect(pairs.T[pairs.index[i]!]).toBe(T[i]);
    }
  });
});
