/**
 * Rescoring the customers touched by a batch of live rows on the live snapshot's scale: the
 * thresholds in its manifest and its configuration. The touched customers become a small
 * columnar table and go through the same functions as the nightly job (applyRfm, the segment
 * rules, tiers, lifecycle, win-back), so a live view and a rescore agree on every rule.
 */
import type { CustomerTable } from '../aggregate/customer-table.js';
import type { Config } from '../config/config-schema.js';
import { bandOfEdges, scoreOf } from '../score/quantile-thresholds.js';
import { applyRfm } from '../score/rfm-scorer.js';
import { nameOf } from '../segment/categorical.js';
import { assignLifecycle, winBackFlags } from '../segment/lifecycle.js';
import { assignTiers } from '../segment/loyalty-tiers.js';
import { assignSegments } from '../segment/segmenter.js';
import type { Manifest } from '../snapshot/manifest.js';
import type { LiveCustomer } from './live-customer.js';

/** The scale a live update is scored on. */
export interface LiveScale {
  readonly thresholds: Manifest['thresholds'];
  readonly config: Config;
  readonly asOfMs: number;
}

/** Recomputes fields, scores and classes of `customers` and stores them on each (the view is built on lookup). */
export function scoreLive(customers: readonly LiveCustomer[], scale: LiveScale): void {
  const n = customers.length;
  const col = () => new Float64Array(n);
  const f = {
    orders: col(), purchase_days: col(), first_purchase_at: col(), last_purchase_at: col(), revenue: col(), returns: col(),
    returned_amount: col(), margin: col(), revenue_90d: col(), revenue_365d: col(), recency_days: col(), tenure_days: col(),
    aov: col(), weekly_spend: col(),
  };
  const derived = customers.map((c) => c.derive(scale.asOfMs));
  customers.forEach((c, i) => {
    const d = derived[i]!;
    const none = c.orders === 0;
    f.orders[i] = c.orders;
    f.purchase_days[i] = c.purchaseDays;
    f.first_purchase_at[i] = none ? Number.NaN : c.firstTs;
    f.last_purchase_at[i] = none ? Number.NaN : c.lastTs;
    f.revenue[i] = c.revenue;
    f.returns[i] = c.returns;
    f.returned_amount[i] = c.returnedAmount;
    f.margin[i] = c.margin;
    f.revenue_90d[i] = d.revenue_90d;
    f.revenue_365d[i] = d.revenue_365d;
    f.recency_days[i] = d.recency_days;
    f.tenure_days[i] = d.tenure_days;
    f.aov[i] = d.aov;
    f.weekly_spend[i] = d.weekly_spend;
  });
  const table: CustomerTable = {
    size: n,
    customerId: customers.map((c) => c.id),
    asOfMs: scale.asOfMs,
    asOfDay: 0,
    fields: f,
    windows: new Map([[90, f.revenue_90d], [365, f.revenue_365d]]),
    meanRepeatValue: col(),
  };
  const { config, thresholds } = scale;
  const rfm = applyRfm(table, thresholds);
  const nulls = col().fill(Number.NaN);
  const columns = { ...f, r_score: rfm.r, f_score: rfm.f, m_score: rfm.m, p_alive: nulls, expected_purchases_90d: nulls, expected_aov: nulls, clv_365d: nulls };
  const segment = assignSegments(n, f.orders, rfm, config.segments, thresholds.bins, columns);
  const sb = thresholds.spend_band;
  const bandBy = (f as Record<string, Float64Array>)[sb.by] ?? f.weekly_spend;
  const bandThresholds = Float64Array.from(sb.thresholds);
  // Only 90 and 365 days are kept per customer in a snapshot; another tier window reads the 365-day sum.
  const tierSpend = config.tiers.window_days === 90 ? f.revenue_90d : f.revenue_365d;
  const tier = assignTiers(tierSpend, config.tiers.levels, config.tiers.grace, (i) => customers[i]!.previous.tier);
  const lifecycle = assignLifecycle(f.orders, f.recency_days, f.tenure_days, config.lifecycle, (i) => customers[i]!.previous.lifecycle, columns);
  const winBack = winBackFlags(lifecycle, rfm.m, config.win_back.min_m_score);

  customers.forEach((c, i) => {
    const band = f.orders[i]! < 1 ? 0 : sb.edges ? bandOfEdges(bandBy[i]!, sb.edges) : scoreOf(bandBy[i]!, bandThresholds);
    const placement = {
      segment: nameOf(segment, i),
      tier: nameOf(tier, i),
      lifecycle: nameOf(lifecycle, i),
      band,
      winBack: winBack[i] === 1,
      revenue: f.revenue[i]!,
      weeklySpend: f.weekly_spend[i]!,
    };
    c.derived = derived[i]!;
    c.r = rfm.r[i]!;
    c.f = rfm.f[i]!;
    c.m = rfm.m[i]!;
    c.placement = placement;
  });
}
