/**
 * The live state: the loaded snapshot (its Arrow columns, an id index over them) plus an overlay
 * of the customers live events have changed since. Lookups read the overlay first, then the
 * snapshot; listings walk the snapshot's rows in order (an updated customer keeps its row) and
 * then the customers the snapshot did not know, in order of arrival.
 *
 * Positions: 0..size-1 are snapshot rows, size+k is the k-th new customer; a listing cursor is a
 * position, stable while this state lives (a new snapshot starts a new state).
 */
import type { Config } from '../config/config-schema.js';
import { parseConfig } from '../config/load-config.js';
import type { TxBatch } from '../parse/parse-batch.js';
import { type CustomerKey, customerKeyFromValue } from '../parse/parse-values.js';
import type { LoadedSnapshot } from '../snapshot/snapshot-store.js';
import { IdHashIndex } from './id-hash-index.js';
import { EMPTY_BASE, LiveCustomer, type Placement } from './live-customer.js';
import { LiveCounts } from './live-counts.js';
import { scoreLive } from './live-scorer.js';
import { type Cell, SnapshotColumns } from './snapshot-columns.js';

/** A customer as the API shows it. */
export type CustomerView = Record<string, Cell>;

/** Which customers a listing keeps. */
export interface ListFilter {
  readonly segment?: string;
  readonly tier?: string;
  readonly lifecycle?: string;
  readonly spend_band?: number;
}

/** One page of a listing. */
export interface Page {
  readonly customers: CustomerView[];
  /** Cursor of the next page, null after the last one. */
  readonly next: number | null;
}

/** The canonical id text of a request's id (`42` and `"42"` are one customer), or null when no id can be that. */
export function canonicalId(raw: unknown): string | null {
  const key = customerKeyFromValue(raw);
  return key === null || key === undefined ? null : String(key);
}

/** Snapshot plus live overlay. */
export class LiveState {
  readonly columns: SnapshotColumns;
  readonly index: IdHashIndex;
  readonly config: Config;
  readonly counts: LiveCounts;
  /** Bumped by every applied batch; caches of derived orders key on it. */
  version = 0;
  eventsApplied = 0;
  private readonly overlay = new Map<string, LiveCustomer>();
  private readonly byRow = new Map<number, LiveCustomer>();
  private readonly added: LiveCustomer[] = [];
  private winBackCache: { version: number; order: Int32Array; live: LiveCustomer[] } | null = null;

  /** Use {@link LiveState.open} (yields while indexing) or {@link LiveState.openSync}. */
  private constructor(
    readonly snapshot: LoadedSnapshot,
    columns: SnapshotColumns,
    index: IdHashIndex,
  ) {
    this.columns = columns;
    this.index = index;
    this.config = parseConfig(snapshot.manifest.config ?? {});
    this.counts = new LiveCounts(snapshot.manifest);
  }

  /** Indexes a snapshot, yielding to the event loop while it hashes the ids, so lookups on the old state go on. */
  static async open(snapshot: LoadedSnapshot): Promise<LiveState> {
    const columns = new SnapshotColumns(snapshot.customers);
    return new LiveState(snapshot, columns, await IdHashIndex.build(columns.vector('customer_id')));
  }

  /** Indexes a snapshot in one synchronous step. */
  static openSync(snapshot: LoadedSnapshot): LiveState {
    const columns = new SnapshotColumns(snapshot.customers);
    return new LiveState(snapshot, columns, IdHashIndex.buildSync(columns.vector('customer_id')));
  }

  /** Customers in the live view (snapshot plus new ones). */
  get size(): number {
    return this.columns.size + this.added.length;
  }

  /** Customers changed by live events. */
  get liveCustomers(): number {
    return this.overlay.size;
  }

  private meta(view: CustomerView, live: boolean): CustomerView {
    view['snapshot'] = this.snapshot.id;
    if (!live) view['as_of'] = this.snapshot.manifest.as_of;
    view['live'] = live;
    return view;
  }

  /** The view of one customer by canonical id text, or null. */
  get(id: string): CustomerView | null {
    const c = this.overlay.get(id);
    if (c) return this.meta(c.view(), true);
    const row = this.index.find(id);
    return row < 0 ? null : this.meta(this.columns.row(row), false);
  }

  /** The view of one customer by key. */
  find(key: CustomerKey): CustomerView | null {
    return this.get(String(key));
  }

  private placementOf(row: number): Placement {
    const cols = this.columns;
    return {
      segment: cols.segment.names[cols.segment.codes[row]!]!,
      tier: cols.tier.names[cols.tier.codes[row]!]!,
      lifecycle: cols.lifecycle.names[cols.lifecycle.codes[row]!]!,
      band: cols.spendBand[row]!,
      winBack: cols.winBack[row] === 1,
      revenue: cols.number('revenue', row),
      weeklySpend: cols.number('weekly_spend', row),
    };
  }

  private liveCustomer(id: string): LiveCustomer {
    const known = this.overlay.get(id);
    if (known) return known;
    const row = this.index.find(id);
    let c: LiveCustomer;
    if (row < 0) {
      c = new LiveCustomer(id, -1, EMPTY_BASE, { tier: undefined, lifecycle: undefined }, null);
      this.added.push(c);
    } else {
      const n = (name: Parameters<SnapshotColumns['number']>[0]) => this.columns.number(name, row);
      const zero = (x: number) => (Number.isNaN(x) ? 0 : x);
      const p = this.placementOf(row);
      c = new LiveCustomer(
        id,
        row,
        {
          orders: zero(n('orders')),
          purchaseDays: zero(n('purchase_days')),
          firstTs: n('first_purchase_at'),
          lastTs: n('last_purchase_at'),
          revenue: zero(n('revenue')),
          returns: zero(n('returns')),
          returnedAmount: zero(n('returned_amount')),
          margin: n('margin'),
          revenue90: zero(n('revenue_90d')),
          revenue365: zero(n('revenue_365d')),
        },
        { tier: p.tier, lifecycle: p.lifecycle },
        p,
      );
      this.byRow.set(row, c);
    }
    this.overlay.set(id, c);
    return c;
  }

  /** Applies a batch of valid rows: updates and rescores every customer it touches; returns how many. */
  apply(batch: TxBatch): number {
    const touched = new Set<LiveCustomer>();
    const margin = batch.margin;
    for (let i = 0; i < batch.length; i++) {
      const c = this.liveCustomer(String(batch.ids[i]));
      c.add(batch.ts[i]!, batch.amount[i]!, margin ? margin[i]! : Number.NaN);
      touched.add(c);
    }
    const list = [...touched];
    const before = list.map((c) => c.placement);
    scoreLive(list, { thresholds: this.snapshot.manifest.thresholds, config: this.config, asOfMs: this.snapshot.manifest.as_of_ms });
    for (const [i, c] of list.entries()) this.counts.move(before[i]!, c.placement!);
    this.version++;
    this.eventsApplied += batch.length;
    return list.length;
  }

  private matches(filter: ListFilter, pos: number): CustomerView | null {
    const cols = this.columns;
    const live = pos < cols.size ? this.byRow.get(pos) : this.added[pos - cols.size];
    if (live) {
      const p = live.placement!;
      const ok =
        (filter.segment === undefined || p.segment === filter.segment) &&
        (filter.tier === undefined || p.tier === filter.tier) &&
        (filter.lifecycle === undefined || p.lifecycle === filter.lifecycle) &&
        (filter.spend_band === undefined || p.band === filter.spend_band);
      return ok ? this.meta(live.view(), true) : null;
    }
    const ok =
      (filter.segment === undefined || cols.segment.names[cols.segment.codes[pos]!] === filter.segment) &&
      (filter.tier === undefined || cols.tier.names[cols.tier.codes[pos]!] === filter.tier) &&
      (filter.lifecycle === undefined || cols.lifecycle.names[cols.lifecycle.codes[pos]!] === filter.lifecycle) &&
      (filter.spend_band === undefined || cols.spendBand[pos] === filter.spend_band);
    return ok ? this.meta(cols.row(pos), false) : null;
  }

  /** A page of the customers matching `filter`, from position `cursor`. */
  list(filter: ListFilter, cursor: number, limit: number): Page {
    const out: CustomerView[] = [];
    const end = this.size;
    let pos = Math.max(0, cursor);
    for (; pos < end && out.length < limit; pos++) {
      const v = this.matches(filter, pos);
      if (v) out.push(v);
    }
    return { customers: out, next: pos < end ? pos : null };
  }

  /** A page of the win-back list: lapsed or lost customers with a high M score, by revenue, descending. */
  winBack(cursor: number, limit: number): Page & { total: number } {
    if (this.winBackCache?.version !== this.version) {
      const cols = this.columns;
      const live: LiveCustomer[] = [];
      const refs: number[] = [];
      const revenue: number[] = [];
      for (let r = 0; r < cols.size; r++) {
        if (cols.winBack[r] === 1 && !this.byRow.has(r)) {
          refs.push(r);
          revenue.push(cols.number('revenue', r));
        }
      }
      for (const c of this.overlay.values()) {
        if (c.placement?.winBack) {
          refs.push(-1 - live.length);
          revenue.push(c.placement.revenue);
          live.push(c);
        }
      }
      const idx = Int32Array.from(refs.keys()).sort((a, b) => revenue[b]! - revenue[a]! || a - b);
      this.winBackCache = { version: this.version, order: Int32Array.from(idx, (i) => refs[i]!), live };
    }
    const { order, live } = this.winBackCache;
    const out: CustomerView[] = [];
    const start = Math.max(0, cursor);
    const stop = Math.min(order.length, start + limit);
    for (let i = start; i < stop; i++) {
      const ref = order[i]!;
      out.push(ref >= 0 ? this.meta(this.columns.row(ref), false) : this.meta(live[-1 - ref]!.view(), true));
    }
    return { customers: out, next: stop < order.length ? stop : null, total: order.length };
  }
}
