/**
 * Customer lifetime value over a horizon: the BG/NBD purchase stream priced by the Gamma-Gamma
 * expected order value and discounted, in 30-day steps, as lifetimes' customer_lifetime_value
 * does (see docs/models.md for the formula and why):
 *
 *   clv = aov · Σ_{k=1..K} (E[X(t_k)] − E[X(t_{k−1})]) · (1 + d)^(−t_k / 365)
 *   t_k = min(30k, H),  K = ceil(H / 30),  t_0 = 0
 *
 * with E[X(t)] the expected purchases in (T, T + t] given (x, t_x, T), H the horizon in days and
 * d the annual discount rate. Each step's purchases are discounted from the step's end.
 */
import { bgnbdExpectedIfAlive, bgnbdPAlive, type BgNbdParams } from './bgnbd.js';
import type { Hyp2f1Fixed } from './special-functions.js';

/** Options of {@link clv}. */
export interface ClvOptions {
  /** Horizon in days (the model's period must be the day). */
  horizonDays: number;
  /** Annual discount rate, e.g. 0.1 for 10 %. */
  annualDiscountRate: number;
  /** Length of a discounting step in days; 30 like lifetimes' monthly steps. */
  stepDays?: number;
}

/** Step ends t_k and their discount factors (1 + d)^(−t_k/365), shared by every customer. */
export function clvSchedule(opts: ClvOptions): { ends: Float64Array; discounts: Float64Array } {
  const step = opts.stepDays ?? 30;
  const k = Math.max(0, Math.ceil(opts.horizonDays / step));
  const ends = new Float64Array(k);
  const discounts = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    const t = Math.min((i + 1) * step, opts.horizonDays);
    ends[i] = t;
    discounts[i] = (1 + opts.annualDiscountRate) ** (-t / 365);
  }
  return { ends, discounts };
}

/**
 * Σ_k (E[X(t_k)] − E[X(t_{k−1})]) · discount_k for a customer alive at T. The conditional
 * expectation is P(alive) times this, and it depends on (x, T) only, so callers holding many
 * customers compute it once per distinct (x, T) pair, with one `series` (`bgnbdSeries`) per x.
 */
export function discountedPurchasesIfAlive(
  params: BgNbdParams,
  x: number,
  T: number,
  schedule: { ends: Float64Array; discounts: Float64Array },
  series?: Hyp2f1Fixed,
): number {
  let previous = 0;
  let sum = 0;
  for (let k = 0; k < schedule.ends.length; k++) {
    const e = bgnbdExpectedIfAlive(params, schedule.ends[k] as number, x, T, series);
    sum += (e - previous) * (schedule.discounts[k] as number);
    previous = e;
  }
  return sum;
}

/** Discounted expected purchases over the horizon given (x, t_x, T): CLV per unit order value. */
export function discountedPurchases(
  params: BgNbdParams,
  x: number,
  tx: number,
  T: number,
  schedule: { ends: Float64Array; discounts: Float64Array },
): number {
  return bgnbdPAlive(params, x, tx, T) * discountedPurchasesIfAlive(params, x, T, schedule);
}

/** CLV of one customer given its expected order value; NaN when `aov` is NaN. */
export function clvOne(
  params: BgNbdParams,
  x: number,
  tx: number,
  T: number,
  aov: number,
  schedule: { ends: Float64Array; discounts: Float64Array },
): number {
  if (Number.isNaN(aov)) return Number.NaN;
  return aov * discountedPurchases(params, x, tx, T, schedule);
}

/** Vectorised CLV over customers (x, t_x, T in days) with their expected order values; writes `out`. */
export function clv(
  params: BgNbdParams,
  x: Float64Array,
  tx: Float64Array,
  T: Float64Array,
  expectedAov: Float64Array,
  opts: ClvOptions,
  out: Float64Array,
): void {
  const schedule = clvSchedule(opts);
  for (let i = 0; i < x.length; i++) {
    out[i] = clvOne(params, x[i] as number, tx[i] as number, T[i] as number, expectedAov[i] as number, schedule);
  }
}
