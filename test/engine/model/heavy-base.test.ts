/**
 * The models on a base of few, heavy customers (issue 10's run of 10M rows over 10,000 customers:
 * x of 200 to 1,100 each, and a mean spend that barely varies but with how often a customer buys).
 * There the Gamma-Gamma optimum lies at p → ∞: p·x passes 10⁹, where ln Γ(px + q) − ln Γ(px) as
 * the difference of two log-gammas keeps no digit, and the fit spent 500 BFGS iterations and
 * ~20,000 likelihood evaluations on round-off without converging. BG/NBD's optimum there has
 * a → 0 (nobody drops out), where its table's beta terms were differences of log-gammas too.
 */
import { describe, expect, it } from 'vitest';
import { nativeBinding } from '../../../engine/kernels/native-binding.js';
import { BGNBD_TABLE_WIDTH, bgnbdXTable } from '../../../engine/model/bgnbd-likelihood.js';
import { fitBgNbd } from '../../../engine/model/bgnbd.js';
import { fitModels } from '../../../engine/model/fit-models.js';
import { gammaGammaLogLikelihood, prepareGammaGamma } from '../../../engine/model/gamma-gamma-likelihood.js';
import { fitGammaGamma } from '../../../engine/model/gamma-gamma.js';
import { jsModelKernels, type ModelKernels, nativeModelKernels } from '../../../engine/model/model-kernels.js';
import { counting, gammaGammaSumsFromReference, randomModelBase, relative } from '../../helpers/model-base.js';
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

describe('the BG/NBD table of running sums over x', () => {
  it('matches mpmath up to x = 1,094, also where a → 0 left the log-gamma differences nothing', () => {
    // [r, a, b, x, A − r ln α, ψ(r+x) − ψ(r), ψ(a+b) − ψ(a+b+x), ψ(a+b) + ψ(b+x) − ψ(b) − ψ(a+b+x)], mpmath at 50 digits.
    // The first three: the 10k-customer base's BG/NBD fit, a at 1.3e-13.
    const cases: number[][] = [
      [8.9, 1.3e-13, 1255.8, 1, 2.186051276738094, 0.11235955056179775, -0.000796305144131231, 8.243324473408189e-20],
      [8.9, 1.3e-13, 1255.8, 5, 11.901114534598847, 0.4666657641282932, -0.00397519980989268, 4.108580711396076e-19],
      [8.9, 1.3e-13, 1255.8, 1094, 6610.709750155357, 4.876424168500295, -0.6267428047082672, 4.8225265244911876e-17],
      [1.54, 0.00274, 9.064, 1, 0.43148016731481653, 0.6493506493506493, -0.11029322556949907, 0.00003334106774717867],
      [1.54, 0.00274, 9.064, 5, 5.851735837514234, 1.7263070448015105, -0.4593937045441026, 0.00011763752855339548],
      [1.54, 0.00274, 9.064, 1094, 6569.672174896748, 6.925312512366322, -4.85694250506922, 0.000317046027277583],
      [0.2426, 0.7929, 2.4258, 1, -1.6991574669082172, 4.122011541632316, -0.3106844378165098, 0.10155070110673205],
      [0.2426, 0.7929, 2.4258, 5, 1.321497614144322, 5.916785760940544, -1.0386772975931884, 0.23133557873274746],
      [0.2426, 0.7929, 2.4258, 1094, 6554.288166374461, 11.355722559987564, -5.99441205388067, 0.3388365297720212],
    ];
    for (const [r, a, b, x, ...want] of cases as [number, number, number, number, ...number[]][]) {
      // x among others, so the sums run past it.
      const table = bgnbdXTable({ r, alpha: 1, a, b }, Float64Array.of(0, x, 1100), true);
      for (let k = 0; k < 4; k++) expect(relative(table[BGNBD_TABLE_WIDTH + k]!, want[k]!), `r ${r}, x ${x}, entry ${k}`).toBeLessThan(1e-15);
      expect(table[BGNBD_TABLE_WIDTH + 4]).toBe(Math.log(a) - Math.log(b + x - 1));
    }
  });

  it('agrees with the log-gamma rows that a fractional x takes', () => {
    const params = { r: 1.54, alpha: 177, a: 0.00274, b: 9.064 };
    const integers = Float64Array.from({ length: 1100 }, (_, i) => (i * 7) % 1100);
    // One fractional x sends the whole table down the log-gamma path.
    const direct = bgnbdXTable(params, Float64Array.of(...integers, 2.5), true);
    const summed = bgnbdXTable(params, integers, true);
    for (let i = 0; i < summed.length; i++) {
      const k = i % BGNBD_TABLE_WIDTH;
      // The b derivative is a difference of four digammas of ~ln 1100 each there: 1e-10 is its error, not the sums'.
      expect(relative(summed[i]!, direct[i]!), `row ${Math.floor(i / BGNBD_TABLE_WIDTH)}, entry ${k}`).toBeLessThan(k === 3 ? 1e-10 : 1e-13);
    }
  });
});

describe('a BG/NBD fit on a base nobody leaves (a → 0, as on the 10k-customer base)', () => {
  // Shapes whose fit stalled at 500 iterations with the exact table alone: BFGS's inverse Hessian
  // grows along the flat a direction, and steps out of the box (NaN) or along it left r and α
  // unconverged (bfgs.ts flatBeyondLimit and the restart of H).
  it.each([
    [3, 10_000, 2, 1],
    [3, 10_000, 1, 2],
    [4, 10_000, 2, 1],
    [5, 3_000, 3, 1],
  ])('converges (seed %i, %i customers, rate span %d, power %d)', (seed, n, rateSpan, ratePower) => {
    const base = randomModelBase(n, seed, { days: 1100, rateSpan, ratePower, dropMin: 0, dropSpan: 0 });
    const bg = fitModels(base).manifest.bgnbd!;
    expect(bg.converged).toBe(true);
    expect(bg.iterations).toBeLessThan(150);
    expect(bg.a).toBeLessThan(1e-9);
    // The next rescore starts from it and is done at once.
    const again = fitModels(base, { warmStart: { bgnbd: { r: bg.r, alpha: bg.alpha, a: bg.a, b: bg.b } } }).manifest.bgnbd!;
    expect(again.converged).toBe(true);
    expect(again.iterations).toBeLessThan(5);
  });

  it('starts warm from a fit that rests on the bound, a = e^−30 (the 10k-customer base\'s)', () => {
    const base = randomModelBase(10_000, 3, { days: 1100, rateSpan: 2, ratePower: 1, dropMin: 0, dropSpan: 0 });
    const n = base.purchaseDays.length;
    const x = Float64Array.from(base.purchaseDays, (d) => d - 1);
    const tx = Float64Array.from({ length: n }, (_, i) => base.lastDay[i]! - base.firstDay[i]!);
    const T = Float64Array.from(base.firstDay, (first) => base.asOfDay - first);
    const cold = fitBgNbd(x, tx, T, { include: base.include });
    const warm = fitBgNbd(x, tx, T, { include: base.include, start: { ...cold.params, a: Math.exp(-30) } });
    expect(warm.warmStart).toBe(true);
    expect(warm.converged).toBe(true);
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
