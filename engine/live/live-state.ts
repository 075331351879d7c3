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
import { nextSliceMs, TurnBudget } from '../turn-budget.js';
import { IdHashIndex } from './id-hash-index.js';
import { LiveCounts } from './live-counts.js';
import { LiveOverlay } from './live-overlay.js';
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

/** {@link LiveState.lookup}'s answer for a customer the live overlay holds. */
export const LIVE = -2;

/**
 * Customers derived in one piece, between two looks at the clock: ~1 ms of CPU (0.6-0.7 us a
 * customer); a piece of 1,024 cost ~10% more CPU a customer in fixed costs per derive than 4,096.
 */
const DERIVE_PIECE = 1024;

/** Snapshot plus live overlay. */
export class LiveState {
  readonly columns: SnapshotColumns;
  readonly index: IdHashIndex;
  readonly config: Config;
  private readonly liveCounts: LiveCounts;
  private flushQueued = false;
  /** Bumped by every applied batch; caches of derived orders key on it. */
  version = 0;
  eventsApplied = 0;
  /** The customers live events changed, as columns (live-overlay.ts). */
  readonly overlay: LiveOverlay;
  private winBackCache: { version: number; order: Int32Array } | null = null;

  /** Use {@link LiveState.open} (yields while indexing) or {@link LiveState.openSync}. */
  private constructor(
    readonly snapshot: LoadedSnapshot,
    columns: SnapshotColumns,
    index: IdHashIndex,
  ) {
    this.columns = columns;
    this.index = index;
    this.config = parseConfig(snapshot.manifest.config ?? {});
    this.liveCounts = new LiveCounts(snapshot.manifest);
    const scale = { thresholds: snapshot.manifest.thresholds, config: this.config };
    this.overlay = new LiveOverlay(columns, snapshot.manifest.as_of_ms, scale, this.liveCounts, (id) => index.find(id));
  }

  /** Customers by class, with every applied row counted. */
  get counts(): LiveCounts {
    this.overlay.flush();
    return this.liveCounts;
  }

  /** Indexes a snapshot in the budget's slices of the event loop (id-hash-index.ts), so lookups on the old state go on. */
  static async open(snapshot: LoadedSnapshot, budget = new TurnBudget()): Promise<LiveState> {
    const columns = new SnapshotColumns(snapshot.customers);
    await budget.check();
    const index = await IdHashIndex.build(columns.vector('customer_id'), budget);
    await budget.check();
    return new LiveState(snapshot, columns, index);
  }

  /** Indexes a snapshot in one synchronous step. */
  static openSync(snapshot: LoadedSnapshot): LiveState {
    const columns = new SnapshotColumns(snapshot.customers);
    return new LiveState(snapshot, columns, IdHashIndex.buildSync(columns.vector('customer_id')));
  }

  /** Customers in the live view (snapshot plus new ones). */
  get size(): number {
    return this.columns.size + this.overlay.added.length;
  }

  /** Customers changed by live events. */
  get liveCustomers(): number {
    return this.overlay.size;
  }

  /** Bytes lookups hold beyond the snapshot's own columns: the id index and the listings' arrays that are not views into the columns. */
  get lookupBytes(): number {
    return this.index.extraBytes + this.columns.extraBytes;
  }

  /** The overlay customer of a canonical id text (snapshot row or new), or -1. */
  private liveOf(id: string, row: number): number {
    return row >= 0 ? this.overlay.atRow(row) : this.overlay.find(id);
  }

  private meta(view: CustomerView, live: boolean): CustomerView {
    view['snapshot'] = this.snapshot.id;
    if (!live) view['as_of'] = this.snapshot.manifest.as_of;
    view['live'] = live;
    return view;
  }

  /** The view of one customer by canonical id text, or null. */
  get(id: string): CustomerView | null {
    const row = this.index.find(id);
    const k = this.liveOf(id, row);
    if (k >= 0) {
      this.overlay.flushOne(k);
      return this.meta(this.overlay.view(k), true);
    }
    return row < 0 ? null : this.meta(this.columns.row(row), false);
  }

  /** The view of one customer by key. */
  find(key: CustomerKey): CustomerView | null {
    return this.get(String(key));
  }

  /**
   * A lookup without a view: the snapshot row (>= 0) of a customer the overlay does not hold, so
   * the caller writes it from the columns; {@link LIVE} for one the overlay holds ({@link find}
   * builds its view); -1 for an unknown id. An integer key is found by value, without its text.
   */
  lookup(key: CustomerKey): number {
    const row = typeof key === 'number' ? this.index.findInteger(key) : this.index.find(key);
    if (this.overlay.size === 0) return row;
    return this.liveOf(row >= 0 ? '' : String(key), row) >= 0 ? LIVE : row;
  }

  /** Applies a batch of valid rows: updates and rescores every customer it touches; returns how many. */
  apply(batch: TxBatch): number {
    const touched = this.fold(batch);
    this.deriveInBackground();
    return touched;
  }

  /**
   * Folds a batch of valid rows into the customers' sums and leaves their fields to {@link derive}
   * (a swap builds a state this way and derives it whole before it goes live); returns how many
   * customers it touched.
   */
  fold(batch: TxBatch): number {
    const touched = this.overlay.apply(batch);
    this.version++;
    this.eventsApplied += batch.length;
    return touched;
  }

  /** Derives every customer with rows folded in, a piece at a time, yielding when `budget`'s slice is spent. */
  async derive(budget: TurnBudget): Promise<void> {
    while (this.overlay.flush(DERIVE_PIECE)) await budget.check();
  }

  /**
   * Derives what was folded once the batches that arrived together are in, in slices of the event
   * loop (each as long as the turn before allows, turn-budget.ts) so requests go on between them;
   * a reader that comes first derives what it reads itself.
   */
  private deriveInBackground(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    let yielded = performance.now();
    const slice = (): void => {
      const start = performance.now();
      const ms = nextSliceMs(start - yielded);
      while (this.overlay.flush(DERIVE_PIECE)) {
        if (performance.now() - start >= ms) {
          yielded = performance.now();
          setImmediate(slice);
          return;
        }
      }
      this.flushQueued = false;
    };
    setImmediate(slice);
  }

  private matches(filter: ListFilter, pos: number): CustomerView | null {
    const cols = this.columns;
    const o = this.overlay;
    const k = pos < cols.size ? o.atRow(pos) : o.added[pos - cols.size]!;
    if (k >= 0) {
      const ok =
        (filter.segment === undefined || o.segmentOf(k) === filter.segment) &&
        (filter.tier === undefined || o.tierOf(k) === filter.tier) &&
        (filter.lifecycle === undefined || o.lifecycleOf(k) === filter.lifecycle) &&
        (filter.spend_band === undefined || o.band[k] === filter.spend_band);
      return ok ? this.meta(o.view(k), true) : null;
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
    this.overlay.flush();
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
    this.overlay.flush();
    if (this.winBackCache?.version !== this.version) {
      const cols = this.columns;
      const o = this.overlay;
      const refs: number[] = [];
      const revenue: number[] = [];
      for (let r = 0; r < cols.size; r++) {
        if (cols.winBackOf(r) && o.atRow(r) < 0) {
          refs.push(r);
          revenue.push(cols.number('revenue', r));
        }
      }
      for (let k = 0; k < o.size; k++) {
        if (o.winBack[k] === 1) {
          refs.push(-1 - k);
          revenue.push(o.fields.revenue[k]!);
        }
      }
      const idx = Int32Array.from(refs.keys()).sort((a, b) => revenue[b]! - revenue[a]! || a - b);
      this.winBackCache = { version: this.version, order: Int32Array.from(idx, (i) => refs[i]!) };
    }
    const { order } = this.winBackCache;
    const out: CustomerView[] = [];
    const start = Math.max(0, cursor);
    const stop = Math.min(order.length, start + limit);
    for (let i = start; i < stop; i++) {
      const ref = order[i]!;
      out.push(ref >= 0 ? this.meta(this.columns.row(ref), false) : this.meta(this.overlay.view(-1 - ref), true));
    }
    return { customers: out, next: stop < order.length ? stop : null, total: order.length };
  }
}
