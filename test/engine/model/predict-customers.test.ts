import { describe, expect, it } from 'vitest';
import { nativeBinding } from '../../../engine/kernels/native-binding.js';
import { fitModels, predictCustomers } from '../../../engine/model/fit-models.js';
import { type CustomerPredictor, jsModelKernels, nativeModelKernels, type PredictionColumns } from '../../../engine/model/model-kernels.js';
import { mulberry32 as rng } from '../../helpers/random.js';
import { itNative } from '../kernels/kernel-sets.js';

const binding = nativeBinding();
const native = binding ? nativeModelKernels(binding) : null;
const nativeCustomers: CustomerPredictor | undefined = native?.predictCustomers;

const FITTED = { r: 0.243, alpha: 4.41, a: 0.793, b: 2.426 };

describe('the predictions after the fit', () => {
  itNative("a whole base: the native kernel set writes the TypeScript kernels' doubles in every prediction column", () => {
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
    // Fitted parameters given, so the predictions are the only work the two kernel sets do.
    const fitted = {
      repeatCustomers: n,
      bgnbd: { params: FITTED, logLikelihood: 0, converged: true, iterations: 1, gradientNorm: 0, customers: n, warmStart: false },
      gammaGamma: { params: { p: 6.25, q: 3.74, v: 15.4 }, logLikelihood: 0, converged: true, iterations: 1, customers: n, warmStart: false },
    };
    const viaNative = fitModels(input, { kernels: native!, fitted });
    const viaJs = fitModels(input, { kernels: jsModelKernels, fitted });
    for (const key of ['p_alive', 'expected_purchases_90d', 'expected_aov', 'clv_365d'] as const) {
      let differ = 0;
      for (let i = 0; i < n; i++) if (!Object.is(viaNative.columns[key][i], viaJs.columns[key][i])) differ++;
      expect(differ, key).toBe(0);
    }
    expect(viaJs.columns.clv_365d.filter((v) => v > 0).length).toBeGreaterThan(n / 2);
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
