import { describe, expect, it } from 'vitest';
import { loadBinding } from '../../../engine/kernels/native-binding.js';
import type { BgNbdParams } from '../../../engine/model/bgnbd.js';
import { clvSchedule } from '../../../engine/model/clv.js';
import { fitModels, predictCustomers, predictPairs } from '../../../engine/model/fit-models.js';
import { type CustomerPredictor, jsModelKernels, nativeModelKernels, type PairPredictor, type PredictionColumns } from '../../../engine/model/model-kernels.js';

/** Small deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t ^= t + Math.imul(t ^ (t >>> 7), 61 | t);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

const loaded = loadBinding();
const binding = 'binding' in loaded ? loaded.binding : null;
const native = binding ? nativeModelKernels(binding) : null;
const nativePairs: PairPredictor | undefined = native?.predictPairs;
const nativeCustomers: CustomerPredictor | undefined = native?.predictCustomers;

/**
 * The addon's 2F1 follows the TypeScript series term for term, but its `powf` is libm's and V8's
 * `**` its own: the last bits may differ. E = c/(a−1) · (1 − (…)^(a−1) · 2F1) subtracts two terms
 * of size |c/(a−1)| (c = a+b+x−1), so a last-bit difference there is an absolute error of that
 * scale: the two are held to 1e-13 of the larger of the value and that scale.
 */
function expectClose(got: Float64Array, want: Float64Array, what: string, scale: (j: number) => number = () => 0): void {
  for (let j = 0; j < want.length; j++) {
    const w = want[j] as number;
    const g = got[j] as number;
    if (Number.isNaN(w)) expect(g, `${what}[${j}]`).toBeNaN();
    else expect(Math.abs(g - w), `${what}[${j}] ${g} vs ${w}`).toBeLessThanOrEqual(1e-13 * Math.max(Math.abs(w), scale(j), 1e-300));
  }
}

/** |c / (a − 1)| of a pair, the scale of its expectation's two terms (a as bgnbd.ts steps it off 1). */
function termScale(p: BgNbdParams, x: number): number {
  const a = Math.abs(p.a - 1) < 1e-7 ? 1 + (p.a >= 1 ? 1e-7 : -1e-7) : p.a;
  return Math.abs((a + p.b + x - 1) / (a - 1));
}

/** Pairs (x, T) with their distinct x: random ones and the edges (x = 0, T = 0, huge x and T). */
function randomPairs(n: number, seed: number): { xValues: Float64Array; xIndex: Int32Array; T: Float64Array } {
  const u = rng(seed);
  const xs = [0, 1, 2, 3, 7, 50, 400, 5_000, 1e6];
  const T = new Float64Array(n);
  const xIndex = new Int32Array(n);
  for (let j = 0; j < n; j++) {
    xIndex[j] = j < xs.length ? j : Math.floor(u() * u() * xs.length);
    T[j] = j % 97 === 0 ? 0 : j % 89 === 0 ? 1e7 : Math.floor(u() * 1_100);
  }
  return { xValues: Float64Array.from(xs), xIndex, T };
}

const FITTED: BgNbdParams = { r: 0.243, alpha: 4.41, a: 0.793, b: 2.426 };
const CASES: ReadonlyArray<[string, BgNbdParams]> = [
  ['a fitted base', FITTED],
  ['tiny parameters', { r: 1e-6, alpha: 1e-6, a: 1e-4, b: 1e-5 }],
  ['a at 1 (the 0/0 point stepped off)', { r: 0.5, alpha: 10, a: 1, b: 3 }],
  ['large parameters', { r: 40, alpha: 900, a: 25, b: 300 }],
  ['a below 1, b large', { r: 2.1, alpha: 0.3, a: 0.05, b: 1e4 }],
];

describe('BG/NBD predictions per (x, T) pair', () => {
  const describeNative = nativePairs ? describe : describe.skip;
  it('run natively wherever the addon loads (a build without bgnbdPredictPairs is stale)', () => {
    if (binding !== null) expect(nativePairs, 'the addon loads without bgnbdPredictPairs: run npm run build:native').toBeDefined();
  });

  describeNative('the addon against the TypeScript reference', () => {
    for (const [name, params] of CASES) {
      it(`on random pairs, ${name}`, () => {
        const { xValues, xIndex, T } = randomPairs(2_000, 11);
        const schedule = clvSchedule({ horizonDays: 365, annualDiscountRate: 0.1 });
        const want = { e: new Float64Array(T.length), d: new Float64Array(T.length) };
        const got = { e: new Float64Array(T.length), d: new Float64Array(T.length) };
        predictPairs(params, xValues, xIndex, T, 90, schedule, want.e, want.d);
        nativePairs!(params, xValues, xIndex, T, 90, schedule, got.e, got.d);
        const scale = (j: number) => termScale(params, xValues[xIndex[j] as number] as number);
        expectClose(got.e, want.e, 'expected', scale);
        expectClose(got.d, want.d, 'discounted', scale);
        // Not a comparison of zeros: the predictions are positive where the customer has time to buy.
        expect(want.e.filter((v) => v > 0).length).toBeGreaterThan(T.length / 2);
      });
    }

    it('leave the discounted column alone without a schedule, and give 0 for a horizon of 0', () => {
      const { xValues, xIndex, T } = randomPairs(500, 3);
      const d = new Float64Array(T.length).fill(7);
      const e = new Float64Array(T.length);
      nativePairs!(FITTED, xValues, xIndex, T, 0, null, e, d);
      expect(e.every((v) => v === 0)).toBe(true);
      expect(d.every((v) => v === 7)).toBe(true);
    });

    it('give the same numbers on one thread and on several', () => {
      const { xValues, xIndex, T } = randomPairs(20_000, 5);
      const schedule = clvSchedule({ horizonDays: 365, annualDiscountRate: 0.1 });
      const one = { e: new Float64Array(T.length), d: new Float64Array(T.length) };
      const many = { e: new Float64Array(T.length), d: new Float64Array(T.length) };
      nativeModelKernels(binding!, 1)!.predictPairs!(FITTED, xValues, xIndex, T, 90, schedule, one.e, one.d);
      nativeModelKernels(binding!, 3)!.predictPairs!(FITTED, xValues, xIndex, T, 90, schedule, many.e, many.d);
      expect(many.e).toEqual(one.e);
      expect(many.d).toEqual(one.d);
    });

    it('refuse an x index outside the distinct x with a coded error', () => {
      const T = new Float64Array(4);
      expect(() => nativePairs!(FITTED, new Float64Array(2), Int32Array.of(0, 1, 2, 0), T, 90, null, new Float64Array(4), new Float64Array(4))).toThrow(
        expect.objectContaining({ code: expect.stringMatching(/^SEG_ERR_/) }),
      );
    });

    it('predict a whole base as the TypeScript kernels do, with the same fit', () => {
      // Customers with t_x = T (bought today), one-time buyers (x = 0) and a long history.
      const u = rng(21);
      const n = 20_000;
      const asOfDay = 20_000;
      const purchaseDays = new Float64Array(n);
      const firstDay = new Float64Array(n);
      const lastDay = new Float64Array(n);
      const meanRepeatValue = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const days = 1 + Math.floor(-Math.log(1 - u()) * 3);
        const first = asOfDay - Math.floor(u() * 1_000);
        purchaseDays[i] = days;
        firstDay[i] = first;
        lastDay[i] = i % 50 === 0 ? asOfDay : days > 1 ? first + Math.floor(u() * (asOfDay - first)) : first;
        meanRepeatValue[i] = days > 1 ? 5 + u() * 100 : Number.NaN;
      }
      const input = { purchaseDays, firstDay, lastDay, asOfDay, meanRepeatValue };
      // Fitted parameters given, so the pairs are the only difference between the two.
      const fitted = {
        repeatCustomers: n,
        bgnbd: { params: FITTED, logLikelihood: 0, converged: true, iterations: 1, gradientNorm: 0, customers: n, warmStart: false },
        gammaGamma: { params: { p: 6.25, q: 3.74, v: 15.4 }, logLikelihood: 0, converged: true, iterations: 1, customers: n, warmStart: false },
      };
      const viaNative = fitModels(input, { kernels: native!, fitted });
      const viaJs = fitModels(input, { kernels: jsModelKernels, fitted });
      // p_alive and the AOV do not go through the pairs: the same doubles.
      expect(viaNative.columns.p_alive).toEqual(viaJs.columns.p_alive);
      expect(viaNative.columns.expected_aov).toEqual(viaJs.columns.expected_aov);
      const scale = (i: number) => termScale(FITTED, (purchaseDays[i] as number) - 1) * Math.max(1, viaJs.columns.expected_aov[i] as number);
      for (const key of ['expected_purchases_90d', 'clv_365d'] as const) expectClose(viaNative.columns[key], viaJs.columns[key], key, scale);
      expect(viaJs.columns.clv_365d.filter((v) => v > 0).length).toBeGreaterThan(n / 2);
    });
  });

  (binding ? describe : describe.skip)('each customer from its group, in the addon', () => {
    const columns = (n: number): PredictionColumns => ({
      p_alive: new Float64Array(n), expected_purchases_90d: new Float64Array(n), expected_aov: new Float64Array(n), clv_365d: new Float64Array(n),
    });
    it('in the addon, the TypeScript loop\'s doubles on one thread and on several', () => {
      expect(nativeCustomers, 'the addon loads without bgnbdPredictCustomers: run npm run build:native').toBeDefined();
      const u = rng(9);
      // Enough customers for three threads (each takes at least 2^16).
      const n = 200_000;
      const groups = 5_000;
      const perGroup = Float64Array.from({ length: 3 * groups }, () => u() * 10);
      const groupOf = Int32Array.from({ length: n }, (_, i) => (i % 17 === 0 ? -1 : Math.floor(u() * groups)));
      const x = Float64Array.from({ length: n }, (_, i) => (i % 5 === 0 ? 0 : Math.floor(u() * 30)));
      const mrv = Float64Array.from({ length: n }, (_, i) => (i % 7 === 0 ? Number.NaN : i % 11 === 0 ? Number.POSITIVE_INFINITY : i % 13 === 0 ? 0 : u() * 300));
      for (const gg of [{ p: 6.25, q: 3.74, v: 15.4 }, { p: 1e-6, q: 1 + 1e-9, v: 1e6 }, { p: 2, q: 0.5, v: 1 }]) {
        for (const [bgOk, ggOk] of [[true, true], [false, true], [true, false]] as const) {
          const want = columns(n);
          predictCustomers(groupOf, perGroup, x, mrv, gg, bgOk, ggOk, want);
          for (const threads of [1, 3]) {
            const got = columns(n);
            nativeModelKernels(binding!, threads)!.predictCustomers!(groupOf, perGroup, x, mrv, gg, bgOk, ggOk, got);
            for (const key of Object.keys(want) as (keyof PredictionColumns)[]) {
              // Object.is: the same double (NaN where NaN), counted in a plain loop (a deep equal of 600k entries is slow).
              let differ = 0;
              for (let i = 0; i < n; i++) if (!Object.is(got[key][i], want[key][i])) differ++;
              expect(differ, `${key}, ${threads} threads`).toBe(0);
            }
          }
          // Not all NaN: the columns carry values where the model was fitted.
          if (bgOk && ggOk && gg.q > 1) expect(want.clv_365d.filter((v) => v > 0).length).toBeGreaterThan(n / 2);
        }
      }
    });

    it('refuse a group outside the groups\' values with a coded error', () => {
      const c = columns(2);
      expect(() => nativeCustomers!(Int32Array.of(0, 2), new Float64Array(6), new Float64Array(2), new Float64Array(2), { p: 1, q: 2, v: 1 }, true, true, c)).toThrow(
        expect.objectContaining({ code: expect.stringMatching(/^SEG_ERR_/) }),
      );
    });
  });
});
