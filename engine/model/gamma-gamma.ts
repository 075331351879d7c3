/**
 * Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and CLV"): a customer's transaction
 * values are Gamma(p, ν) with ν ~ Gamma(q, v) across customers. Fitted on repeat customers
 * (x > 0) from their mean repeat value m_x; the conditional expectation follows `lifetimes`'
 * conditional_expected_average_profit.
 *
 * Per customer: LL = ln Γ(px+q) − ln Γ(px) − ln Γ(q) + q ln v + (px−1) ln m_x + px ln x
 *                    − (px+q) ln(x m_x + v)
 */
import { minimizeBfgs } from './bfgs.js';
import { indexValues } from './rfm-groups.js';
import { digamma, gammaln } from './special-functions.js';

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
  /** x · m_x, precomputed once. */
  readonly xMx: Float64Array;
  /** x · (ln m_x + ln x), the parameter-free part of the p-terms, precomputed once. */
  readonly xLogXMx: Float64Array;
  /** Index of each x in `xValues`. */
  readonly xIndex: Int32Array;
  /** Distinct x values. */
  readonly xValues: Float64Array;
}

/** Options of {@link fitGammaGamma}. */
export interface GammaGammaFitOptions {
  /** Convergence: largest |gradient| of the mean log-likelihood in log-parameters. */
  gradientTolerance?: number;
  /** Iteration cap of the optimiser. */
  maxIterations?: number;
}

/** A Gamma-Gamma fit. */
export interface GammaGammaFit {
  /** The maximum-likelihood parameters (the last iterate when not converged). */
  params: GammaGammaParams;
  /** Total log-likelihood at `params`. */
  logLikelihood: number;
  /** Whether the optimiser met its gradient test. */
  converged: boolean;
  /** Optimiser iterations. */
  iterations: number;
  /** Repeat customers fitted (x > 0 and m_x > 0). */
  customers: number;
}

/** Keeps the customers the model is defined for (x > 0, finite m_x > 0). */
export function prepareGammaGamma(x: Float64Array, mx: Float64Array): GammaGammaData {
  let count = 0;
  for (let i = 0; i < x.length; i++) if (keeps(x[i] as number, mx[i] as number)) count++;
  const xs = new Float64Array(count);
  const m = new Float64Array(count);
  const logMx = new Float64Array(count);
  const xMx = new Float64Array(count);
  const xLogXMx = new Float64Array(count);
  let j = 0;
  for (let i = 0; i < x.length; i++) {
    const xi = x[i] as number;
    const mi = mx[i] as number;
    if (!keeps(xi, mi)) continue;
    const lm = Math.log(mi);
    xs[j] = xi;
    m[j] = mi;
    logMx[j] = lm;
    xMx[j] = xi * mi;
    xLogXMx[j++] = xi * (lm + Math.log(xi));
  }
  const { xIndex, xValues } = indexValues(xs);
  return { count, x: xs, mx: m, logMx, xMx, xLogXMx, xIndex, xValues };
}

function keeps(x: number, mx: number): boolean {
  return x > 0 && Number.isFinite(x) && mx > 0 && Number.isFinite(mx);
}

/**
 * Sum over customers `[from, to)` of the log-likelihood; `grad` (length 3), when given, is
 * overwritten with its gradient with respect to (ln p, ln q, ln v). Shards add up to the whole.
 *
 * The per-customer terms are regrouped into sums so that only ln(x m_x + v) and its reciprocal
 * depend on the parameters per customer (one `log` and one division each):
 *   Σ LL = Σ [G(x) − ln Γ(q) + q ln v − ln m_x] + p Σ x(ln m_x + ln x) − p Σ x L − q Σ L,
 *   L = ln(x m_x + v),  G(x) = ln Γ(px+q) − ln Γ(px) (per distinct x).
 */
export function gammaGammaLogLikelihood(
  params: GammaGammaParams,
  data: GammaGammaData,
  from = 0,
  to: number = data.count,
  grad?: Float64Array,
): number {
  const { p, q, v } = params;
  const nx = data.xValues.length;
  // Per distinct x: ln Γ(px+q) − ln Γ(px), and ψ(px+q) − ψ(px), ψ(px+q) for the gradient.
  const lg = new Float64Array(nx);
  const dp = new Float64Array(nx);
  const dq = new Float64Array(nx);
  for (let k = 0; k < nx; k++) {
    const px = p * (data.xValues[k] as number);
    lg[k] = gammaln(px + q) - gammaln(px);
    if (grad !== undefined) {
      const psi = digamma(px + q);
      dp[k] = psi - digamma(px);
      dq[k] = psi;
    }
  }
  const logV = Math.log(v);
  const { x, logMx, xMx, xLogXMx, xIndex } = data;
  let sLg = 0;
  let sXDp = 0;
  let sDq = 0;
  let sLm = 0;
  let sXl = 0;
  let sXL = 0;
  let sL = 0;
  let sXInv = 0;
  let sInv = 0;
  for (let i = from; i < to; i++) {
    const xi = x[i] as number;
    const k = xIndex[i] as number;
    const s = (xMx[i] as number) + v;
    const L = Math.log(s);
    sLg += lg[k] as number;
    sLm += logMx[i] as number;
    sXl += xLogXMx[i] as number;
    sXL += xi * L;
    sL += L;
    if (grad !== undefined) {
      const inv = 1 / s;
      sXDp += xi * (dp[k] as number);
      sDq += dq[k] as number;
      sXInv += xi * inv;
      sInv += inv;
    }
  }
  const n = Math.max(0, to - from);
  const ll = sLg + n * (q * logV - gammaln(q)) - sLm + p * sXl - p * sXL - q * sL;
  if (grad !== undefined) {
    grad[0] = (sXDp + sXl - sXL) * p;
    grad[1] = (sDq - n * digamma(q) + n * logV - sL) * q;
    grad[2] = (n * q / v - p * sXInv - q * sInv) * v;
  }
  return ll;
}

const LOG_LIMIT = 30;

/** Fits Gamma-Gamma by maximum likelihood on the repeat customers among (x, m_x). */
export function fitGammaGamma(x: Float64Array, mx: Float64Array, opts: GammaGammaFitOptions = {}): GammaGammaFit {
  const data = prepareGammaGamma(x, mx);
  const n = data.count;
  let meanM = 0;
  for (let i = 0; i < n; i++) meanM += (data.mx[i] as number) / n;
  const toParams = (th: Float64Array): GammaGammaParams => ({
    p: Math.exp(th[0] as number), q: Math.exp(th[1] as number), v: Math.exp(th[2] as number),
  });
  const g = new Float64Array(3);
  const objective = (th: Float64Array, grad: Float64Array): number => {
    for (let k = 0; k < 3; k++) if (Math.abs(th[k] as number) > LOG_LIMIT) return Number.NaN;
    const ll = gammaGammaLogLikelihood(toParams(th), data, 0, n, g);
    for (let k = 0; k < 3; k++) grad[k] = -(g[k] as number) / n;
    return -ll / n;
  };
  // Start at p = 1, q = 2, v = mean m_x: the population mean p·v/(q−1) then equals the data's.
  const res = minimizeBfgs(objective, [0, Math.log(2), Math.log(Math.max(meanM, 1e-9))], {
    gradientTolerance: opts.gradientTolerance ?? 1e-9,
    maxIterations: opts.maxIterations ?? 500,
  });
  return {
    params: toParams(res.x), logLikelihood: -res.value * n, converged: res.converged && n > 0,
    iterations: res.iterations, customers: n,
  };
}

/**
 * E[mean transaction value | x, m_x]: a credibility-weighted mix of the population mean
 * p·v/(q−1) and the customer's own m_x. For x = 0 (or no usable m_x) it is the population mean;
 * NaN when q <= 1 (the population mean is infinite).
 */
export function gammaGammaExpectedAov(params: GammaGammaParams, x: number, mx: number): number {
  const { p, q, v } = params;
  if (!(q > 1)) return Number.NaN;
  const populationMean = (p * v) / (q - 1);
  if (!(x > 0) || !(mx > 0) || !Number.isFinite(mx)) return populationMean;
  const weight = (p * x) / (p * x + q - 1);
  return (1 - weight) * populationMean + weight * mx;
}
