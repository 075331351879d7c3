/**
 * From finalized aggregates to everything a snapshot holds per customer: R/F/M scores, segment,
 * spend band, loyalty tier, lifecycle, win-back flag (and predictions when the models ran).
 */
import type { CustomerTable } from '../aggregate/customer-table.js';
import type { Config } from '../config/config-schema.js';
import { scoreRfm, type ThresholdsFn } from '../score/rfm-scorer.js';
import { scoreColumn } from '../score/score-column.js';
import { assignLifecycle, lostFields, returnedShares, winBackFlags } from '../segment/lifecycle.js';
import { assignTiers } from '../segment/loyalty-tiers.js';
import { type NumericColumns, assignSegments } from '../segment/segmenter.js';
import { assignSpendBands } from '../segment/spend-bands.js';
import type { Predictions, ScoredBase } from '../segment/scored-base.js';

export type { Predictions, ScoredBase } from '../segment/scored-base.js';

/** What the previous snapshot said of a customer, for tier grace and `reactivated`. */
export interface PreviousState {
  tier(c: number): string | undefined;
  lifecycle(c: number): string | undefined;
}


/**
 * Scores, segments and classifies every customer of `table`; `thresholdsOf`: the kernel set's
 * (default: the TypeScript sort); `engine`'s kernel applies the thresholds (score-column.ts).
 */
export function scoreBase(
  table: CustomerTable,
  config: Config,
  previous: PreviousState | null,
  predictions: Predictions | null,
  thresholdsOf?: ThresholdsFn,
  engine: 'js' | 'native' = 'js',
): ScoredBase {
  const fields = table.fields;
  const score = scoreColumn(engine);
  const rfm = scoreRfm(table, config.scores.bins, thresholdsOf, score);
  const columns: NumericColumns = {
    ...fields,
    r_score: rfm.r,
    f_score: rfm.f,
    m_score: rfm.m,
    ...(predictions ?? {}),
  };
  const segment = assignSegments(table.size, fields.orders, rfm, config.segments, config.scores.bins, columns);
  const sb = config.spend_bands;
  const spendBands = assignSpendBands(fields[sb.by as keyof typeof fields], fields.orders, fields.revenue, fields.weekly_spend, {
    by: sb.by,
    quantiles: sb.quantiles,
    edges: sb.edges,
    scoreColumn: score,
    ...(thresholdsOf ? { thresholdsOf } : {}),
  });
  const tierSpend = table.windows.get(config.tiers.window_days)!;
  const tier = assignTiers(tierSpend, config.tiers.levels, config.tiers.grace, previous ? (c) => previous.tier(c) : null);
  const lifecycle = assignLifecycle(
    fields.orders,
    fields.recency_days,
    fields.tenure_days,
    config.lifecycle,
    previous ? (c) => previous.lifecycle(c) : null,
    columns,
  );
  const winBack = winBackFlags(lifecycle, rfm.m, config.win_back.min_m_score);
  const returned_share = returnedShares(fields.revenue, fields.returned_amount);
  const lostAt = lostFields(lifecycle, fields.last_purchase_at, table.asOfDay, config.lifecycle.lapsed_days, config.lost_reasons, { ...columns, returned_share });
  return { table, rfm, segment, spendBands, tier, lifecycle, winBack, lost: { ...lostAt, returned_share }, predictions };
}
