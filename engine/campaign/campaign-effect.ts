/**
 * A group's means over its members and the difference-in-differences between participants and
 * control (DESIGN "Campaigns"): `did = mean_delta(T) - mean_delta(K)`, `se = sqrt(var_T / n_T +
 * var_K / n_K)` with the sample variance (n - 1) of `delta = spend_C - spend_P`, the 95% interval
 * `did ± 1.96 se` and the incremental revenue `did * n_T`. Every mean and share is over the
 * group's size: a member without any transaction counts with zero spend and no orders.
 */
import { MONEY_SCALE } from '../aggregate/money.js';
import { WINDOW_C, WINDOW_P, type WindowTotals } from './window-totals.js';

/** One group's numbers (the keys of DESIGN's JSON). */
export interface GroupStats {
  readonly customers: number;
  /** Members with no transaction at all in the input (counted with zero spend). */
  readonly participants_without_history: number;
  readonly mean_spend_P: number;
  readonly mean_spend_C: number;
  readonly mean_delta: number;
  readonly share_active_P: number;
  readonly share_active_C: number;
  readonly orders_per_customer_P: number;
  readonly orders_per_customer_C: number;
}

/** The effect of the campaign on participants' spend, over the control's. */
export interface CampaignEffect {
  readonly did: number;
  /** null when a group has fewer than 2 customers. */
  readonly se: number | null;
  readonly ci95: [number, number] | null;
  readonly incremental_revenue: number;
}

/** A group's numbers plus the sample variance of its deltas (money²; NaN below 2 members). */
export interface GroupSummary {
  readonly stats: GroupStats;
  readonly varianceDelta: number;
}

/** The numbers of a group whose members are customer numbers of `totals` (-1: no transaction at all). */
export function summarizeGroup(members: Int32Array, totals: WindowTotals): GroupSummary {
  const n = members.length;
  const [spendP, spendC] = [totals.spend[WINDOW_P], totals.spend[WINDOW_C]];
  const [ordersP, ordersC] = [totals.orders[WINDOW_P], totals.orders[WINDOW_C]];
  let without = 0;
  let sumP = 0;
  let sumC = 0;
  let activeP = 0;
  let activeC = 0;
  let nOrdersP = 0;
  let nOrdersC = 0;
  for (const c of members) {
    if (c < 0) {
      without++;
      continue;
    }
    // Units are integers below 2^53, so these sums are exact whatever the order.
    sumP += spendP[c]!;
    sumC += spendC[c]!;
    nOrdersP += ordersP[c]!;
    nOrdersC += ordersC[c]!;
    if (ordersP[c]! >= 1) activeP++;
    if (ordersC[c]! >= 1) activeC++;
  }
  // Two passes for the variance: the mean first, then squared distances from it (no cancellation).
  const meanDeltaUnits = (sumC - sumP) / n;
  let squares = 0;
  for (const c of members) {
    const delta = c < 0 ? 0 : spendC[c]! - spendP[c]!;
    squares += (delta - meanDeltaUnits) ** 2;
  }
  const stats: GroupStats = {
    customers: n,
    participants_without_history: without,
    mean_spend_P: sumP / n / MONEY_SCALE,
    mean_spend_C: sumC / n / MONEY_SCALE,
    mean_delta: meanDeltaUnits / MONEY_SCALE,
    share_active_P: activeP / n,
    share_active_C: activeC / n,
    orders_per_customer_P: nOrdersP / n,
    orders_per_customer_C: nOrdersC / n,
  };
  return { stats, varianceDelta: n >= 2 ? squares / (n - 1) / MONEY_SCALE ** 2 : Number.NaN };
}

/** The difference-in-differences of participants `t` over control `k`. */
export function campaignEffect(t: GroupSummary, k: GroupSummary): CampaignEffect {
  const did = t.stats.mean_delta - k.stats.mean_delta;
  const incremental_revenue = did * t.stats.customers;
  if (Number.isNaN(t.varianceDelta) || Number.isNaN(k.varianceDelta)) return { did, se: null, ci95: null, incremental_revenue };
  const se = Math.sqrt(t.varianceDelta / t.stats.customers + k.varianceDelta / k.stats.customers);
  return { did, se, ci95: [did - 1.96 * se, did + 1.96 * se], incremental_revenue };
}

/**
 * Warnings when the groups were not alike before the campaign (share active in P more than 10
 * points apart, or mean spend in P more than 25% apart): the difference in differences assumes
 * both groups would have moved alike without the campaign, which a group chosen by recent
 * activity (the default control) often breaks.
 */
export function comparabilityWarnings(t: GroupStats, k: GroupStats): string[] {
  const activeGap = Math.abs(t.share_active_P - k.share_active_P) > 0.1;
  const low = Math.min(t.mean_spend_P, k.mean_spend_P);
  const high = Math.max(t.mean_spend_P, k.mean_spend_P);
  const spendGap = high > 0 && (low <= 0 || high / low > 1.25);
  if (!activeGap && !spendGap) return [];
  const pct = (x: number) => `${(x * 100).toFixed(0)}%`;
  return [
    `participants and control differ before the campaign (active in P: ${pct(t.share_active_P)} against ${pct(k.share_active_P)}; mean spend in P: ${t.mean_spend_P.toFixed(2)} against ${k.mean_spend_P.toFixed(2)}): the difference in differences assumes both would have moved alike without the campaign; a randomized --control judges it best`,
  ];
}
