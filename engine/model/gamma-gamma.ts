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
  const keepX: number[] = [];
  const keepM: number[] = [];
  for (let i = 0; i < x.length; i++) {
    const xi = x[i] as number;
    const mi = mx[i] as number;
    if (xi > 0 && Number.isFinite(xi) && mi > 0 && Number.isFinite(mi)) {
      keepX.push(xi);
      keepM.push(mi);
    }
  }
  const xs = Float64Array.from(keepX);
  const m = Float64Array.from(keepM);
  const { xIndex, xValues } = indexValues(xs);
  return { count: xs.length, x: xs, mx: m, logMx: m.map(Math.log), xIndex, xValues };
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
  const constant = -gammaln(q) + q * Math.log(v);
  const psiQ = grad !== undefined ? digamma(q) : 0;
  const logV = Math.log(v);
  const { x, mx, logMx, xIndex } = data;
  let ll = 0;
  let gp = 0;
  let gq = 0;
  let gv = 0;
  for (let i = from; i < to; i++) {
    const xi = x[i] as number;
    const k = xIndex[i] as number;
    const px = p * xi;
    const lm = logMx[i] as number;
    const s = xi * (mx[i] as number) + v;
    const logS = Math.log(s);
    const logX = Math.log(xi);
    ll += (lg[k] as number) + constant + (px - 1) * lm + px * logX - (px + q) * logS;
    if (grad !== undefined) {
      gp += xi * ((dp[k] as number) + lm + logX - logS);
      gq += (dq[k] as number) - psiQ + logV - logS;
      gv += q / v - (px + q) / s;
    }
  }
  if (grad !== undefined) {
    grad[0] = gp * p;
    grad[1] = gq * q;
    grad[2] = gv * v;
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
