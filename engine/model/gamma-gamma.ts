/**
 * Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and CLV"): a customer's transaction
 * values are Gamma(p, ν) with ν ~ Gamma(q, v) across customers. Fitted on repeat customers
 * (x > 0) from their mean repeat value m_x; the conditional expectation follows `lifetimes`'
 * conditional_expected_average_profit. The likelihood is in gamma-gamma-likelihood.ts.
 */
import { clampLogParameters, flatBeyondLimit, LOG_PARAMETER_LIMIT, minimizeCoarseToFine, type Objective, SAMPLE_CUSTOMERS } from './bfgs.js';
import {
  type GammaGammaParams,
  gammaGammaLogGradient,
  gammaGammaParamVector,
  gammaGammaXTable,
  type GammaGammaData,
  prepareGammaGamma,
  sampleGammaGamma,
} from './gamma-gamma-likelihood.js';
import { jsModelKernels, type ModelKernels } from './model-kernels.js';

export type { GammaGammaParams } from './gamma-gamma-likelihood.js';

/** Options of {@link fitGammaGamma}. */
export interface GammaGammaFitOptions {
  /** Convergence: largest |gradient| of the mean log-likelihood in log-parameters. */
  gradientTolerance?: number;
  /** Iteration cap of the optimiser. */
  maxIterations?: number;
  /** Where the likelihood sums run; default: the TypeScript reference on this thread. */
  kernels?: ModelKernels;
  /** Where the optimiser starts (a warm start from an earlier fit); default: p = 1, q = 2, v = mean m_x. */
  start?: GammaGammaParams;
  /** Customers of the sample whose fit finds the start of the whole fit (as bgnbd.ts `sample`); 0 = none. */
  sample?: number;
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
  /** Whether the fit started from `start` (else from the cold start, also when `start` did not converge). */
  warmStart: boolean;
}

/** Fits Gamma-Gamma by maximum likelihood on the repeat customers among (x, m_x). */
export function fitGammaGamma(x: Float64Array, mx: Float64Array, opts: GammaGammaFitOptions = {}): GammaGammaFit {
  const data = prepareGammaGamma(x, mx);
  const n = data.count;
  let meanM = 0;
  for (let i = 0; i < n; i++) meanM += (data.mx[i] as number) / n;
  const kernels = opts.kernels ?? jsModelKernels;
  // Cold: p = 1, q = 2, v = mean m_x, so that the population mean p·v/(q−1) equals the data's.
  const start = opts.start;
  const startable = start !== undefined && [start.p, start.q, start.v].every((v) => v > 0 && Number.isFinite(v) && Math.abs(Math.log(v)) <= LOG_PARAMETER_LIMIT);
  const warm = startable ? [Math.log(start.p), Math.log(start.q), Math.log(start.v)] : null;
  const sample = sampleGammaGamma(data, opts.sample ?? SAMPLE_CUSTOMERS);
  const res = minimizeCoarseToFine(meanObjective(data, kernels), sample ? meanObjective(sample, kernels) : null, [0, Math.log(2), Math.log(Math.max(meanM, 1e-9))], warm, {
    gradientTolerance: opts.gradientTolerance ?? 1e-9,
    maxIterations: opts.maxIterations ?? 500,
  });
  return {
    params: paramsOf(clampLogParameters(res.x)), logLikelihood: -res.value * n, converged: res.converged && n > 0,
    iterations: res.iterations, customers: n, warmStart: res.warm,
  };
}

function paramsOf(th: Float64Array): GammaGammaParams {
  return { p: Math.exp(th[0] as number), q: Math.exp(th[1] as number), v: Math.exp(th[2] as number) };
}

/** Minus the mean log-likelihood of `data` per customer in the log-parameters, with its gradient. */
function meanObjective(data: GammaGammaData, kernels: ModelKernels): Objective {
  const n = data.count;
  const sums = new Float64Array(4);
  return flatBeyondLimit((th, grad) => {
    const p = paramsOf(th);
    kernels.gammaGammaSums(gammaGammaParamVector(p, true), data, gammaGammaXTable(p, data.xValues, true), true, sums);
    gammaGammaLogGradient(p, sums, grad);
    for (let k = 0; k < 3; k++) grad[k] = -(grad[k] as number) / n;
    return -(sums[0] as number) / n;
  });
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
