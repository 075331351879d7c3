/**
 * The BG/NBD log-likelihood (Fader, Hardie & Lee 2005, eq. 6) and its gradient, summed over a
 * range of customer groups so that a pool of workers can each sum a shard and the optimiser add
 * the shards up. Everything that depends on x alone (the gamma-function ratios) is computed once
 * per distinct x per call; the per-group work is two logarithms and one exponential.
 *
 * Per customer, with A = ln Γ(r+x) − ln Γ(r) + r ln α + ln B(a, b+x) − ln B(a, b):
 *   LL = A + ln( (α+T)^−(r+x) + [x > 0] · a / (b+x−1) · (α+t_x)^−(r+x) )
 */
import { digamma, gammaln } from './special-functions.js';
import type { RfmGroups } from './rfm-groups.js';

/** BG/NBD parameters: purchase rate ~ Gamma(r, α), dropout probability ~ Beta(a, b). */
export interface BgNbdParams {
  /** Shape of the purchase-rate gamma. */
  readonly r: number;
  /** Scale (in periods) of the purchase-rate gamma. */
  readonly alpha: number;
  /** First shape of the dropout beta. */
  readonly a: number;
  /** Second shape of the dropout beta. */
  readonly b: number;
}

/** Entries per distinct x in the table of {@link bgnbdXTable}. */
export const BGNBD_TABLE_WIDTH = 5;

/** Largest x the running sums of {@link bgnbdXTable} go to (the days of 179 years); a larger or fractional x takes log-gamma. */
const RUNNING_SUMS_UP_TO = 65_535;

/**
 * Per distinct x: the constant term A − r ln α, its derivatives in r, a and b (when `withGrad`),
 * and ln(a/(b+x−1)); row k is `table[k·5 … k·5+5)`.
 *
 * Each x-dependent part is a sum of x steps: ln Γ(r+x) − ln Γ(r) = Σ_{k<x} ln(r+k),
 * ln B(a, b+x) − ln B(a, b) = −Σ_{k<x} ln(1 + a/(b+k)), ψ(r+x) − ψ(r) = Σ 1/(r+k),
 * ψ(a+b+x) − ψ(a+b) = Σ 1/(a+b+k) and ψ(b+x) − ψ(b) − that = Σ a/((b+k)(a+b+k)). For integer x
 * (purchase days) they are running sums over k = 0 … max x, shared by every x: two logarithms and
 * three divisions a step once per evaluation, where log-gamma and digamma per distinct x cost ~25
 * logarithms' worth. Compensated (Kahan) sums keep their error at a few ulps of the result, and the
 * beta term no longer cancels (log-gammas of ~10⁴ subtracted to get a·ψ when a → 0).
 */
export function bgnbdXTable(p: BgNbdParams, xValues: Float64Array, withGrad: boolean): Float64Array {
  const maxX = integerBound(xValues);
  const t = new Float64Array(xValues.length * BGNBD_TABLE_WIDTH);
  if (maxX < 0) {
    logGammaRows(p, xValues, withGrad, t);
    return t;
  }
  const sums = runningSums(p, maxX, withGrad);
  const logA = Math.log(p.a);
  for (let k = 0; k < xValues.length; k++) {
    const x = xValues[k] as number;
    const o = k * BGNBD_TABLE_WIDTH;
    const s = x * RUNNING_SUMS_WIDTH;
    t[o] = (sums[s] as number) + (sums[s + 1] as number);
    if (withGrad) {
      t[o + 1] = sums[s + 2] as number;
      t[o + 2] = -(sums[s + 3] as number);
      t[o + 3] = sums[s + 4] as number;
    }
    t[o + 4] = x > 0 ? logA - Math.log(p.b + x - 1) : Number.NEGATIVE_INFINITY;
  }
  return t;
}

/** The largest x when every x is an integer in [0, RUNNING_SUMS_UP_TO], else −1. */
function integerBound(xValues: Float64Array): number {
  let max = 0;
  for (let k = 0; k < xValues.length; k++) {
    const x = xValues[k] as number;
    if (!(x >>> 0 === x && x <= RUNNING_SUMS_UP_TO)) return -1;
    if (x > max) max = x;
  }
  return max;
}

/** Sums per x of {@link runningSums}. */
const RUNNING_SUMS_WIDTH = 5;

/**
 * For x = 0 … maxX, at `[x·5 … x·5+5)`: Σ_{k<x} ln(r+k), −Σ ln(1 + a/(b+k)), and (with `withGrad`)
 * Σ 1/(r+k), Σ 1/(a+b+k), Σ a/((b+k)(a+b+k)), each summed with Kahan's compensation.
 */
function runningSums(p: BgNbdParams, maxX: number, withGrad: boolean): Float64Array {
  const { r, a, b } = p;
  const out = new Float64Array((maxX + 1) * RUNNING_SUMS_WIDTH);
  const sum = new Float64Array(RUNNING_SUMS_WIDTH);
  const carry = new Float64Array(RUNNING_SUMS_WIDTH);
  const term = new Float64Array(RUNNING_SUMS_WIDTH);
  const width = withGrad ? RUNNING_SUMS_WIDTH : 2;
  for (let k = 0; k < maxX; k++) {
    const bk = b + k;
    const abk = a + bk;
    term[0] = Math.log(r + k);
    term[1] = -Math.log1p(a / bk);
    term[2] = 1 / (r + k);
    term[3] = 1 / abk;
    term[4] = a / (bk * abk);
    const o = (k + 1) * RUNNING_SUMS_WIDTH;
    for (let j = 0; j < width; j++) {
      const y = (term[j] as number) - (carry[j] as number);
      const next = (sum[j] as number) + y;
      carry[j] = next - (sum[j] as number) - y;
      sum[j] = next;
      out[o + j] = next;
    }
  }
  return out;
}

/** The rows of {@link bgnbdXTable} from log-gamma and digamma, one x at a time: for x not an integer or beyond RUNNING_SUMS_UP_TO. */
function logGammaRows(p: BgNbdParams, xValues: Float64Array, withGrad: boolean, t: Float64Array): void {
  const { r, a, b } = p;
  const lgR = gammaln(r);
  const lgB = gammaln(b);
  const lgAB = gammaln(a + b);
  const psiR = withGrad ? digamma(r) : 0;
  const psiB = withGrad ? digamma(b) : 0;
  const psiAB = withGrad ? digamma(a + b) : 0;
  for (let k = 0; k < xValues.length; k++) {
    const x = xValues[k] as number;
    const o = k * BGNBD_TABLE_WIDTH;
    t[o] = gammaln(r + x) - lgR + lgAB + gammaln(b + x) - lgB - gammaln(a + b + x);
    if (withGrad) {
      const psiABX = digamma(a + b + x);
      t[o + 1] = digamma(r + x) - psiR;
      t[o + 2] = psiAB - psiABX;
      t[o + 3] = psiAB + digamma(b + x) - psiB - psiABX;
    }
    t[o + 4] = x > 0 ? Math.log(a) - Math.log(b + x - 1) : Number.NEGATIVE_INFINITY;
  }
}

/** ln(α + d) for every day d = 0 … maxDay (integer days), or an empty table when maxDay < 0. */
export function bgnbdDayLogs(alpha: number, maxDay: number): Float64Array {
  const dayLogs = new Float64Array(Math.max(0, maxDay + 1));
  for (let d = 0; d <= maxDay; d++) dayLogs[d] = Math.log(alpha + d);
  return dayLogs;
}

/**
 * The five sums over groups `[from, to)` into `out[at … at+5)`: weight × log-likelihood, then its
 * derivatives in r, α, a and b (zero without `withGrad`). `params` is (r, α, a, b); `table` and
 * `dayLogs` come from {@link bgnbdXTable} and {@link bgnbdDayLogs} at the same parameters. This
 * loop is the reference the native kernel (native/src/model/) repeats operation for operation.
 */
export function bgnbdRangeSums(
  params: Float64Array, data: RfmGroups, table: Float64Array, dayLogs: Float64Array, from: number, to: number, withGrad: boolean, out: Float64Array, at: number,
): void {
  const r = params[0] as number;
  const alpha = params[1] as number;
  const a = params[2] as number;
  const b = params[3] as number;
  const { x, tx, T, weight, xIndex } = data;
  const logAlpha = Math.log(alpha);
  // Integer days: ln(α + d) for every d once, instead of two logarithms per group.
  const useDayLogs = dayLogs.length > 0;
  let ll = 0;
  let gr = 0;
  let gAlpha = 0;
  let ga = 0;
  let gb = 0;
  for (let i = from; i < to; i++) {
    const w = weight[i] as number;
    const xi = x[i] as number;
    const o = (xIndex[i] as number) * BGNBD_TABLE_WIDTH;
    const rx = r + xi;
    const Ti = T[i] as number;
    const alphaT = alpha + Ti;
    const logAT = useDayLogs ? (dayLogs[Ti] as number) : Math.log(alphaT);
    const a3 = -rx * logAT;
    if (xi > 0) {
      const txi = tx[i] as number;
      const alphaTx = alpha + txi;
      const logATx = useDayLogs ? (dayLogs[txi] as number) : Math.log(alphaTx);
      const a4 = (table[o + 4] as number) - rx * logATx;
      // log-sum-exp of a3 and a4; w4 is the share of the "dropped out after the last purchase" term.
      const hi = Math.max(a3, a4);
      const e = Math.exp(-Math.abs(a3 - a4));
      const lse = hi + Math.log1p(e);
      ll += w * ((table[o] as number) + r * logAlpha + lse);
      if (withGrad) {
        const w4 = a4 > a3 ? 1 / (1 + e) : e / (1 + e);
        const w3 = 1 - w4;
        gr += w * ((table[o + 1] as number) + logAlpha - w3 * logAT - w4 * logATx);
        gAlpha += w * (r / alpha - rx * (w3 / alphaT + w4 / alphaTx));
        ga += w * ((table[o + 2] as number) + w4 / a);
        gb += w * ((table[o + 3] as number) - w4 / (b + xi - 1));
      }
    } else {
      ll += w * ((table[o] as number) + r * logAlpha + a3);
      if (withGrad) {
        gr += w * ((table[o + 1] as number) + logAlpha - logAT);
        gAlpha += w * (r / alpha - rx / alphaT);
        ga += w * (table[o + 2] as number);
        gb += w * (table[o + 3] as number);
      }
    }
  }
  out[at] = ll;
  out[at + 1] = gr;
  out[at + 2] = gAlpha;
  out[at + 3] = ga;
  out[at + 4] = gb;
}

/** (r, α, a, b) as the kernels take them. */
export function bgnbdParamVector(p: BgNbdParams): Float64Array {
  return Float64Array.of(p.r, p.alpha, p.a, p.b);
}

/** Writes the gradient in (ln r, ln α, ln a, ln b) from the sums of {@link bgnbdRangeSums}: d/d(ln θ) = θ · d/dθ. */
export function bgnbdLogGradient(p: BgNbdParams, sums: Float64Array, grad: Float64Array): void {
  grad[0] = (sums[1] as number) * p.r;
  grad[1] = (sums[2] as number) * p.alpha;
  grad[2] = (sums[3] as number) * p.a;
  grad[3] = (sums[4] as number) * p.b;
}

/**
 * Sum over groups `[from, to)` of weight × log-likelihood. When `grad` (length 4) is given it is
 * overwritten with the gradient of that sum with respect to (ln r, ln α, ln a, ln b). Sums of
 * disjoint ranges add up to the sum of their union, exactly as in one pass (up to round-off).
 */
export function bgnbdLogLikelihood(
  params: BgNbdParams,
  data: RfmGroups,
  from = 0,
  to: number = data.count,
  grad?: Float64Array,
): number {
  const withGrad = grad !== undefined;
  const sums = new Float64Array(5);
  bgnbdRangeSums(bgnbdParamVector(params), data, bgnbdXTable(params, data.xValues, withGrad), bgnbdDayLogs(params.alpha, data.maxDay), from, to, withGrad, sums, 0);
  if (grad !== undefined) bgnbdLogGradient(params, sums, grad);
  return sums[0] as number;
}
