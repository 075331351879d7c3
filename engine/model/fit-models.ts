/**
 * The one entry point the engine calls: from per-customer aggregates (purchase days, first and
 * last purchase day, mean repeat value) to fitted BG/NBD and Gamma-Gamma models and the four
 * prediction columns. Too little data or a fit that does not converge yields warnings and NaN
 * (null) predictions, never an exception: a rescore must not fail because a model cannot be fitted.
 */
import { bgnbdExpectedIfAlive, bgnbdSeries, fitBgNbdGroups, type BgNbdFit, type BgNbdParams } from './bgnbd.js';
import { clvSchedule, discountedPurchasesIfAlive } from './clv.js';
import { fitGammaGamma, gammaGammaExpectedAov, type GammaGammaFit, type GammaGammaParams } from './gamma-gamma.js';
import type { CustomerPredictor, ModelKernels } from './model-kernels.js';
import { groupRfm, indexPairs, indexValues, type RfmGroups } from './rfm-groups.js';

/** Per-customer aggregates, one entry per customer; days are `day(ts)` numbers. */
export interface ModelInput {
  /** Distinct purchase days (x = purchaseDays − 1). */
  purchaseDays: Uint32Array | Float64Array;
  /** Day of the first purchase. */
  firstDay: Int32Array | Float64Array;
  /** Day of the last purchase. */
  lastDay: Int32Array | Float64Array;
  /** day(as_of). */
  asOfDay: number;
  /** Mean of the daily purchase totals after the first purchase day; NaN when x = 0. */
  meanRepeatValue: Float64Array;
  /** 1 = the customer has orders >= 1 and takes part; 0 = left out (all predictions NaN). */
  include?: Uint8Array;
}

/** Options of {@link fitModels}. */
export interface ModelOptions {
  /** CLV horizon in days. */
  horizonDays?: number;
  /** Annual discount rate of the CLV. */
  annualDiscountRate?: number;
  /** Fewer repeat customers than this and no model is fitted. */
  minRepeatCustomers?: number;
  /** Where the likelihood sums run (model-kernels.ts); default: the TypeScript reference. */
  kernels?: ModelKernels;
  /**
   * Parameters of an earlier converged fit (the live snapshot's) to start the optimiser from:
   * the same optimum within the optimiser's tolerance, in fewer iterations.
   */
  warmStart?: { bgnbd?: BgNbdParams | undefined; gammaGamma?: GammaGammaParams | undefined };
  /**
   * Fits made elsewhere on the whole base (a cluster's coordinator fits every shard's merged
   * groups, engine/cluster/shard-stats.ts): this input's customers are predicted with them and
   * nothing is fitted here. `repeatCustomers` is the whole base's, judged instead of this input's.
   */
  fitted?: { repeatCustomers: number; bgnbd: BgNbdFit | null; gammaGamma: GammaGammaFit | null };
}

/** BG/NBD parameters as stored in the snapshot manifest. */
export interface BgNbdManifest {
  r: number;
  alpha: number;
  a: number;
  b: number;
  period: 'day';
  log_likelihood: number;
  converged: boolean;
  iterations: number;
}

/** Gamma-Gamma parameters as stored in the snapshot manifest. */
export interface GammaGammaManifest {
  p: number;
  q: number;
  v: number;
  log_likelihood: number;
  converged: boolean;
  customers: number;
}

/** What {@link fitModels} returns; a null model was not fitted (too little data). */
export interface ModelResult {
  /** Parameters for the snapshot manifest. */
  manifest: { bgnbd: BgNbdManifest | null; gamma_gamma: GammaGammaManifest | null };
  /** Human-readable reasons why predictions are missing. */
  warnings: string[];
  /** One value per customer; NaN = null. */
  columns: { p_alive: Float64Array; expected_purchases_90d: Float64Array; expected_aov: Float64Array; clv_365d: Float64Array };
}

/** Days over which `expected_purchases_90d` counts. */
const PURCHASE_HORIZON_DAYS = 90;

function bgnbdManifest(fit: BgNbdFit): BgNbdManifest {
  const { r, alpha, a, b } = fit.params;
  return {
    r, alpha, a, b, period: 'day', log_likelihood: fit.logLikelihood,
    converged: fit.converged, iterations: fit.iterations,
  };
}

function gammaGammaManifest(fit: GammaGammaFit): GammaGammaManifest {
  const { p, q, v } = fit.params;
  return { p, q, v, log_likelihood: fit.logLikelihood, converged: fit.converged, customers: fit.customers };
}

/** Fits BG/NBD and Gamma-Gamma on the whole base and predicts p_alive, purchases, AOV and CLV. */
export function fitModels(input: ModelInput, opts: ModelOptions = {}): ModelResult {
  const horizonDays = opts.horizonDays ?? 365;
  const annualDiscountRate = opts.annualDiscountRate ?? 0.1;
  const minRepeat = opts.minRepeatCustomers ?? 50;
  const n = input.purchaseDays.length;
  const x = new Float64Array(n);
  const tx = new Float64Array(n);
  const T = new Float64Array(n);
  const include = new Uint8Array(n);
  let repeatCustomers = 0;
  for (let i = 0; i < n; i++) {
    const days = input.purchaseDays[i] as number;
    if ((input.include !== undefined && input.include[i] === 0) || !(days >= 1)) continue;
    const first = input.firstDay[i] as number;
    x[i] = days - 1;
    tx[i] = (input.lastDay[i] as number) - first;
    T[i] = input.asOfDay - first;
    include[i] = 1;
    if (days > 1) repeatCustomers++;
  }
  // Every entry is written below (NaN where there is no prediction), so no fill is needed.
  const columns = {
    p_alive: new Float64Array(n),
    expected_purchases_90d: new Float64Array(n),
    expected_aov: new Float64Array(n),
    clv_365d: new Float64Array(n),
  };
  const warnings: string[] = [];
  const manifest: ModelResult['manifest'] = { bgnbd: null, gamma_gamma: null };
  const repeatOfBase = opts.fitted?.repeatCustomers ?? repeatCustomers;
  if (repeatOfBase < minRepeat) {
    warnings.push(
      `models: ${repeatOfBase} repeat customers, fewer than the ${minRepeat} needed to fit BG/NBD and Gamma-Gamma; predictions are null`,
    );
    for (const column of Object.values(columns)) column.fill(Number.NaN);
    return { manifest, warnings, columns };
  }

  const groups = groupRfm(x, tx, T, include, opts.kernels?.groupPacked);
  const kernels = opts.kernels;
  const bg = opts.fitted?.bgnbd ?? fitBgNbdGroups(groups, { ...(kernels ? { kernels } : {}), ...(opts.warmStart?.bgnbd ? { start: opts.warmStart.bgnbd } : {}) });
  manifest.bgnbd = bgnbdManifest(bg);
  const bgOk = bg.converged;
  if (!bgOk) {
    warnings.push(
      `models: BG/NBD did not converge after ${bg.iterations} iterations (gradient ${bg.gradientNorm.toExponential(2)}); p_alive, expected_purchases_90d and clv_365d are null`,
    );
  }

  const gg = opts.fitted?.gammaGamma ?? fitGammaGamma(x, input.meanRepeatValue, { ...(kernels ? { kernels } : {}), ...(opts.warmStart?.gammaGamma ? { start: opts.warmStart.gammaGamma } : {}) });
  let ggOk = false;
  if (gg.customers < minRepeat) {
    warnings.push(
      `models: ${gg.customers} repeat customers with a positive mean repeat value, fewer than the ${minRepeat} needed to fit Gamma-Gamma; expected_aov and clv_365d are null`,
    );
  } else {
    manifest.gamma_gamma = gammaGammaManifest(gg);
    ggOk = gg.converged && gg.params.q > 1;
    if (!gg.converged) {
      warnings.push(`models: Gamma-Gamma did not converge after ${gg.iterations} iterations; expected_aov and clv_365d are null`);
    } else if (!ggOk) {
      warnings.push(`models: Gamma-Gamma q = ${gg.params.q} <= 1 (infinite mean order value); expected_aov and clv_365d are null`);
    }
  }

  // BG/NBD predictions are P(alive | x, t_x, T) times a quantity that depends on (x, T) alone:
  // the costly 2F1 series run once per distinct (x, T) pair, with one cached-ratio evaluator
  // per distinct x, and P(alive) once per group.
  // Interleaved per group (P(alive), expected, discounted): the loop over customers below reads
  // its group's three at random, one cache line instead of three.
  const perGroup = new Float64Array(3 * groups.count);
  if (bgOk) predictGroups(bg.params, groups, ggOk ? clvSchedule({ horizonDays, annualDiscountRate }) : null, perGroup);
  (kernels?.predictCustomers ?? predictCustomers)(groups.groupOf, perGroup, x, input.meanRepeatValue, gg.params, bgOk, ggOk, columns);
  return { manifest, warnings, columns };
}

/**
 * Per group k, into `out[3k … 3k+3)`: P(alive), expected purchases in 90 days and (with a
 * schedule) discounted purchases over the CLV horizon, each bit-identical to `bgnbdPAlive`,
 * `bgnbdExpectedPurchases` and `discountedPurchases` on the group's (x, t_x, T).
 */
function predictGroups(
  params: BgNbdParams,
  groups: RfmGroups,
  schedule: { ends: Float64Array; discounts: Float64Array } | null,
  out: Float64Array,
): void {
  const pairs = indexPairs(groups.x, groups.T);
  const pairX = indexValues(pairs.x);
  const pairExpected = new Float64Array(pairs.count);
  const pairDiscounted = new Float64Array(pairs.count);
  predictPairs(params, pairX.xValues, pairX.xIndex, pairs.T, PURCHASE_HORIZON_DAYS, schedule, pairExpected, pairDiscounted);
  // ln(a / (b + x − 1)) of bgnbdPAlive, once per distinct x.
  const logRatio = Float64Array.from(groups.xValues, (xv) => Math.log(params.a / (params.b + xv - 1)));
  const { r, alpha } = params;
  for (let k = 0; k < groups.count; k++) {
    const xk = groups.x[k] as number;
    let p = 1;
    if (xk > 0) {
      const T = groups.T[k] as number;
      const logOdds = (logRatio[groups.xIndex[k] as number] as number) + (r + xk) * Math.log((alpha + T) / (alpha + (groups.tx[k] as number)));
      p = 1 / (1 + Math.exp(logOdds));
    }
    const j = pairs.index[k] as number;
    out[3 * k] = p;
    out[3 * k + 1] = p * (pairExpected[j] as number);
    out[3 * k + 2] = p * (pairDiscounted[j] as number);
  }
}

/**
 * For each pair j (x = `xValues[xIndex[j]]`, age `T[j]`): `expected[j]` = bgnbd.ts
 * `bgnbdExpectedIfAlive` over `purchaseHorizon`, and `discounted[j]` = clv.ts
 * `discountedPurchasesIfAlive` over `schedule` (left as it is without one): the costly 2F1 series
 * once per distinct (x, T) pair, with one cached-ratio evaluator per distinct x (bgnbd.ts
 * `bgnbdSeries`). It stays in TypeScript for both kernel sets: a Rust twin measured 2x faster
 * (~50 ms at 1M customers) but needs libm's `pow`, which rounds differently from V8's `**` in
 * about one case in ten, and the native and TypeScript kernel sets must write identical snapshots.
 */
function predictPairs(
  params: BgNbdParams, xValues: Float64Array, xIndex: Int32Array, T: Float64Array, purchaseHorizon: number,
  schedule: { ends: Float64Array; discounts: Float64Array } | null, expected: Float64Array, discounted: Float64Array,
): void {
  const series = Array.from(xValues, (xv) => bgnbdSeries(params, xv));
  for (let j = 0; j < T.length; j++) {
    const xj = xValues[xIndex[j] as number] as number;
    const Tj = T[j] as number;
    const f = series[xIndex[j] as number];
    expected[j] = bgnbdExpectedIfAlive(params, purchaseHorizon, xj, Tj, f);
    if (schedule !== null) discounted[j] = discountedPurchasesIfAlive(params, xj, Tj, schedule, f);
  }
}

/** The TypeScript reference of model-kernels.ts `CustomerPredictor`. */
export const predictCustomers: CustomerPredictor = (groupOf, perGroup, x, meanRepeatValue, ggParams, bgOk, ggOk, columns) => {
  const nan = Number.NaN;
  // Hoisted out of the loop over a million customers.
  const { p_alive: pAliveOut, expected_purchases_90d: expectedOut, expected_aov: aovOut, clv_365d: clvOut } = columns;
  for (let i = 0; i < groupOf.length; i++) {
    const k = groupOf[i] as number;
    if (k < 0) {
      pAliveOut[i] = nan;
      expectedOut[i] = nan;
      aovOut[i] = nan;
      clvOut[i] = nan;
      continue;
    }
    pAliveOut[i] = bgOk ? (perGroup[3 * k] as number) : nan;
    expectedOut[i] = bgOk ? (perGroup[3 * k + 1] as number) : nan;
    const aov = ggOk ? gammaGammaExpectedAov(ggParams, x[i] as number, meanRepeatValue[i] as number) : nan;
    aovOut[i] = aov;
    clvOut[i] = ggOk && bgOk ? aov * (perGroup[3 * k + 2] as number) : nan;
  }
};
