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

/** Rows of the per-x table: constant term and d/dr, d/da, d/db of it, and ln(a/(b+x−1)). */
const TABLE_WIDTH = 5;

function xTable(p: BgNbdParams, xValues: Float64Array, withGrad: boolean): Float64Array {
  const { r, a, b } = p;
  const t = new Float64Array(xValues.length * TABLE_WIDTH);
  const lgR = gammaln(r);
  const lgB = gammaln(b);
  const lgAB = gammaln(a + b);
  const psiR = withGrad ? digamma(r) : 0;
  const psiB = withGrad ? digamma(b) : 0;
  const psiAB = withGrad ? digamma(a + b) : 0;
  for (let k = 0; k < xValues.length; k++) {
    const x = xValues[k] as number;
    const o = k * TABLE_WIDTH;
    t[o] = gammaln(r + x) - lgR + lgAB + gammaln(b + x) - lgB - gammaln(a + b + x);
    if (withGrad) {
      const psiABX = digamma(a + b + x);
      t[o + 1] = digamma(r + x) - psiR;
      t[o + 2] = psiAB - psiABX;
      t[o + 3] = psiAB + digamma(b + x) - psiB - psiABX;
    }
    t[o + 4] = x > 0 ? Math.log(a) - Math.log(b + x - 1) : Number.NEGATIVE_INFINITY;
  }
  return t;
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
  const { r, alpha, a, b } = params;
  const withGrad = grad !== undefined;
  const table = xTable(params, data.xValues, withGrad);
  const { x, tx, T, weight, xIndex } = data;
  const logAlpha = Math.log(alpha);
  // Integer days: ln(α + d) for every d once, instead of two logarithms per group.
  const dayLogs = new Float64Array(data.maxDay + 1);
  for (let d = 0; d <= data.maxDay; d++) dayLogs[d] = Math.log(alpha + d);
  const useDayLogs = data.maxDay >= 0;
  let ll = 0;
  let gr = 0;
  let gAlpha = 0;
  let ga = 0;
  let gb = 0;
  for (let i = from; i < to; i++) {
    const w = weight[i] as number;
    const xi = x[i] as number;
    const o = (xIndex[i] as number) * TABLE_WIDTH;
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
  if (grad !== undefined) {
    // Chain rule to log-parameters: d/d(ln θ) = θ · d/dθ.
    grad[0] = gr * r;
    grad[1] = gAlpha * alpha;
    grad[2] = ga * a;
    grad[3] = gb * b;
  }
  return ll;
}
