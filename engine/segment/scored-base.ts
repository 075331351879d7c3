/**
 * A fully scored base: the aggregates and everything the scoring and segmenting stages derive
 * from them, per customer. Defined here, below the snapshot writer that stores it and the
 * rescore that makes it, so neither has to import the other.
 */
import type { CustomerTable } from '../aggregate/customer-table.js';
import type { RfmScores } from '../score/rfm-scorer.js';
import type { Categorical } from './categorical.js';
import type { LostFields } from './lifecycle.js';
import type { SpendBands } from './spend-bands.js';

/** Per-customer predictions (NaN = null). */
export interface Predictions {
  readonly p_alive: Float64Array;
  readonly expected_purchases_90d: Float64Array;
  readonly expected_aov: Float64Array;
  readonly clv_365d: Float64Array;
}

/** The names of the {@link Predictions} columns (fields of the customer row). */
export const PREDICTION_COLUMNS: ReadonlySet<string> = new Set(['p_alive', 'expected_purchases_90d', 'expected_aov', 'clv_365d'] satisfies (keyof Predictions)[]);

/** A fully scored base. */
export interface ScoredBase {
  readonly table: CustomerTable;
  readonly rfm: RfmScores;
  readonly segment: Categorical;
  readonly spendBands: SpendBands;
  readonly tier: Categorical;
  readonly lifecycle: Categorical;
  readonly winBack: Uint8Array;
  /** `lost_at`, `returned_share` and `lost_reason` (DESIGN "Lost customers"). */
  readonly lost: LostFields;
  readonly predictions: Predictions | null;
}
