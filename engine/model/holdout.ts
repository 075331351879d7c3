/**
 * Model checks (DESIGN "Predictions"): the holdout calibration lifetimes users plot, and
 * warnings for fits that converged but say something implausible (degenerate-fit.ts).
 *
 * Holdout (`models.holdout_days = N > 0`): BG/NBD is fitted again on the base as it was at the
 * end of the calibration period (`as_of - N days`) and predicts each of those customers'
 * purchases (distinct purchase days, as the model counts them) in the N holdout days; the
 * customers are grouped by their calibration frequency (`x = purchase_days - 1`: 0..9 and 10+)
 * and each group's mean predicted and mean actual purchases are stored with their mean absolute
 * error over the groups (and over customers).
 */
import type { CustomerTable } from '../aggregate/customer-table.js';
import { dayOf } from '../parse/parse-timestamp.js';
import { bgnbdExpectedIfAlive, bgnbdPAlive, bgnbdSeries } from './bgnbd.js';
import { type BgNbdManifest, fitModels } from './fit-models.js';

/** Frequency groups of the calibration table: 0..9 and the last one for 10 and more. */
export const HOLDOUT_GROUPS = 11;

/** One row of the calibration table. */
export interface CalibrationRow {
  /** `"0"` .. `"9"`, `"10+"`. */
  readonly frequency: string;
  readonly customers: number;
  /** Mean predicted purchases (distinct days) in the holdout days. */
  readonly predicted: number;
  /** Mean actual purchases (distinct days) in the holdout days. */
  readonly actual: number;
}

/** What the manifest stores under `models.holdout`. */
export interface HoldoutCheck {
  readonly days: number;
  /** Last day of the calibration period (`YYYY-MM-DD`). */
  readonly calibration_end: string;
  /** Customers with a purchase by the end of the calibration period. */
  readonly customers: number;
  /** The calibration fit; null when none could be made (too few repeat customers). */
  readonly bgnbd: BgNbdManifest | null;
  readonly table: CalibrationRow[];
  /** Mean over the non-empty groups of |predicted - actual|. */
  readonly mean_absolute_error: number | null;
  /** Mean over customers of |predicted - actual|. */
  readonly mean_absolute_error_customers: number | null;
  /** Total predicted and actual purchases of the holdout days. */
  readonly predicted_total: number;
  readonly actual_total: number;
}

/**
 * The holdout check of a base: `full` is the base at `as_of`, `calibration` the same inputs
 * aggregated up to the end of day `as_of - days`. Returns the check and its warnings.
 */
export function holdoutCheck(full: CustomerTable, calibration: CustomerTable, days: number): { check: HoldoutCheck; warnings: string[] } {
  const calEndDay = calibration.asOfDay;
  const n = calibration.size;
  const fullRow = new Map<string, number>();
  for (let c = 0; c < full.size; c++) fullRow.set(full.customerId[c]!, c);
  const f = calibration.fields;
  const include = new Uint8Array(n);
  const firstDay = new Float64Array(n);
  const lastDay = new Float64Array(n);
  for (let c = 0; c < n; c++) {
    include[c] = f.orders[c]! >= 1 ? 1 : 0;
    firstDay[c] = dayOf(f.first_purchase_at[c]!);
    lastDay[c] = dayOf(f.last_purchase_at[c]!);
  }
  const fit = fitModels({ purchaseDays: f.purchase_days, firstDay, lastDay, asOfDay: calEndDay, meanRepeatValue: calibration.meanRepeatValue, include });
  const params = fit.manifest.bgnbd?.converged ? fit.manifest.bgnbd : null;
  const warnings: string[] = [];
  if (!params) warnings.push(`models.holdout_days: no BG/NBD fit on the calibration period (to ${isoDay(calEndDay)}): ${fit.warnings.join('; ') || 'it did not converge'}`);

  const count = new Float64Array(HOLDOUT_GROUPS);
  const predicted = new Float64Array(HOLDOUT_GROUPS);
  const actual = new Float64Array(HOLDOUT_GROUPS);
  // The expectation depends on (x, T) only: computed once per distinct pair.
  const series = new Map<number, ReturnType<typeof bgnbdSeries>>();
  const ifAlive = new Map<string, number>();
  let customers = 0;
  let absCustomers = 0;
  for (let c = 0; c < n; c++) {
    if (!include[c]) continue;
    customers++;
    const x = f.purchase_days[c]! - 1;
    const tx = lastDay[c]! - firstDay[c]!;
    const T = calEndDay - firstDay[c]!;
    const later = fullRow.get(calibration.customerId[c]!);
    // Distinct purchase days after the calibration end; never below 0 (a row the full base lacks cannot add days).
    const got = later === undefined ? 0 : Math.max(0, full.fields.purchase_days[later]! - f.purchase_days[c]!);
    let expected = Number.NaN;
    if (params) {
      const key = `${x},${T}`;
      let e = ifAlive.get(key);
      if (e === undefined) {
        let s = series.get(x);
        if (!s) {
          s = bgnbdSeries(params, x);
          series.set(x, s);
        }
        e = bgnbdExpectedIfAlive(params, days, x, T, s);
        ifAlive.set(key, e);
      }
      expected = bgnbdPAlive(params, x, tx, T) * e;
      absCustomers += Math.abs(expected - got);
    }
    const g = Math.min(x, HOLDOUT_GROUPS - 1);
    count[g]!++;
    predicted[g]! += expected;
    actual[g]! += got;
  }
  const table: CalibrationRow[] = [];
  let absGroups = 0;
  let groups = 0;
  for (let g = 0; g < HOLDOUT_GROUPS; g++) {
    const k = count[g]!;
    const row = { frequency: g === HOLDOUT_GROUPS - 1 ? `${g}+` : String(g), customers: k, predicted: k ? predicted[g]! / k : 0, actual: k ? actual[g]! / k : 0 };
    table.push(row);
    if (k && params) {
      absGroups += Math.abs(row.predicted - row.actual);
      groups++;
    }
  }
  const sum = (a: Float64Array) => a.reduce((s, v) => s + v, 0);
  const check: HoldoutCheck = {
    days,
    calibration_end: isoDay(calEndDay),
    customers,
    bgnbd: fit.manifest.bgnbd,
    table: params ? table : table.map((r) => ({ ...r, predicted: Number.NaN })),
    mean_absolute_error: params && groups ? absGroups / groups : null,
    mean_absolute_error_customers: params && customers ? absCustomers / customers : null,
    predicted_total: params ? sum(predicted) : Number.NaN,
    actual_total: sum(actual),
  };
  if (params && check.actual_total > 0) {
    const ratio = check.predicted_total / check.actual_total;
    if (ratio > 2 || ratio < 0.5) warnings.push(`models: the holdout check predicted ${check.predicted_total.toFixed(0)} purchases in the last ${days} days where ${check.actual_total} happened (x${ratio.toFixed(2)}); treat the predictions with care`);
  }
  return { check, warnings };
}

// Light, without the fit: a rescore whose models fit on their own thread imports only that module.
export { degenerateFitWarnings, LOST_ALIVE_SHARE } from './degenerate-fit.js';

function isoDay(day: number): string {
  return new Date(day * 86_400_000).toISOString().slice(0, 10);
}
