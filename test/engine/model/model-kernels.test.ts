import { describe, expect, it } from 'vitest';
import { nativeBinding } from '../../../engine/kernels/native-binding.js';
import { bgnbdDayLogs, bgnbdLogLikelihood, bgnbdParamVector, bgnbdXTable } from '../../../engine/model/bgnbd-likelihood.js';
import { fitBgNbdGroups } from '../../../engine/model/bgnbd.js';
import { fitModels, type ModelInput } from '../../../engine/model/fit-models.js';
import { gammaGammaParamVector, gammaGammaXTable, prepareGammaGamma, sampleGammaGamma } from '../../../engine/model/gamma-gamma-likelihood.js';
import { fitGammaGamma } from '../../../engine/model/gamma-gamma.js';
import { jsModelKernels, type ModelKernels, nativeModelKernels, SHARD_ROWS } from '../../../engine/model/model-kernels.js';
import { groupRfm, sampleGroups } from '../../../engine/model/rfm-groups.js';
import { warmStartOf } from '../../../engine/rescore/fit-predictions.js';
import { loadCdnowTransactions } from './cdnow.js';
import { counting, gammaGammaSumsFromReference, randomModelBase, relative } from '../../helpers/model-base.js';
import { expectSameBytes, nativeMissing } from '../kernels/kernel-sets.js';

/**
 * Daily BG/NBD-like customers over three years (so x, t_x and T need more than 32 bits packed),
 * with purchase rates spread wide enough that the groups fill several shards.
 */
function randomBase(n: number, seed: number): ModelInput {
  const base = randomModelBase(n, seed, { days: 1100, rateSpan: 1.2, ratePower: 4, dropMin: 0.002, dropSpan: 0.2 });
  // A few who bought on nearly every day of the three years: x then needs 11 bits beside 2 × 11 of days.
  for (let i = 0; i < n; i += 10_000) {
    base.purchaseDays[i] = 1090;
    base.firstDay[i] = base.asOfDay - 1099;
    base.lastDay[i] = base.asOfDay - 1;
    base.meanRepeatValue[i] = 30;
    base.include[i] = 1;
  }
  return base;
}

function rfm(input: ModelInput) {
  const n = input.purchaseDays.length;
  const x = new Float64Array(n);
  const tx = new Float64Array(n);
  const T = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = (input.purchaseDays[i] as number) - 1;
    tx[i] = (input.lastDay[i] as number) - (input.firstDay[i] as number);
    T[i] = input.asOfDay - (input.firstDay[i] as number);
  }
  return { x, tx, T };
}

const binding = nativeBinding();
const native: ModelKernels | null = binding ? nativeModelKernels(binding) : null;
const kernelSets: Array<{ name: string; kernels: ModelKernels | null }> = [
  { name: 'js', kernels: jsModelKernels },
  { name: nativeMissing === null ? 'native' : `native (SKIPPED: ${nativeMissing})`, kernels: native },
];

const base = randomBase(120_000, 11);
const { x, tx, T } = rfm(base);
const groups = groupRfm(x, tx, T, base.include);
const gg = prepareGammaGamma(x, base.meanRepeatValue);
const bgParams = { r: 0.8, alpha: 60, a: 0.4, b: 3 };
const ggParams = { p: 3, q: 4, v: 40 };

describe('the model kernels', () => {
  it('run natively wherever the addon loads (a build without them is stale)', () => {
    if (binding !== null) expect(native, 'the addon loads without bgnbdSums / gammaGammaSums: run npm run build:native').not.toBeNull();
  });

  it('see a base that fills several shards, grouped by radix sort past 32 bits', () => {
    expect(groups.count).toBeGreaterThan(3 * SHARD_ROWS);
    expect(gg.count).toBeGreaterThan(3 * SHARD_ROWS);
    // Groups come out ordered by (x, t_x, T), which only the radix path does.
    for (let g = 1; g < groups.count; g++) {
      const before = [groups.x[g - 1], groups.tx[g - 1], groups.T[g - 1]] as number[];
      const now = [groups.x[g], groups.tx[g], groups.T[g]] as number[];
      const cmp = before[0]! - now[0]! || before[1]! - now[1]! || before[2]! - now[2]!;
      expect(cmp).toBeLessThan(0);
    }
    let maxX = 0;
    for (const v of groups.x) maxX = Math.max(maxX, v);
    expect(Math.ceil(Math.log2(maxX + 1)) + 2 * Math.ceil(Math.log2(groups.maxDay + 1))).toBeGreaterThan(32);
  });
});

describe.each(kernelSets)('$name model kernels', ({ kernels }) => {
  const test = kernels ? it : it.skip;

  test('sum BG/NBD in shards to the one-pass log-likelihood and gradient', () => {
    const out = new Float64Array(5);
    kernels!.bgnbdSums(bgnbdParamVector(bgParams), groups, bgnbdXTable(bgParams, groups.xValues, true), bgnbdDayLogs(bgParams.alpha, groups.maxDay), true, out);
    const grad = new Float64Array(4);
    const ll = bgnbdLogLikelihood(bgParams, groups, 0, groups.count, grad);
    expect(relative(out[0]!, ll)).toBeLessThan(1e-12);
    const scale = [bgParams.r, bgParams.alpha, bgParams.a, bgParams.b];
    for (let k = 0; k < 4; k++) expect(relative(out[k + 1]! * scale[k]!, grad[k]!)).toBeLessThan(1e-9);
  });

  test('sum Gamma-Gamma in shards to the one-pass log-likelihood and gradient', () => {
    const off = gammaGammaSumsFromReference(kernels!, ggParams, gg);
    expect(off.ll).toBeLessThan(1e-12);
    expect(off.grad).toBeLessThan(1e-9);
  });

  test('fit the CDNOW sample to its published parameters', () => {
    const cdnow = loadCdnowTransactions();
    const { manifest } = fitModels(cdnow, { kernels: kernels! });
    const bg = manifest.bgnbd!;
    const published = { r: 0.2426, alpha: 4.4135 * 7, a: 0.7929, b: 2.4258 };
    for (const key of ['r', 'alpha', 'a', 'b'] as const) expect(relative(bg[key], published[key])).toBeLessThan(1e-3);
    const ggFit = manifest.gamma_gamma!;
    expect(relative(ggFit.p, 6.2488)).toBeLessThan(1e-3);
    expect(relative(ggFit.q, 3.7446)).toBeLessThan(1e-3);
    expect(relative(ggFit.v, 15.4477)).toBeLessThan(1e-3);
  });
});

describe(`the native model kernels against the TypeScript reference${nativeMissing === null ? '' : ` (SKIPPED: ${nativeMissing})`}`, () => {
  const test = native ? it : it.skip;

  test('give the same sums on 1, 2, 3 and 8 threads, to the bit', () => {
    const sums = [1, 2, 3, 8].map((threads) => {
      const k = nativeModelKernels(binding!, threads)!;
      const bg = new Float64Array(5);
      k.bgnbdSums(bgnbdParamVector(bgParams), groups, bgnbdXTable(bgParams, groups.xValues, true), bgnbdDayLogs(bgParams.alpha, groups.maxDay), true, bg);
      const g = new Float64Array(4);
      k.gammaGammaSums(gammaGammaParamVector(ggParams, true), gg, gammaGammaXTable(ggParams, gg.xValues, true), true, g);
      return [...bg, ...g];
    });
    for (const s of sums.slice(1)) expect(s).toEqual(sums[0]);
  });

  test('group customers as the TypeScript radix sort does: the same groups in the same order, each row in its group', () => {
    const grouper = native!.groupPacked;
    expect(grouper, 'the addon loads without groupRfm: run npm run build:native').toBeDefined();
    // The base needs more than 32 bits per key; a year of it fewer (one word).
    const year = Uint8Array.from(base.include!, (v, i) => (v && (T[i] as number) < 365 ? 1 : 0));
    for (const include of [base.include, year]) {
      const want = groupRfm(x, tx, T, include);
      const got = groupRfm(x, tx, T, include, grouper);
      expect(got.count).toBe(want.count);
      for (const key of ['x', 'tx', 'T', 'weight', 'xIndex', 'xValues', 'groupOf'] as const) expect(got[key], key).toEqual(want[key]);
      expect(got.maxDay).toBe(want.maxDay);
    }
  });

  test('give the TypeScript sums to the bit, at the test base and at parameters far from it', () => {
    // The same shards, the same order and V8's own log/log1p/exp (native/src/model/fdlibm.rs): no
    // last-bit difference is left for the optimiser to amplify.
    for (const [bg, g] of [[bgParams, ggParams], [{ r: 0.05, alpha: 3.7, a: 0.013, b: 41 }, { p: 2e4, q: 1.3, v: 0.21 }]] as const) {
      const sums = [jsModelKernels, native!].map((k) => {
        const b5 = new Float64Array(5);
        k.bgnbdSums(bgnbdParamVector(bg), groups, bgnbdXTable(bg, groups.xValues, true), bgnbdDayLogs(bg.alpha, groups.maxDay), true, b5);
        // Without the day table every group takes its two logarithms in the kernel.
        const b5noDays = new Float64Array(5);
        k.bgnbdSums(bgnbdParamVector(bg), groups, bgnbdXTable(bg, groups.xValues, true), new Float64Array(0), true, b5noDays);
        const g4 = new Float64Array(4);
        k.gammaGammaSums(gammaGammaParamVector(g, true), gg, gammaGammaXTable(g, gg.xValues, true), true, g4);
        return [...b5, ...b5noDays, ...g4];
      });
      expect(sums[1]).toEqual(sums[0]);
    }
  });

  test('fit the random base to the serial fit exactly, with identical predictions', () => {
    const serial = fitModels(base, { kernels: jsModelKernels });
    const parallel = fitModels(base, { kernels: native! });
    expect(serial.manifest.bgnbd?.converged && parallel.manifest.bgnbd?.converged).toBe(true);
    expect(parallel.manifest).toEqual(serial.manifest);
    for (const column of ['p_alive', 'expected_purchases_90d', 'expected_aov', 'clv_365d'] as const) {
      expectSameBytes(parallel.columns[column], serial.columns[column], column);
    }
  });

  test('fit the same way every time', () => {
    const one = fitModels(base, { kernels: native! }).manifest;
    const two = fitModels(base, { kernels: nativeModelKernels(binding!, 3)! }).manifest;
    expect(two).toEqual(one);
  });

  test('reject a table index outside the table with a coded error, not a crash', () => {
    const bad = { ...groups, xIndex: Int32Array.from(groups.xIndex, (k, i) => (i === 5 ? 1_000_000 : k)) };
    const out = new Float64Array(5);
    expect(() => native!.bgnbdSums(bgnbdParamVector(bgParams), bad, bgnbdXTable(bgParams, groups.xValues, true), new Float64Array(0), true, out)).toThrow(
      expect.objectContaining({ code: 'SEG_ERR_NATIVE', message: expect.stringMatching(/bgnbdSums: bad argument: xIndex names a row outside the table/) }),
    );
  });
});

describe('a warm start', () => {
  const cold = fitBgNbdGroups(groups);
  const coldGg = fitGammaGamma(x, base.meanRepeatValue);

  it('lands on the cold start parameters in a few iterations from the parameters of a nearby fit', () => {
    expect(cold.converged).toBe(true);
    const near = { r: cold.params.r * 1.02, alpha: cold.params.alpha * 0.97, a: cold.params.a * 1.05, b: cold.params.b * 0.95 };
    const warm = fitBgNbdGroups(groups, { start: near });
    expect(warm.warmStart).toBe(true);
    expect(warm.converged).toBe(true);
    expect(warm.iterations).toBeLessThan(cold.iterations);
    for (const key of ['r', 'alpha', 'a', 'b'] as const) expect(relative(warm.params[key], cold.params[key])).toBeLessThan(1e-5);
    const ggWarm = fitGammaGamma(x, base.meanRepeatValue, { start: { p: coldGg.params.p * 1.01, q: coldGg.params.q * 0.99, v: coldGg.params.v * 1.01 } });
    expect(ggWarm.warmStart).toBe(true);
    expect(ggWarm.iterations).toBeLessThan(coldGg.iterations);
    for (const key of ['p', 'q', 'v'] as const) expect(relative(ggWarm.params[key], coldGg.params[key])).toBeLessThan(1e-5);
  });

  it('gives the cold start parameters from a start too far off to converge from quickly', () => {
    const far = fitGammaGamma(x, base.meanRepeatValue, { start: { p: coldGg.params.p * 50, q: coldGg.params.q / 50, v: coldGg.params.v * 50 } });
    expect(far.converged).toBe(true);
    for (const key of ['p', 'q', 'v'] as const) expect(relative(far.params[key], coldGg.params[key])).toBeLessThan(1e-5);
  });

  it('converges from the exact optimum of another base too (last night against tonight)', () => {
    const other = randomBase(120_000, 12);
    const o = rfm(other);
    const lastNight = fitBgNbdGroups(groupRfm(o.x, o.tx, o.T, other.include));
    const warm = fitBgNbdGroups(groups, { start: lastNight.params });
    expect(warm.converged).toBe(true);
    for (const key of ['r', 'alpha', 'a', 'b'] as const) expect(relative(warm.params[key], cold.params[key])).toBeLessThan(1e-5);
  });

  it('falls back to the cold start from parameters it cannot start from', () => {
    const fit = fitBgNbdGroups(groups, { start: { r: -1, alpha: Number.NaN, a: 1, b: 1 } });
    expect(fit.warmStart).toBe(false);
    expect(fit.params).toEqual(cold.params);
  });

  it('reads only converged fits with positive parameters from a previous manifest', () => {
    const good = { bgnbd: { r: 0.2, alpha: 30, a: 0.8, b: 2.4, converged: true }, gamma_gamma: { p: 6, q: 3.7, v: 15, converged: true } };
    expect(warmStartOf(good).bgnbd).toMatchObject({ r: 0.2, alpha: 30, a: 0.8, b: 2.4 });
    expect(warmStartOf(good).gammaGamma).toMatchObject({ p: 6, q: 3.7, v: 15 });
    expect(warmStartOf({ ...good, bgnbd: { ...good.bgnbd, converged: false } }).bgnbd).toBeUndefined();
    expect(warmStartOf({ ...good, gamma_gamma: { ...good.gamma_gamma, q: '3.7' } }).gammaGamma).toBeUndefined();
    expect(warmStartOf(null)).toEqual({ bgnbd: undefined, gammaGamma: undefined });
    expect(warmStartOf('models')).toEqual({ bgnbd: undefined, gammaGamma: undefined });
  });
});

describe('a coarse fit on a sample first', () => {
  const whole = counting(jsModelKernels);
  const plain = fitBgNbdGroups(groups, { sample: 0, kernels: whole.kernels });
  const coarse = counting(jsModelKernels);
  const fit = fitBgNbdGroups(groups, { sample: 10_000, kernels: coarse.kernels });

  it('samples every k-th customer in group order, as groups of the base', () => {
    const sample = sampleGroups(groups, 10_000)!;
    let total = 0;
    for (let g = 0; g < groups.count; g++) total += groups.weight[g] as number;
    const k = Math.floor(total / 10_000);
    let kept = 0;
    const key = (xv: number, t: number, Tv: number): string => `${xv},${t},${Tv}`;
    const weights = new Map<string, number>();
    for (let g = 0; g < groups.count; g++) weights.set(key(groups.x[g] as number, groups.tx[g] as number, groups.T[g] as number), groups.weight[g] as number);
    for (let j = 0; j < sample.count; j++) {
      const w = sample.weight[j] as number;
      kept += w;
      expect(w).toBeGreaterThan(0);
      expect(w).toBeLessThanOrEqual(weights.get(key(sample.x[j] as number, sample.tx[j] as number, sample.T[j] as number)) ?? 0);
      expect(groups.xValues[sample.xIndex[j] as number]).toBe(sample.x[j]);
    }
    expect(kept).toBe(Math.floor(total / k));
    // A base under four times the sample is fitted whole.
    expect(sampleGroups(groups, total / 3)).toBeNull();
  });

  it('lands on the optimum of the plain fit, in a few evaluations of the whole base', () => {
    expect(plain.converged && fit.converged).toBe(true);
    for (const key of ['r', 'alpha', 'a', 'b'] as const) expect(relative(fit.params[key], plain.params[key])).toBeLessThan(1e-6);
    expect(relative(fit.logLikelihood, plain.logLikelihood)).toBeLessThan(1e-12);
    const wholeEvaluations = coarse.calls.get(groups.count) ?? 0;
    expect(wholeEvaluations).toBeGreaterThan(0);
    expect(wholeEvaluations * 3).toBeLessThan(whole.calls.get(groups.count) ?? 0);
    expect(fit.iterations).toBeLessThan(plain.iterations);
  });

  it('does the same for Gamma-Gamma, sampling every k-th repeat customer', () => {
    const sample = sampleGammaGamma(gg, 10_000)!;
    const k = Math.floor(gg.count / 10_000);
    expect(sample.count).toBe(Math.ceil(gg.count / k));
    for (const j of [0, 1, sample.count - 1]) expect(sample.mx[j]).toBe(gg.mx[j * k]);
    const ggWhole = counting(jsModelKernels);
    const ggPlain = fitGammaGamma(x, base.meanRepeatValue, { sample: 0, kernels: ggWhole.kernels });
    const ggCoarse = counting(jsModelKernels);
    const ggFit = fitGammaGamma(x, base.meanRepeatValue, { sample: 10_000, kernels: ggCoarse.kernels });
    expect(ggPlain.converged && ggFit.converged).toBe(true);
    for (const key of ['p', 'q', 'v'] as const) expect(relative(ggFit.params[key], ggPlain.params[key])).toBeLessThan(1e-6);
    expect(ggCoarse.calls.get(sample.count) ?? 0).toBeGreaterThan(0);
    expect((ggCoarse.calls.get(gg.count) ?? 0) * 2).toBeLessThan(ggWhole.calls.get(gg.count) ?? 0);
  });
});
