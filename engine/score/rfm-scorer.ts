/**
 * R, F and M scores in 1..k over the customers with orders >= 1 (DESIGN "Scores"):
 * R on -recency_days (recent is high), F on orders, M on revenue. Customers without a
 * purchase score 0.
 */
import type { CustomerTable } from '../aggregate/customer-table.js';
import { quantileThresholds } from './quantile-thresholds.js';
import { type ScoreColumn, scoreColumnJs } from './score-column.js';

/** Thresholds of one scoring run, stored in the manifest so live updates score on the same scale. */
export interface RfmThresholds {
  readonly bins: number;
  /** On `-recency_days`. */
  readonly r: number[];
  /** On `orders`. */
  readonly f: number[];
  /** On `revenue`. */
  readonly m: number[];
}

/** Scores of every customer. */
export interface RfmScores {
  readonly r: Uint8Array;
  readonly f: Uint8Array;
  readonly m: Uint8Array;
  readonly thresholds: RfmThresholds;
}

/**
 * The thresholds of DESIGN's rule over some values: quantile-thresholds.ts `quantileThresholds`
 * (a sort) or the kernel set's twin (the Rust addon's selection, engine/kernels), same results.
 */
export type ThresholdsFn = (values: Float64Array, k: number) => Float64Array;

/** Computes thresholds over the base and scores every customer (`score`: the engine's, score-column.ts). */
export function scoreRfm(table: CustomerTable, bins: number, thresholdsOf: ThresholdsFn = quantileThresholds, score: ScoreColumn = scoreColumnJs): RfmScores {
  const { recency_days: recency, orders, revenue } = table.fields;
  // The values each score is computed on, for the customers with orders >= 1, in one pass.
  const r = new Float64Array(table.size);
  const f = new Float64Array(table.size);
  const m = new Float64Array(table.size);
  let n = 0;
  for (let c = 0; c < table.size; c++) {
    if (!(orders[c]! >= 1)) continue;
    r[n] = -recency[c]!;
    f[n] = orders[c]!;
    m[n++] = revenue[c]!;
  }
  const tr = thresholdsOf(r.subarray(0, n), bins);
  const tf = thresholdsOf(f.subarray(0, n), bins);
  const tm = thresholdsOf(m.subarray(0, n), bins);
  const thresholds: RfmThresholds = { bins, r: [...tr], f: [...tf], m: [...tm] };
  return { ...applyRfm(table, thresholds, score), thresholds };
}

/** Scores every customer on given thresholds (also what the live path uses). */
export function applyRfm(table: CustomerTable, t: RfmThresholds, score: ScoreColumn = scoreColumnJs): { r: Uint8Array; f: Uint8Array; m: Uint8Array } {
  const n = table.size;
  const { recency_days: recency, orders, revenue } = table.fields;
  const r = new Uint8Array(n);
  const f = new Uint8Array(n);
  const m = new Uint8Array(n);
  // R is scored on -recency_days: recent is high.
  score(recency, -1, orders, Float64Array.from(t.r), r);
  score(orders, 1, orders, Float64Array.from(t.f), f);
  score(revenue, 1, orders, Float64Array.from(t.m), m);
  return { r, f, m };
}
