/**
 * The models on a base of few, heavy customers (issue 10's run of 10M rows over 10,000 customers:
 * x of 200 to 1,100 each, and a mean spend that barely varies but with how often a customer buys).
 * There the Gamma-Gamma optimum lies at p → ∞: p·x passes 10⁹, where ln Γ(px + q) − ln Γ(px) as
 * the difference of two log-gammas keeps no digit, and the fit spent 500 BFGS iterations and
 * ~20,000 likelihood evaluations on round-off without converging.
 */
import { describe, expect, it } from 'vitest';
import { nativeBinding } from '../../../engine/kernels/native-binding.js';
import { gammaGammaLogLikelihood, prepareGammaGamma } from '../../../engine/model/gamma-gamma-likelihood.js';
import { fitGammaGamma } from '../../../engine/model/gamma-gamma.js';
import { jsModelKernels, type ModelKernels, nativeModelKernels } from '../../../engine/model/model-kernels.js';
import { counting, gammaGammaSumsFromReference, relative } from '../../helpers/model-base.js';
import { mulberry32 } from '../../helpers/random.js';
import { nativeMissing } from '../kernels/kernel-sets.js';

/** `n` repeat customers with x in 200 … 1,089 whose mean spend rises with x (several orders a day) and varies ±10% beside it. */
function heavyEvenSpenders(n: number, seed: number): { x: Float64Array; mx: Float64Array } {
  const u = mulberry32(seed);
  const x = Float64Array.from({ length: n }, () => 200 + Math.floor(u() * 890));
  const mx = Float64Array.from(x, (xi) => 33 * (1 + 3 * (xi / 1000) ** 4) * (1 + 0.2 * (u() - 0.5)));
  return { x, mx };
}

const binding = nativeBinding();
const kernelSets: Array<{ name: string; kernels: ModelKernels | null }> = [
  { name: 'js', kernels: jsModelKernels },
  { name: nativeMissing === null ? 'native' : `native (SKIPPED: ${nativeMissing})`, kernels: binding ? nativeModelKernels(binding) : null },
];

describe('the Gamma-Gamma log-likelihood at p·x past 10⁴', () => {
  it('matches a 60-digit evaluation where the log-gammas are ~10¹³', () => {
    // mpmath at 60 digits: the sum over three customers and its derivatives in ln p, ln q, ln v.
    const data = prepareGammaGamma(Float64Array.of(200, 650, 1089), Float64Array.of(35.5, 48.25, 131));
    const grad = new Float64Array(3);
    const ll = gammaGammaLogLikelihood({ p: 1e10, q: 4.4, v: 1.36e-8 }, data, 0, data.count, grad);
    expect(relative(ll, -16.323152263049312)).toBeLessThan(1e-13);
    expect(relative(grad[0]!, 5.512193295833564)).toBeLessThan(1e-12);
    expect(relative(grad[1]!, -7.366557618363513)).toBeLessThan(1e-12);
    expect(relative(grad[2]!, 5.512193295832716)).toBeLessThan(1e-12);
  });
});

describe.each(kernelSets)('$name model kernels on heavy, even spenders', ({ kernels }) => {
  const test = kernels ? it : it.skip;
  const { x, mx } = heavyEvenSpenders(3000, 5);

  test('sum Gamma-Gamma on both sides of STIRLING_FROM as the one-pass reference does', () => {
    const data = prepareGammaGamma(x, mx);
    // p·x from 2,000 to 10,890 (customers on both sides of STIRLING_FROM), and all far past it.
    for (const params of [{ p: 10, q: 4.4, v: 900 }, { p: 6.6e11, q: 4.4, v: 3.4e-10 }]) {
      const off = gammaGammaSumsFromReference(kernels!, params, data);
      expect(off.ll).toBeLessThan(1e-12);
      expect(off.grad).toBeLessThan(1e-9);
    }
  });

  test('fit Gamma-Gamma in a hundred-odd evaluations, converged (before: 500 iterations, ~22,700 evaluations, not converged)', () => {
    const count = counting(kernels!);
    const fit = fitGammaGamma(x, mx, { kernels: count.kernels });
    expect(fit.converged).toBe(true);
    expect(fit.iterations).toBeLessThan(150);
    expect(count.calls.get(3000) ?? 0).toBeLessThan(250);
    // The optimum is the limit p → ∞ with the population mean p·v/(q − 1) fixed near the spend's.
    expect(fit.params.p).toBeGreaterThan(1e9);
    const populationMean = (fit.params.p * fit.params.v) / (fit.params.q - 1);
    expect(populationMean).toBeGreaterThan(30);
    expect(populationMean).toBeLessThan(80);
  });
});
