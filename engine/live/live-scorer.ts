/**
 * Scoring the customers touched by a batch of live rows on the live snapshot's scale: the
 * thresholds in its manifest and its configuration. The touched customers' fields arrive as a
 * CustomerTable made by the batch path's deriveFields, and go through the same functions as the
 * nightly job (applyRfm, the segment rules, tiers, lifecycle, win-back), so a live view and a
 * rescore agree on every rule.
 */
import type { CustomerTable } from '../aggregate/customer-table.js';
import type { Config } from '../config/config-schema.js';
import { bandOfEdges, scoreOf } from '../score/quantile-thresholds.js';
import { applyRfm } from '../score/rfm-scorer.js';
import type { Categorical } from '../segment/categorical.js';
import { assignLifecycle, winBackFlags } from '../segment/lifecycle.js';
import { assignTiers } from '../segment/loyalty-tiers.js';
import { assignSegments } from '../segment/segmenter.js';
import type { Manifest } from '../snapshot/manifest.js';

/** The scale a live update is scored on. */
export interface LiveScale {
  readonly thresholds: Manifest['thresholds'];
  readonly config: Config;
}

/** Scores and classes of the customers of a table, by table row. */
export interface LiveScores {
  readonly r: Uint8Array;
  readonly f: Uint8Array;
  readonly m: Uint8Array;
  readonly segment: Categorical;
  readonly tier: Categorical;
  readonly lifecycle: Categorical;
  readonly band: Uint16Array;
  readonly winBack: Uint8Array;
}

/** What each customer held before (tier grace, `reactivated`); undefined for none. */
export interface PreviousClasses {
  tier(i: number): string | undefined;
  lifecycle(i: number): string | undefined;
}

/** Scores, segments, bands, tiers, lifecycle and win-back of every customer of `table`. */
export function scoreLive(table: CustomerTable, scale: LiveScale, previous: PreviousClasses): LiveScores {
  const n = table.size;
  const f = table.fields;
  const { config, thresholds } = scale;
  const rfm = applyRfm(table, thresholds);
  const nulls = new Float64Array(n).fill(Number.NaN);
  const columns = { ...f, r_score: rfm.r, f_score: rfm.f, m_score: rfm.m, p_alive: nulls, expected_purchases_90d: nulls, expected_aov: nulls, clv_365d: nulls };
  const segment = assignSegments(n, f.orders, rfm, config.segments, thresholds.bins, columns);
  const sb = thresholds.spend_band;
  const bandBy = (f as Record<string, Float64Array>)[sb.by] ?? f.weekly_spend;
  const bandThresholds = Float64Array.from(sb.thresholds);
  // Only 90 and 365 days are kept per customer in a snapshot; another tier window reads the 365-day sum.
  const tierSpend = config.tiers.window_days === 90 ? f.revenue_90d : f.revenue_365d;
  const tier = assignTiers(tierSpend, config.tiers.levels, config.tiers.grace, (i) => previous.tier(i));
  const lifecycle = assignLifecycle(f.orders, f.recency_days, f.tenure_days, config.lifecycle, (i) => previous.lifecycle(i), columns);
  const winBack = winBackFlags(lifecycle, rfm.m, config.win_back.min_m_score);
  const band = new Uint16Array(n);
  for (let i = 0; i < n; i++) {
    band[i] = f.orders[i]! < 1 ? 0 : sb.edges ? bandOfEdges(bandBy[i]!, sb.edges) : scoreOf(bandBy[i]!, bandThresholds);
  }
  return { r: rfm.r, f: rfm.f, m: rfm.m, segment, tier, lifecycle, band, winBack };
}
