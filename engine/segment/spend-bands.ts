/**
 * Spend bands (DESIGN "Spend bands"): band 1 is the lowest spend. Quantile bands use the score
 * threshold rule; explicit money edges give `1 + #{j : x >= e_j}`. Customers without a purchase
 * get band 0 and stay out of the table.
 */
import { bandOfEdges, quantileThresholds } from '../score/quantile-thresholds.js';
import { type ScoreColumn, scoreColumnJs } from '../score/score-column.js';
import type { ThresholdsFn } from '../score/rfm-scorer.js';

/** One row of the band table: who is in the band and what they bring. */
export interface SpendBandRow {
  readonly band: number;
  readonly customers: number;
  readonly share_customers: number;
  readonly revenue: number;
  readonly share_revenue: number;
  readonly mean_weekly_spend: number;
  /** Smallest and largest value of the banding field in the band (null when empty). */
  readonly min: number | null;
  readonly max: number | null;
}

/** Bands of every customer plus the thresholds or edges used and the table. */
export interface SpendBands {
  readonly band: Uint16Array;
  readonly by: string;
  readonly thresholds: number[];
  readonly edges: number[] | null;
  readonly table: SpendBandRow[];
}

/** Assigns bands on `values` (the configured field) over customers with orders >= 1. */
export function assignSpendBands(
  values: Float64Array,
  orders: ArrayLike<number>,
  revenue: Float64Array,
  weeklySpend: Float64Array,
  opts: { by: string; quantiles: number; edges?: readonly number[] | undefined; thresholdsOf?: ThresholdsFn; scoreColumn?: ScoreColumn },
): SpendBands {
  const n = values.length;
  const purchasing = new Float64Array(n);
  let m = 0;
  for (let c = 0; c < n; c++) if (orders[c]! >= 1) purchasing[m++] = values[c]!;
  const edges = opts.edges ? [...opts.edges] : null;
  const thresholdsOf = opts.thresholdsOf ?? quantileThresholds;
  const thresholds = edges ? [] : [...thresholdsOf(purchasing.subarray(0, m), opts.quantiles)];
  const t = Float64Array.from(thresholds);
  const bandCount = edges ? edges.length + 1 : opts.quantiles;
  const band = new Uint16Array(n);
  if (edges) {
    for (let c = 0; c < n; c++) if (!(orders[c]! < 1)) band[c] = bandOfEdges(values[c]!, edges);
  } else (opts.scoreColumn ?? scoreColumnJs)(values, 1, orders instanceof Float64Array ? orders : Float64Array.from(orders), t, band);
  return { band, by: opts.by, thresholds, edges, table: bandTable(band, bandCount, values, revenue, weeklySpend) };
}

function bandTable(band: Uint16Array, bands: number, values: Float64Array, revenue: Float64Array, weekly: Float64Array): SpendBandRow[] {
  const customers = new Float64Array(bands + 1);
  const rev = new Float64Array(bands + 1);
  const spend = new Float64Array(bands + 1);
  const min = new Float64Array(bands + 1).fill(Number.POSITIVE_INFINITY);
  const max = new Float64Array(bands + 1).fill(Number.NEGATIVE_INFINITY);
  let totalCustomers = 0;
  let totalRevenue = 0;
  for (let c = 0; c < band.length; c++) {
    const b = band[c]!;
    if (b === 0) continue;
    customers[b]!++;
    rev[b]! += revenue[c]!;
    spend[b]! += weekly[c]!;
    if (values[c]! < min[b]!) min[b] = values[c]!;
    if (values[c]! > max[b]!) max[b] = values[c]!;
    totalCustomers++;
    totalRevenue += revenue[c]!;
  }
  const rows: SpendBandRow[] = [];
  for (let b = 1; b <= bands; b++) {
    const k = customers[b]!;
    rows.push({
      band: b,
      customers: k,
      share_customers: totalCustomers ? k / totalCustomers : 0,
      revenue: rev[b]!,
      share_revenue: totalRevenue ? rev[b]! / totalRevenue : 0,
      mean_weekly_spend: k ? spend[b]! / k : 0,
      min: k ? min[b]! : null,
      max: k ? max[b]! : null,
    });
  }
  return rows;
}
