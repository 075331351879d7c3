/**
 * The lost report (DESIGN "Lost customers"): the customers a snapshot holds as lifecycle `lost`,
 * per month of `lost_at` (the last 12, ending with `as_of`'s month) and per their segment, tier
 * or spend band in the snapshot before: how many, their revenue in the 365 days before their
 * last purchase (`last_year_revenue`), and their `lost_reason`s — "we lost 120 champions worth
 * 45,000 a year, a third of them after heavy returns".
 *
 * Lifecycle `lost` is not RFM segment `lost`: lifecycle counts days since the last purchase
 * (more than `lifecycle.lapsed_days`, 365 by default), the RFM segment is the bottom recency
 * score, a share of the base whatever the days (about a fifth with 5 bins).
 */
import type { Table } from 'apache-arrow';
import { ArgumentError, SnapshotNotFoundError } from '../errors.js';
import { ABSENT, orderLabels } from '../report/migration.js';
import { type LoadedSnapshot, currentSnapshotId, listSnapshotIds, loadSnapshot } from '../snapshot/snapshot-store.js';

/** The dimensions lost customers can be grouped by (their value in the snapshot before). */
export const LOST_DIMENSIONS = ['segment', 'tier', 'spend_band'] as const;
/** One of them. */
export type LostDimension = (typeof LOST_DIMENSIONS)[number];

/** One line of the report. */
export interface LostLine {
  /** `YYYY-MM` of `lost_at`, or the value in the snapshot before (`(absent)`: not in it). */
  readonly value: string;
  readonly customers: number;
  /** Their revenue in the 365 days before their last purchase. */
  readonly revenue_365d_before: number;
  /** Customers per lost reason, in `lost_reasons` order (then `other`). */
  readonly reasons: Record<string, number>;
}

/** The whole report. */
export interface LostReport {
  readonly snapshot: string;
  readonly as_of: string;
  /** The snapshot the groups are read from; null when there is none before. */
  readonly previous: string | null;
  readonly by: LostDimension;
  /** Every lifecycle-lost customer of the snapshot. */
  readonly total: LostLine;
  /** Lost in the snapshot, not lifecycle-lost in the one before (all of them without one). */
  readonly newly_lost: number;
  /** The last 12 months of `lost_at`, oldest first, empty months included. */
  readonly months: LostLine[];
  /** By the value in the previous snapshot, in the dimension's order. */
  readonly groups: LostLine[];
}

/** `by` when it is a dimension of the report; an ArgumentError otherwise. */
export function lostDimension(by: string): LostDimension {
  if (!LOST_DIMENSIONS.includes(by as LostDimension)) throw new ArgumentError(`by must be one of ${LOST_DIMENSIONS.join(', ')}, not ${JSON.stringify(by.slice(0, 40))}`);
  return by as LostDimension;
}

class Tally {
  customers = 0;
  revenue = 0;
  readonly reasons: Map<string, number>;

  constructor(reasonNames: readonly string[]) {
    this.reasons = new Map(reasonNames.map((r) => [r, 0]));
  }

  add(revenue: number, reason: string): void {
    this.customers++;
    // A null last_year_revenue cannot happen for a customer with purchases; count it as 0 if it does.
    if (Number.isFinite(revenue)) this.revenue += revenue;
    this.reasons.set(reason, (this.reasons.get(reason) ?? 0) + 1);
  }

  line(value: string): LostLine {
    return { value, customers: this.customers, revenue_365d_before: this.revenue, reasons: Object.fromEntries(this.reasons) };
  }
}

function column(table: Table, name: string, id: string) {
  const col = table.getChild(name);
  if (!col) throw new ArgumentError(`snapshot ${id} has no ${name} column (written before lost customers were recorded); rescore to get the lost report`);
  return col;
}

/** `YYYY-MM` of the 12 months ending with the month of `asOfMs`, oldest first. */
function lastMonths(asOfMs: number): string[] {
  const d = new Date(asOfMs);
  return Array.from({ length: 12 }, (_, i) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 11 + i, 1)).toISOString().slice(0, 7));
}

/** The lost report of `snapshot`, grouped by `by` in `previous` (null: none before). */
export function lostReport(snapshot: LoadedSnapshot, previous: LoadedSnapshot | null, by: string): LostReport {
  const dim = lostDimension(by);
  const t = snapshot.customers;
  const ids = column(t, 'customer_id', snapshot.id);
  const stage = column(t, 'lifecycle', snapshot.id);
  const lostAt = column(t, 'lost_at', snapshot.id);
  const reason = column(t, 'lost_reason', snapshot.id);
  const value = column(t, 'last_year_revenue', snapshot.id);
  const own = column(t, dim, snapshot.id);
  const config = snapshot.manifest.config as { lost_reasons?: { name: string }[] } | undefined;
  const reasonNames = [...new Set([...(config?.lost_reasons ?? []).map((r) => r.name), 'other'])];

  // The previous snapshot's value and lifecycle of each customer, by id.
  const before = new Map<string, { value: string; lost: boolean }>();
  if (previous) {
    const p = previous.customers;
    const pIds = column(p, 'customer_id', previous.id);
    const pDim = column(p, dim, previous.id);
    const pStage = column(p, 'lifecycle', previous.id);
    for (let i = 0; i < p.numRows; i++) before.set(pIds.get(i) as string, { value: String(pDim.get(i)), lost: pStage.get(i) === 'lost' });
  }

  const months = lastMonths(snapshot.manifest.as_of_ms);
  const byMonth = new Map(months.map((m) => [m, new Tally(reasonNames)]));
  const groups = new Map<string, Tally>();
  const total = new Tally(reasonNames);
  let newlyLost = 0;
  for (let i = 0; i < t.numRows; i++) {
    if (stage.get(i) !== 'lost') continue;
    const revenue = value.get(i) as number | null;
    const why = String(reason.get(i) ?? 'other');
    total.add(revenue ?? 0, why);
    const at = lostAt.get(i) as number | bigint | null;
    if (at !== null) byMonth.get(new Date(Number(at)).toISOString().slice(0, 7))?.add(revenue ?? 0, why);
    const prior = previous ? before.get(ids.get(i) as string) : undefined;
    if (!prior?.lost) newlyLost++;
    const key = previous ? (prior?.value ?? ABSENT) : String(own.get(i));
    let g = groups.get(key);
    if (!g) {
      g = new Tally(reasonNames);
      groups.set(key, g);
    }
    g.add(revenue ?? 0, why);
  }
  const configs = [snapshot.manifest.config, previous?.manifest.config];
  return {
    snapshot: snapshot.id,
    as_of: snapshot.manifest.as_of,
    previous: previous?.id ?? null,
    by: dim,
    total: total.line('all'),
    newly_lost: newlyLost,
    months: months.map((m) => byMonth.get(m)!.line(m)),
    groups: orderLabels(groups.keys(), dim, configs).map((k) => groups.get(k)!.line(k)),
  };
}

/** The lost report of a snapshot (default: the live one) against the snapshot before it. */
export async function loadLostReport(dataDir: string, snapshotId: string | undefined, by: string): Promise<LostReport> {
  lostDimension(by);
  const id = snapshotId ?? (await currentSnapshotId(dataDir));
  if (!id) throw new SnapshotNotFoundError(`no snapshot published in ${dataDir} yet; run segstream rescore first`);
  const snapshot = await loadSnapshot(dataDir, id);
  const previousId = (await listSnapshotIds(dataDir)).filter((s) => s < snapshot.id).at(-1);
  return lostReport(snapshot, previousId ? await loadSnapshot(dataDir, previousId) : null, by);
}
