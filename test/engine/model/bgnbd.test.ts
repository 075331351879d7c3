import { beforeAll, describe, expect, it } from 'vitest';
import {
  bgnbdExpectedPurchases,
  bgnbdExpectedPurchasesNew,
  bgnbdPAlive,
  bgnbdPredict,
  fitBgNbd,
  type BgNbdFit,
} from '../../../engine/model/bgnbd.js';
import { bgnbdLogLikelihood } from '../../../engine/model/bgnbd-likelihood.js';
import { groupRfm } from '../../../engine/model/rfm-groups.js';
import { loadCdnowSummary } from './cdnow.js';

// Published fit on the CDNOW sample (Fader, Hardie & Lee 2005; lifetimes' tests), in weeks.
const PUBLISHED = { r: 0.2426, alpha: 4.4135, a: 0.7929, b: 2.4258 };

function expectRelative(actual: number, expected: number, tol: number): void {
  expect(Math.abs(actual - expected) / Math.abs(expected)).toBeLessThan(tol);
}

describe('BG/NBD on the CDNOW sample', () => {
  const data = loadCdnowSummary();
  let weeks: BgNbdFit;
  let days: BgNbdFit;
  beforeAll(() => {
    weeks = fitBgNbd(data.x, data.tx, data.T);
    days = fitBgNbd(data.x, data.tx.map((v) => v * 7), data.T.map((v) => v * 7));
  });

  it('reproduces the published parameters and log-likelihood in weeks', () => {
    expect(weeks.converged).toBe(true);
    expectRelative(weeks.params.r, PUBLISHED.r, 1e-3);
    expectRelative(weeks.params.alpha, PUBLISHED.alpha, 1e-3);
    expectRelative(weeks.params.a, PUBLISHED.a, 1e-3);
    expectRelative(weeks.params.b, PUBLISHED.b, 1e-3);
    expect(weeks.logLikelihood).toBeCloseTo(-9582.43, 2);
    expect(weeks.customers).toBe(2357);
  });

  it('gives seven times the weekly alpha and the same r, a, b when fitted in days', () => {
    expect(days.converged).toBe(true);
    expectRelative(days.params.alpha / 7, PUBLISHED.alpha, 1e-3);
    expectRelative(days.params.r, PUBLISHED.r, 1e-3);
    expectRelative(days.params.a, PUBLISHED.a, 1e-3);
    expectRelative(days.params.b, PUBLISHED.b, 1e-3);
    // Same optimum up to the optimiser's tolerance, not just to the published rounding.
    expectRelative(days.params.alpha / 7, weeks.params.alpha, 1e-6);
  });

  it('expects 1.226 purchases in 39 weeks for x = 2, t_x = 30.43, T = 38.86', () => {
    expect(bgnbdExpectedPurchases(weeks.params, 39, 2, 30.43, 38.86)).toBeCloseTo(1.226, 3);
    expect(bgnbdExpectedPurchases(days.params, 39 * 7, 2, 30.43 * 7, 38.86 * 7)).toBeCloseTo(1.226, 3);
  });

  it("matches Hardie's E[X(t)] for a new customer", () => {
    const times = [0.1429, 1, 3, 31.8571, 32, 78];
    const published = [0.0078, 0.0532, 0.1506, 1.0405, 1.0437, 1.8576];
    // The spreadsheet's 1.8576 at t = 78 is 3.7e-4 below the exact value 1.85797 (scipy agrees
    // with this code to 1e-13), so three decimals is the published precision.
    times.forEach((t, i) => {
      expect(bgnbdExpectedPurchasesNew(weeks.params, t)).toBeCloseTo(published[i] as number, 3);
      expect(bgnbdExpectedPurchasesNew(days.params, t * 7)).toBeCloseTo(published[i] as number, 3);
    });
  });

  it('agrees with scipy-based lifetimes formulas at the published parameters', () => {
    // scipy.special.hyp2f1 evaluation of lifetimes' expected_number_of_purchases_up_to_time.
    expect(bgnbdExpectedPurchasesNew(PUBLISHED, 78)).toBeCloseTo(1.8580217586441132, 12);
    expect(bgnbdExpectedPurchasesNew(PUBLISHED, 0.1429) / 0.007816356037099006).toBeCloseTo(1, 11);
  });

  it('gives p_alive 1 without repeat purchases and less after a long silence', () => {
    expect(bgnbdPAlive(weeks.params, 0, 0, 38)).toBe(1);
    const recent = bgnbdPAlive(weeks.params, 3, 37, 38);
    const silent = bgnbdPAlive(weeks.params, 3, 5, 38);
    expect(recent).toBeGreaterThan(silent);
    expect(silent).toBeGreaterThan(0);
  });

  it('predicts vectorised exactly as the scalar functions do', () => {
    const n = 50;
    const out = { pAlive: new Float64Array(n), expected: new Float64Array(n) };
    bgnbdPredict(weeks.params, data.x.subarray(0, n), data.tx.subarray(0, n), data.T.subarray(0, n), 13, out);
    for (let i = 0; i < n; i++) {
      const [x, tx, T] = [data.x[i] as number, data.tx[i] as number, data.T[i] as number];
      expect(out.pAlive[i]).toBe(bgnbdPAlive(weeks.params, x, tx, T));
      expect(out.expected[i]).toBe(bgnbdExpectedPurchases(weeks.params, 13, x, tx, T));
    }
  });
});

describe('BG/NBD likelihood shards', () => {
  const data = loadCdnowSummary();
  const groups = groupRfm(data.x, data.tx, data.T);

  it('groups the sample into weighted distinct (x, t_x, T) triples', () => {
    let total = 0;
    for (const w of groups.weight) total += w;
    expect(total).toBe(2357);
    expect(groups.count).toBeLessThan(2357);
    for (let i = 0; i < 2357; i++) expect(groups.x[groups.groupOf[i] as number]).toBe(data.x[i]);
  });

  it('sums over shards to the one-pass sum, gradient included', () => {
    const whole = new Float64Array(4);
    const ll = bgnbdLogLikelihood(PUBLISHED, groups, 0, groups.count, whole);
    expect(ll).toBeCloseTo(-9582.43, 1);
    const cuts = [0, 17, 400, 401, Math.floor(groups.count / 2), groups.count];
    let sum = 0;
    const gsum = new Float64Array(4);
    const g = new Float64Array(4);
    for (let k = 0; k + 1 < cuts.length; k++) {
      sum += bgnbdLogLikelihood(PUBLISHED, groups, cuts[k], cuts[k + 1], g);
      for (let j = 0; j < 4; j++) gsum[j] = (gsum[j] as number) + (g[j] as number);
    }
    expect(sum).toBeCloseTo(ll, 9);
    for (let j = 0; j < 4; j++) expect(gsum[j]).toBeCloseTo(whole[j] as number, 9);
  });

  it('has an analytic gradient that matches finite differences in log-parameters', () => {
    const p = { r: 0.3, alpha: 5, a: 0.9, b: 2 };
    const g = new Float64Array(4);
    bgnbdLogLikelihood(p, groups, 0, groups.count, g);
    const keys = ['r', 'alpha', 'a', 'b'] as const;
    keys.forEach((key, j) => {
      const h = 1e-6;
      const up = { ...p, [key]: p[key] * Math.exp(h) };
      const down = { ...p, [key]: p[key] * Math.exp(-h) };
      const fd = (bgnbdLogLikelihood(up, groups) - bgnbdLogLikelihood(down, groups)) / (2 * h);
      expect(Math.abs(fd - (g[j] as number))).toBeLessThan(1e-4 * Math.max(1, Math.abs(fd)));
    });
  });

  it('takes ln(alpha + d) from a table for integer days with the same result as direct logarithms', () => {
    const ones = groupRfm(data.x, data.tx, data.T);
    const integerDays = groupRfm(data.x, data.tx.map((v) => Math.round(v * 7)), data.T.map((v) => Math.round(v * 7)));
    expect(integerDays.maxDay).toBeGreaterThan(0);
    expect(ones.maxDay).toBe(-1);
    // The day-log table path and the direct-log path give the same value.
    const p = { r: 0.24, alpha: 31, a: 0.79, b: 2.4 };
    const direct = { ...integerDays, maxDay: -1 };
    expect(bgnbdLogLikelihood(p, integerDays)).toBeCloseTo(bgnbdLogLikelihood(p, direct), 8);
  });
});
