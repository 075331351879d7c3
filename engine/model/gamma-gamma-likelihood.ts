/**
 * The Gamma-Gamma log-likelihood and its gradient, summed over a range of repeat customers so that
 * shards can be summed apart (engine/model/model-kernels.ts) and added up. Everything that depends
 * on x alone (the gamma-function terms, ln x) is computed once per distinct x per call.
 *
 * Per customer: LL = ln Γ(px+q) − ln Γ(px) − ln Γ(q) + q ln v + (px−1) ln m_x + px ln x
 *                    − (px+q) ln(x m_x + v)
 *
 * From px = STIRLING_FROM on, px (ln m_x + ln x − ln(x m_x + v)) is written −px ln(1 + v/(x m_x)):
 * the three logarithms are each ~ln(x m_x), their sum is tiny, and times a px of 10⁹ (the fit of a
 * base whose customers' mean spend barely varies, where p runs off to infinity) their round-off
 * alone moved the log-likelihood in its third digit.
 */
import { indexValues } from './rfm-groups.js';
import { digamma, digammaDifference, gammaln, gammalnRatio, STIRLING_FROM } from './special-functions.js';

/** Gamma-Gamma parameters. */
export interface GammaGammaParams {
  /** Shape of the per-transaction value gamma. */
  readonly p: number;
  /** Shape of the gamma of the customers' rate parameter ν. */
  readonly q: number;
  /** Scale of the gamma of ν. */
  readonly v: number;
}

/** Repeat customers prepared for the likelihood: x > 0 and m_x > 0 only. */
export interface GammaGammaData {
  /** Customers. */
  readonly count: number;
  /** Repeat purchases. */
  readonly x: Float64Array;
  /** Mean repeat value. */
  readonly mx: Float64Array;
  /** ln m_x, precomputed once. */
  readonly logMx: Float64Array;
  /** Index of each x in `xValues`. */
  readonly xIndex: Int32Array;
  /** Distinct x values. */
  readonly xValues: Float64Array;
}

/** Keeps the customers the model is defined for (x > 0, finite m_x > 0). */
export function prepareGammaGamma(x: Float64Array, mx: Float64Array): GammaGammaData {
  // One pass keeps the customers (x > 0, finite m_x > 0: x − x is 0 only for finite x) into
  // full-length columns; the shorter views below are what the fit reads.
  const n = x.length;
  const xs = new Float64Array(n);
  const m = new Float64Array(n);
  let count = 0;
  for (let i = 0; i < n; i++) {
    const xi = x[i] as number;
    const mi = mx[i] as number;
    if (!(xi > 0 && mi > 0 && xi - xi === 0 && mi - mi === 0)) continue;
    xs[count] = xi;
    m[count++] = mi;
  }
  const logMx = new Float64Array(count);
  for (let j = 0; j < count; j++) logMx[j] = Math.log(m[j] as number);
  const kept = xs.subarray(0, count);
  const { xIndex, xValues } = indexValues(kept);
  return { count, x: kept, mx: m.subarray(0, count), logMx, xIndex, xValues };
}

/**
 * Every k-th customer of `data` (k = ⌊count / customers⌋, from the first): a deterministic sample
 * for the coarse fit of gamma-gamma.ts. Null when `data` is not at least 4× `customers`.
 */
export function sampleGammaGamma(data: GammaGammaData, customers: number): GammaGammaData | null {
  if (!(customers > 0) || data.count < 4 * customers) return null;
  const k = Math.floor(data.count / customers);
  const count = Math.ceil(data.count / k);
  const x = new Float64Array(count);
  const mx = new Float64Array(count);
  const logMx = new Float64Array(count);
  const xIndex = new Int32Array(count);
  for (let j = 0, i = 0; j < count; j++, i += k) {
    x[j] = data.x[i] as number;
    mx[j] = data.mx[i] as number;
    logMx[j] = data.logMx[i] as number;
    xIndex[j] = data.xIndex[i] as number;
  }
  return { count, x, mx, logMx, xIndex, xValues: data.xValues };
}

/** Entries per distinct x in the table of {@link gammaGammaXTable}. */
export const GAMMA_GAMMA_TABLE_WIDTH = 4;

/** Per distinct x: ln Γ(px+q) − ln Γ(px), ψ(px+q) − ψ(px) and ψ(px+q) (when `withGrad`), ln x. */
export function gammaGammaXTable(params: GammaGammaParams, xValues: Float64Array, withGrad: boolean): Float64Array {
  const { p, q } = params;
  const t = new Float64Array(xValues.length * GAMMA_GAMMA_TABLE_WIDTH);
  for (let k = 0; k < xValues.length; k++) {
    const x = xValues[k] as number;
    const px = p * x;
    const o = k * GAMMA_GAMMA_TABLE_WIDTH;
    t[o] = gammalnRatio(px, q);
    if (withGrad) {
      t[o + 1] = digammaDifference(px, q);
      t[o + 2] = digamma(px + q);
    }
    t[o + 3] = Math.log(x);
  }
  return t;
}

/** (p, q, v, −ln Γ(q) + q ln v, ψ(q), ln v): what the per-customer loop needs of the parameters. */
export function gammaGammaParamVector(params: GammaGammaParams, withGrad: boolean): Float64Array {
  const { p, q, v } = params;
  return Float64Array.of(p, q, v, -gammaln(q) + q * Math.log(v), withGrad ? digamma(q) : 0, Math.log(v));
}

/**
 * The four sums over customers `[from, to)` into `out[at … at+4)`: the log-likelihood and its
 * derivatives in p, q and v (zero without `withGrad`). `params` is {@link gammaGammaParamVector}
 * and `table` {@link gammaGammaXTable} at the same parameters. The native kernel
 * (native/src/model/) repeats this loop operation for operation.
 */
export function gammaGammaRangeSums(
  params: Float64Array, data: GammaGammaData, table: Float64Array, from: number, to: number, withGrad: boolean, out: Float64Array, at: number,
): void {
  const p = params[0] as number;
  const q = params[1] as number;
  const v = params[2] as number;
  const constant = params[3] as number;
  const psiQ = params[4] as number;
  const logV = params[5] as number;
  const { x, mx, logMx, xIndex } = data;
  let ll = 0;
  let gp = 0;
  let gq = 0;
  let gv = 0;
  for (let i = from; i < to; i++) {
    const xi = x[i] as number;
    const o = (xIndex[i] as number) * GAMMA_GAMMA_TABLE_WIDTH;
    const px = p * xi;
    const lm = logMx[i] as number;
    const xm = xi * (mx[i] as number);
    const s = xm + v;
    const logS = Math.log(s);
    if (px >= STIRLING_FROM) {
      // ln m_x + ln x − ln s without its cancellation (see the top of this file).
      const gap = -Math.log1p(v / xm);
      ll += (table[o] as number) + constant - lm + px * gap - q * logS;
      if (withGrad) gp += xi * ((table[o + 1] as number) + gap);
    } else {
      const logX = table[o + 3] as number;
      ll += (table[o] as number) + constant + (px - 1) * lm + px * logX - (px + q) * logS;
      if (withGrad) gp += xi * ((table[o + 1] as number) + lm + logX - logS);
    }
    if (withGrad) {
      gq += (table[o + 2] as number) - psiQ + logV - logS;
      gv += q / v - (px + q) / s;
    }
  }
  out[at] = ll;
  out[at + 1] = gp;
  out[at + 2] = gq;
  out[at + 3] = gv;
}

/** Writes the gradient in (ln p, ln q, ln v) from the sums of {@link gammaGammaRangeSums}. */
export function gammaGammaLogGradient(params: GammaGammaParams, sums: Float64Array, grad: Float64Array): void {
  grad[0] = (sums[1] as number) * params.p;
  grad[1] = (sums[2] as number) * params.q;
  grad[2] = (sums[3] as number) * params.v;
}

/**
 * Sum over customers `[from, to)` of the log-likelihood; `grad` (length 3), when given, is
 * overwritten with its gradient with respect to (ln p, ln q, ln v). Shards add up to the whole.
 */
export function gammaGammaLogLikelihood(
  params: GammaGammaParams,
  data: GammaGammaData,
  from = 0,
  to: number = data.count,
  grad?: Float64Array,
): number {
  const withGrad = grad !== undefined;
  const sums = new Float64Array(4);
  gammaGammaRangeSums(gammaGammaParamVector(params, withGrad), data, gammaGammaXTable(params, data.xValues, withGrad), from, to, withGrad, sums, 0);
  if (grad !== undefined) gammaGammaLogGradient(params, sums, grad);
  return sums[0] as number;
}
