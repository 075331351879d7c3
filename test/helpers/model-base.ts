/**
 * Random customer bases for the model tests, drawn from the BG/NBD process itself: from a first
 * purchase, purchases at a rate λ a day and a chance of dropping out after each. Seeded
 * (random.ts), so a base is the same on every run. And the relative difference fits are compared by,
 * kernels that count their evaluations, and a kernel set's sums against the one-pass reference.
 */
import type { ModelInput } from '../../engine/model/fit-models.js';
import { type GammaGammaData, type GammaGammaParams, gammaGammaLogLikelihood, gammaGammaParamVector, gammaGammaXTable } from '../../engine/model/gamma-gamma-likelihood.js';
import type { ModelKernels } from '../../engine/model/model-kernels.js';
import { mulberry32 } from './random.js';

/** How a base is drawn, `u` uniform in [0, 1): T = ⌊u · days⌋, λ = 0.002 + rateSpan · u^ratePower, drop-out chance dropMin + dropSpan · u. */
export interface BaseShape {
  readonly days: number;
  readonly rateSpan: number;
  readonly ratePower: number;
  readonly dropMin: number;
  readonly dropSpan: number;
}

/** A base as the rescore hands it to fitModels (Float64 columns), with about 1% of customers left out. */
export type ModelBase = ModelInput & { purchaseDays: Float64Array; firstDay: Float64Array; lastDay: Float64Array; include: Uint8Array };

/** `n` customers of `shape` from `seed`, as of day 20,000. */
export function randomModelBase(n: number, seed: number, shape: BaseShape): ModelBase {
  const u = mulberry32(seed);
  const asOfDay = 20_000;
  const purchaseDays = new Float64Array(n);
  const firstDay = new Float64Array(n);
  const lastDay = new Float64Array(n);
  const meanRepeatValue = new Float64Array(n);
  const include = new Uint8Array(n).fill(1);
  for (let i = 0; i < n; i++) {
    const T = Math.floor(u() * shape.days);
    const rate = 0.002 + shape.rateSpan * u() ** shape.ratePower;
    const drop = shape.dropMin + shape.dropSpan * u();
    let t = 0;
    let x = 0;
    let tx = 0;
    for (;;) {
      t += -Math.log(1 - u()) / rate;
      if (t > T) break;
      const day = Math.floor(t);
      if (day > tx) {
        x++;
        tx = day;
      }
      if (u() < drop) break;
    }
    purchaseDays[i] = x + 1;
    firstDay[i] = asOfDay - T;
    lastDay[i] = asOfDay - T + tx;
    meanRepeatValue[i] = x > 0 ? 5 + 200 * u() * u() : Number.NaN;
    if (u() < 0.01) include[i] = 0;
  }
  return { purchaseDays, firstDay, lastDay, asOfDay, meanRepeatValue, include };
}

/** |a − b| over the larger magnitude; 0 when they are equal (infinities and zeros too). */
export function relative(a: number, b: number): number {
  return a === b ? 0 : Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b));
}

/** Kernels that count the evaluations over each data set they are given, by its row count. */
export function counting(inner: ModelKernels): { kernels: ModelKernels; calls: Map<number, number> } {
  const calls = new Map<number, number>();
  const seen = (rows: number): void => {
    calls.set(rows, (calls.get(rows) ?? 0) + 1);
  };
  return {
    calls,
    kernels: {
      name: inner.name,
      bgnbdSums(params, data, table, dayLogs, withGrad, out) {
        seen(data.count);
        inner.bgnbdSums(params, data, table, dayLogs, withGrad, out);
      },
      gammaGammaSums(params, data, table, withGrad, out) {
        seen(data.count);
        inner.gammaGammaSums(params, data, table, withGrad, out);
      },
    },
  };
}

/**
 * How far `kernels`' Gamma-Gamma sums over `data` at `params` are from the one-pass TypeScript
 * reference (gamma-gamma-likelihood.ts `gammaGammaLogLikelihood`): the relative difference of the
 * log-likelihood and the largest of the gradient's, in log-parameters.
 */
export function gammaGammaSumsFromReference(kernels: ModelKernels, params: GammaGammaParams, data: GammaGammaData): { ll: number; grad: number } {
  const out = new Float64Array(4);
  kernels.gammaGammaSums(gammaGammaParamVector(params, true), data, gammaGammaXTable(params, data.xValues, true), true, out);
  const grad = new Float64Array(3);
  const ll = gammaGammaLogLikelihood(params, data, 0, data.count, grad);
  const scale = [params.p, params.q, params.v];
  let worst = 0;
  for (let k = 0; k < 3; k++) worst = Math.max(worst, relative((out[k + 1] as number) * (scale[k] as number), grad[k] as number));
  return { ll: relative(out[0] as number, ll), grad: worst };
}
