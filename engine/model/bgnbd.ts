/**
 * BG/NBD ("beta-geometric / negative binomial", Fader, Hardie & Lee 2005): fit by maximum
 * likelihood and per-customer predictions, with the conventions of the `lifetimes` package
 * (x = repeat purchases, t_x = time of the last purchase, T = age, all from the first purchase).
 * The time unit is whatever the inputs use; production passes days.
 */
import { clampLogParameters, flatBeyondLimit, LOG_PARAMETER_LIMIT, minimizeCoarseToFine, type Objective, SAMPLE_CUSTOMERS } from './bfgs.js';
import { bgnbdDayLogs, bgnbdLogGradient, bgnbdParamVector, bgnbdXTable, type BgNbdParams } from './bgnbd-likelihood.js';
import { jsModelKernels, type ModelKernels } from './model-kernels.js';
import { groupRfm, type RfmGroups, sampleGroups } from './rfm-groups.js';
import { Hyp2f1Fixed, hyp2f1 } from './special-functions.js';

export type { BgNbdParams } from './bgnbd-likelihood.js';

/** Options of {@link fitBgNbd}. */
export interface BgNbdFitOptions {
  /** Convergence: largest |gradient| of the mean log-likelihood in log-parameters. */
  gradientTolerance?: number;
  /** Iteration cap of the optimiser. */
  maxIterations?: number;
  /** 1 = include the customer, 0 = leave it out of the fit. */
  include?: Uint8Array;
  /** Where the likelihood sums run; default: the TypeScript reference on this thread. */
  kernels?: ModelKernels;
  /** Where the optimiser starts (a warm start from an earlier fit); default: r = a = b = 1 and α from the purchase rate. */
  start?: BgNbdParams;
  /**
   * Customers of the sample whose fit finds the start of the whole fit (bfgs.ts
   * `minimizeCoarseToFine`); 0 = none. Only a base of at least 4× as many customers is sampled.
   */
  sample?: number;
}

/** A BG/NBD fit. */
export interface BgNbdFit {
  /** The maximum-likelihood parameters (the last iterate when not converged). */
  params: BgNbdParams;
  /** Total log-likelihood at `params`. */
  logLikelihood: number;
  /** Whether the optimiser met its gradient test. */
  converged: boolean;
  /** Optimiser iterations. */
  iterations: number;
  /** Largest |gradient| of the mean log-likelihood in log-parameters at the end. */
  gradientNorm: number;
  /** Customers fitted. */
  customers: number;
  /** Whether the fit started from `start` (else from the cold start, also when `start` did not converge). */
  warmStart: boolean;
}

/** Parameters a fit may start from: positive, finite, and inside the optimiser's box. */
function startable(p: BgNbdParams): boolean {
  return [p.r, p.alpha, p.a, p.b].every((v) => v > 0 && Number.isFinite(v) && Math.abs(Math.log(v)) <= LOG_PARAMETER_LIMIT);
}

/** Fits BG/NBD to grouped data by BFGS on the log-parameters of the mean log-likelihood. */
export function fitBgNbdGroups(data: RfmGroups, opts: Omit<BgNbdFitOptions, 'include'> = {}): BgNbdFit {
  let total = 0;
  let sumX = 0;
  let sumT = 0;
  for (let i = 0; i < data.count; i++) {
    const w = data.weight[i] as number;
    total += w;
    sumX += w * (data.x[i] as number);
    sumT += w * (data.T[i] as number);
  }
  const kernels = opts.kernels ?? jsModelKernels;
  const sample = sampleGroups(data, opts.sample ?? SAMPLE_CUSTOMERS);
  // Cold: r = 1 with α matching the base's mean purchase rate, a = b = 1.
  const alpha0 = sumX > 0 ? Math.max(1e-3, sumT / sumX) : 1;
  const start = opts.start !== undefined && startable(opts.start) ? opts.start : null;
  const warm = start !== null ? [Math.log(start.r), Math.log(start.alpha), Math.log(start.a), Math.log(start.b)] : null;
  const res = minimizeCoarseToFine(meanObjective(data, kernels), sample ? meanObjective(sample, kernels) : null, [0, Math.log(alpha0), 0, 0], warm, {
    gradientTolerance: opts.gradientTolerance ?? 1e-9,
    maxIterations: opts.maxIterations ?? 500,
  });
  return {
    params: paramsOf(clampLogParameters(res.x)), logLikelihood: -res.value * total, converged: res.converged && total > 0,
    iterations: res.iterations, gradientNorm: res.gradientNorm, customers: total, warmStart: res.warm,
  };
}

function paramsOf(th: Float64Array): BgNbdParams {
  return { r: Math.exp(th[0] as number), alpha: Math.exp(th[1] as number), a: Math.exp(th[2] as number), b: Math.exp(th[3] as number) };
}

/** Minus the mean log-likelihood of `data` per customer in the log-parameters, with its gradient. */
function meanObjective(data: RfmGroups, kernels: ModelKernels): Objective {
  let total = 0;
  for (let i = 0; i < data.count; i++) total += data.weight[i] as number;
  const sums = new Float64Array(5);
  return flatBeyondLimit((th, grad) => {
    const p = paramsOf(th);
    kernels.bgnbdSums(bgnbdParamVector(p), data, bgnbdXTable(p, data.xValues, true), bgnbdDayLogs(p.alpha, data.maxDay), true, sums);
    bgnbdLogGradient(p, sums, grad);
    for (let k = 0; k < 4; k++) grad[k] = -(grad[k] as number) / total;
    return -(sums[0] as number) / total;
  });
}

/** Fits BG/NBD by maximum likelihood on per-customer (x, t_x, T). */
export function fitBgNbd(x: Float64Array, tx: Float64Array, T: Float64Array, opts: BgNbdFitOptions = {}): BgNbdFit {
  const { include, ...rest } = opts;
  return fitBgNbdGroups(groupRfm(x, tx, T, include), rest);
}

/** P(alive at T | x, t_x, T); 1 for a customer without repeat purchases (lifetimes' convention). */
export function bgnbdPAlive(params: BgNbdParams, x: number, tx: number, T: number): number {
  if (x <= 0) return 1;
  const { r, alpha, a, b } = params;
  const logOdds = Math.log(a / (b + x - 1)) + (r + x) * Math.log((alpha + T) / (alpha + tx));
  return 1 / (1 + Math.exp(logOdds));
}

/** `a` as the expectation uses it: at a = 1 the formula is 0/0, and a step of 1e-7 off it keeps ~9 significant digits. */
function effectiveA(a: number): number {
  return Math.abs(a - 1) < 1e-7 ? 1 + (a >= 1 ? 1e-7 : -1e-7) : a;
}

/**
 * The 2F1 of {@link bgnbdExpectedIfAlive} for customers with `x` repeat purchases: its
 * parameters do not depend on t or T, so one evaluator (with its cached series ratios) serves
 * every (t, T) of that x and gives bit-identical results.
 */
export function bgnbdSeries(params: BgNbdParams, x: number): Hyp2f1Fixed {
  const { r, b } = params;
  const a = effectiveA(params.a);
  return new Hyp2f1Fixed(a + b - 1 - r, a - 1, a + b + x - 1);
}

/**
 * Expected purchases in (T, T + t] of a customer alive at T (independent of t_x), i.e. E[X(t)] of a new BG/NBD
 * customer with the posterior parameters (r + x, α + T, a, b + x):
 *   (a+b+x−1)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x) · 2F1(r+x, b+x; a+b+x−1; t/(α+T+t))].
 * Euler's transformation folds the power into (1 − z)^(a−1) · 2F1(a+b−1−r, a−1; a+b+x−1; z),
 * which neither overflows for large x nor needs many series terms. `series`, from
 * {@link bgnbdSeries} with the same x, makes repeated calls cheaper.
 */
export function bgnbdExpectedIfAlive(params: BgNbdParams, t: number, x: number, T: number, series?: Hyp2f1Fixed): number {
  const { r, alpha, b } = params;
  const a = effectiveA(params.a);
  if (t <= 0) return 0;
  const z = t / (alpha + T + t);
  const c = a + b + x - 1;
  const f = series !== undefined ? series.at(z) : hyp2f1(a + b - 1 - r, a - 1, c, z);
  return (c / (a - 1)) * (1 - ((alpha + T) / (alpha + T + t)) ** (a - 1) * f);
}

/** E[X(t)]: expected purchases in a period of length t of a customer who has just made its first. */
export function bgnbdExpectedPurchasesNew(params: BgNbdParams, t: number): number {
  return bgnbdExpectedIfAlive(params, t, 0, 0);
}

/** E[purchases in (T, T + t] | x, t_x, T] (lifetimes' conditional_expected_number_of_purchases_up_to_time). */
export function bgnbdExpectedPurchases(params: BgNbdParams, t: number, x: number, tx: number, T: number): number {
  return bgnbdPAlive(params, x, tx, T) * bgnbdExpectedIfAlive(params, t, x, T);
}

/** Vectorised P(alive) and expected purchases over the next `horizon` periods, written into `out`. */
export function bgnbdPredict(
  params: BgNbdParams,
  x: Float64Array,
  tx: Float64Array,
  T: Float64Array,
  horizon: number,
  out: { pAlive: Float64Array; expected: Float64Array },
): void {
  for (let i = 0; i < x.length; i++) {
    const xi = x[i] as number;
    const Ti = T[i] as number;
    const p = bgnbdPAlive(params, xi, tx[i] as number, Ti);
    out.pAlive[i] = p;
    out.expected[i] = p * bgnbdExpectedIfAlive(params, horizon, xi, Ti);
  }
}
