/**
 * The report of a snapshot (DESIGN "Report") as one JSON document: the CLI's `report` inlines it
 * into the HTML file, `GET /v1/report` serves it, and the dashboard draws it with the same chart
 * code, so every number a page shows is a number of this document.
 *
 * Views: the headline; segments (customers and revenue, rule order); spend bands (the manifest's
 * table, with money ranges); the Pareto curve of revenue; the R x F heatmap; tiers; the lifecycle
 * funnel; the lost report (engine/lost) and the top of the win-back list; the models' parameters
 * and warnings; the migration against a compared snapshot (engine/report/migration.ts); a
 * campaign's result when given.
 */
import type { CampaignResult } from '../campaign/evaluate-campaign.js';
import type { Config } from '../config/config-schema.js';
import { parseConfig } from '../config/load-config.js';
import { LOST_DIMENSIONS, type LostReport, lostReport } from '../lost/lost-report.js';
import { LIFECYCLE_STAGES } from '../segment/lifecycle.js';
import type { SpendBandRow } from '../segment/spend-bands.js';
import type { Manifest } from '../snapshot/manifest.js';
import type { LoadedSnapshot } from '../snapshot/snapshot-store.js';
import { MIGRATION_DIMENSIONS, type Migration, migrationMatrix } from './migration.js';
import { type Coded, coded, numbers, sumsBy } from './report-columns.js';

/** Customers of the win-back list the report shows. */
export const WIN_BACK_TOP = 20;
/** Points of the Pareto curve (share of customers 0, 1%, ..., 100%). */
const PARETO_POINTS = 101;

/** A sum of money to the 0.0001 money is exact in, without the float sum's tail (1701792.0000000016). */
function money(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}

/** Customers and money of one class (a segment, tier or lifecycle stage). */
export interface ClassRow {
  readonly name: string;
  readonly customers: number;
  readonly share: number;
  readonly revenue: number;
  readonly share_revenue: number;
  readonly revenue_365d: number;
}

/** One customer of the win-back list. */
export interface WinBackRow {
  readonly customer_id: string;
  readonly segment: string;
  readonly lifecycle: string;
  readonly revenue: number;
  readonly orders: number;
  readonly recency_days: number;
  readonly last_purchase_at: string | null;
  readonly m_score: number;
  readonly clv_365d: number | null;
}

/** One kept snapshot on the trend line. */
export interface TrendPoint {
  readonly snapshot: string;
  readonly as_of: string;
  readonly customers: number;
  readonly purchasing_customers: number;
  readonly revenue: number;
  readonly win_back: number;
  /** Lifecycle-lost customers. */
  readonly lost: number;
}

/** The whole report. */
export interface ReportData {
  readonly format_version: 1;
  readonly snapshot: { readonly id: string; readonly as_of: string; readonly created_at: string; readonly previous: string | null };
  readonly currency: string;
  readonly headline: {
    readonly customers: number;
    readonly purchasing_customers: number;
    readonly revenue: number;
    readonly revenue_365d: number;
    readonly rows_read: number;
    readonly rows_rejected: number;
    readonly reject_share: number;
    readonly rejects: Record<string, number>;
    readonly win_back: number;
  };
  /** The kept snapshots up to this one, oldest first (their manifests' totals). */
  readonly trend: TrendPoint[];
  readonly segments: ClassRow[];
  readonly spend_bands: { readonly by: string; readonly bands: SpendBandRow[] };
  /** Share of revenue held by the top share of purchasing customers, ranked by revenue. */
  readonly pareto: { readonly customers: number; readonly points: Array<[number, number]>; readonly top_1: number; readonly top_10: number; readonly top_20: number };
  /** `customers[r-1][f-1]` and `mean_revenue[r-1][f-1]` (null where empty), purchasing customers. */
  readonly rf_heatmap: { readonly bins: number; readonly customers: number[][]; readonly mean_revenue: Array<Array<number | null>> };
  readonly tiers: Array<ClassRow & { readonly min_spend: number }>;
  /** Stages in DESIGN's order, with the mean `p_alive` of each (null without predictions). */
  readonly lifecycle: Array<ClassRow & { readonly mean_p_alive: number | null }>;
  /**
   * The lost report grouped by each dimension in the compared snapshot (engine/lost); null for a
   * snapshot written before lost customers were recorded.
   */
  readonly lost: Record<string, LostReport> | null;
  readonly win_back: { readonly customers: number; readonly top: WinBackRow[] };
  readonly models: { readonly parameters: unknown; readonly warnings: string[] };
  /** Against the compared snapshot, per dimension; null without one. */
  readonly migration: { readonly from: string; readonly to: string; readonly by: Record<string, Migration> } | null;
  /** A campaign's result as `DATA/campaigns/<name>.json` holds it; null when none was asked. */
  readonly campaign: CampaignResult | null;
  /** Names of the campaigns kept in the data dir. */
  readonly campaigns: string[];
}

/** What a report is built from. */
export interface ReportInput {
  readonly snapshot: LoadedSnapshot;
  readonly compare?: LoadedSnapshot | null;
  readonly campaign?: CampaignResult | null;
  readonly campaigns?: string[];
  /** Manifests of the kept snapshots, for the trend (the reported one is always on it). */
  readonly history?: readonly Manifest[];
}

function trendPoint(m: Manifest): TrendPoint {
  return { snapshot: m.id, as_of: m.as_of, customers: m.customers, purchasing_customers: m.purchasing_customers, revenue: m.revenue, win_back: m.win_back, lost: m.lifecycle['lost'] ?? 0 };
}

function classRows(by: Coded, order: readonly string[], revenue: Float64Array, revenue365: Float64Array, total: number, totalRevenue: number): ClassRow[] {
  const rev = sumsBy(by, revenue);
  const rev365 = sumsBy(by, revenue365);
  // Configured order first, then any value the config does not name (a rule removed since).
  const names = [...order.filter((n) => by.names.includes(n)), ...by.names.filter((n) => !order.includes(n))];
  return names.map((name) => {
    const k = by.names.indexOf(name);
    const customers = rev.customers[k]!;
    return { name, customers, share: total ? customers / total : 0, revenue: money(rev.sum[k]!), share_revenue: totalRevenue ? rev.sum[k]! / totalRevenue : 0, revenue_365d: money(rev365.sum[k]!) };
  });
}

function pareto(revenue: Float64Array, orders: Float64Array): ReportData['pareto'] {
  const values: number[] = [];
  for (let c = 0; c < revenue.length; c++) if (orders[c]! >= 1) values.push(revenue[c]!);
  const sorted = Float64Array.from(values).sort().reverse();
  const n = sorted.length;
  const cumulative = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) cumulative[i + 1] = cumulative[i]! + sorted[i]!;
  const total = cumulative[n]!;
  const shareAt = (customerShare: number) => (total ? cumulative[Math.round(customerShare * n)]! / total : 0);
  const points: Array<[number, number]> = [];
  for (let p = 0; p < PARETO_POINTS; p++) points.push([p / (PARETO_POINTS - 1), shareAt(p / (PARETO_POINTS - 1))]);
  return { customers: n, points, top_1: shareAt(0.01), top_10: shareAt(0.1), top_20: shareAt(0.2) };
}

function rfHeatmap(r: Float64Array, f: Float64Array, revenue: Float64Array, bins: number): ReportData['rf_heatmap'] {
  const customers = Array.from({ length: bins }, () => new Array<number>(bins).fill(0));
  const sums = Array.from({ length: bins }, () => new Array<number>(bins).fill(0));
  for (let c = 0; c < r.length; c++) {
    const ri = r[c]! - 1;
    const fi = f[c]! - 1;
    // Score 0: no purchase, outside the grid.
    if (ri < 0 || fi < 0) continue;
    customers[ri]![fi]!++;
    sums[ri]![fi]! += revenue[c]!;
  }
  const mean_revenue = customers.map((row, i) => row.map((n, j) => (n ? money(sums[i]![j]! / n) : null)));
  return { bins, customers, mean_revenue };
}

function winBack(table: LoadedSnapshot['customers'], flags: Float64Array, revenue: Float64Array): ReportData['win_back'] {
  const rows: number[] = [];
  for (let c = 0; c < flags.length; c++) if (flags[c] === 1) rows.push(c);
  rows.sort((a, b) => revenue[b]! - revenue[a]! || a - b);
  const get = (name: string, c: number) => table.getChild(name)!.get(c) as unknown;
  const top = rows.slice(0, WIN_BACK_TOP).map((c): WinBackRow => {
    const last = get('last_purchase_at', c);
    const clv = get('clv_365d', c);
    return {
      customer_id: String(get('customer_id', c)),
      segment: String(get('segment', c)),
      lifecycle: String(get('lifecycle', c)),
      revenue: revenue[c]!,
      orders: Number(get('orders', c)),
      recency_days: Number(get('recency_days', c)),
      last_purchase_at: last === null ? null : new Date(Number(last)).toISOString(),
      m_score: Number(get('m_score', c)),
      clv_365d: clv === null || !Number.isFinite(Number(clv)) ? null : Number(clv),
    };
  });
  return { customers: rows.length, top };
}

function meanPAlive(lifecycle: Coded, pAlive: Float64Array): Map<string, number | null> {
  const sums = new Float64Array(lifecycle.names.length);
  const counts = new Float64Array(lifecycle.names.length);
  for (let c = 0; c < pAlive.length; c++) {
    if (Number.isNaN(pAlive[c]!)) continue;
    sums[lifecycle.codes[c]!]! += pAlive[c]!;
    counts[lifecycle.codes[c]!]!++;
  }
  return new Map(lifecycle.names.map((name, k) => [name, counts[k] ? sums[k]! / counts[k]! : null]));
}

/** Builds the report of `input.snapshot` (against `input.compare` when given). */
export function buildReport(input: ReportInput): ReportData {
  const { snapshot } = input;
  const m = snapshot.manifest;
  const config: Config = parseConfig(m.config ?? {});
  const t = snapshot.customers;
  const revenue = numbers(t, 'revenue');
  const revenue365 = numbers(t, 'revenue_365d');
  const orders = numbers(t, 'orders');
  const total = t.numRows;
  let totalRevenue = 0;
  let totalRevenue365 = 0;
  for (let c = 0; c < total; c++) {
    totalRevenue += revenue[c]!;
    totalRevenue365 += revenue365[c]!;
  }
  const segment = coded(t, 'segment');
  const tier = coded(t, 'tier');
  const lifecycle = coded(t, 'lifecycle');
  const segmentOrder = [...config.segments.map((s) => s.name), 'other', 'no_purchases'];
  const tierRows = classRows(tier, config.tiers.levels.map((l) => l.name), revenue, revenue365, total, totalRevenue);
  const alive = meanPAlive(lifecycle, numbers(t, 'p_alive'));
  const compare = input.compare ?? null;
  const rejected = m.rows.rejected;
  return {
    format_version: 1,
    snapshot: { id: snapshot.id, as_of: m.as_of, created_at: m.created_at, previous: m.previous },
    currency: config.report.currency,
    headline: {
      customers: m.customers,
      purchasing_customers: m.purchasing_customers,
      revenue: m.revenue,
      revenue_365d: money(totalRevenue365),
      rows_read: m.rows.read,
      rows_rejected: rejected,
      reject_share: m.rows.read ? rejected / m.rows.read : 0,
      rejects: { ...(m.rejects as Record<string, number>) },
      win_back: m.win_back,
    },
    trend: [...(input.history ?? []).filter((h) => h.id < snapshot.id), m].map(trendPoint),
    segments: classRows(segment, segmentOrder, revenue, revenue365, total, totalRevenue),
    spend_bands: { by: m.thresholds.spend_band.by, bands: m.spend_bands },
    pareto: pareto(revenue, orders),
    rf_heatmap: rfHeatmap(numbers(t, 'r_score'), numbers(t, 'f_score'), revenue, config.scores.bins),
    tiers: tierRows.map((row) => ({ ...row, min_spend: config.tiers.levels.find((l) => l.name === row.name)?.min_spend ?? 0 })),
    lifecycle: classRows(lifecycle, LIFECYCLE_STAGES, revenue, revenue365, total, totalRevenue).map((row) => ({ ...row, mean_p_alive: alive.get(row.name) ?? null })),
    lost: t.getChild('lost_at') === null ? null : Object.fromEntries(LOST_DIMENSIONS.map((by) => [by, lostReport(snapshot, compare, by)])),
    win_back: winBack(t, numbers(t, 'win_back'), revenue),
    models: { parameters: m.models ?? null, warnings: [...m.warnings] },
    migration: compare
      ? { from: compare.id, to: snapshot.id, by: Object.fromEntries(MIGRATION_DIMENSIONS.map((by) => [by, migrationMatrix(compare, snapshot, by)])) }
      : null,
    campaign: input.campaign ?? null,
    campaigns: input.campaigns ?? [],
  };
}
