/**
 * The live overlay: the customers live events have changed since the snapshot, as columns (no
 * object per customer). Each has an overlay number k, given by the batch path's own Aggregator in
 * order of first live row; every per-customer value is a typed array indexed by k.
 *
 *   live rows ──Aggregator + its kernel──▶ LiveRowsState (units, counts, first/last, days)
 *                                                   │ + what the snapshot held (added at k's first row)
 *                                                   ▼
 *   touched k ──▶ sums ──deriveFields (finalize's last step)──▶ fields ──scoreLive──▶ classes
 *
 * So a live customer keeps money in exact units of 0.0001 and its fields come from the same
 * derivation as a rescore: 0.1 + 0.2 shows 0.3. What the live path cannot know without the raw
 * history (docs/api.md "Live view"):
 * - `as_of` of a live customer is max(snapshot as_of, end of the UTC day of its latest live row).
 * - `purchase_days`: a live purchase adds its day unless it is the snapshot's first or last
 *   purchase day of the customer (a live row dated between them may count a day the history had).
 * - `revenue_90d` / `revenue_365d`: the snapshot's sums plus the live rows in the windows of the
 *   live as_of; history rows that leave a window because as_of moved on leave it at the next rescore.
 * - orders with an `order_id` count distinct among the live rows; an order the history also
 *   had counts again until the next rescore.
 * - predictions need the model refit and are null until the next rescore.
 */
import { DataType, TimeUnit } from 'apache-arrow';
import { aggregateRows } from '../aggregate/aggregate-rows.js';
import { grow } from '../aggregate/aggregate-state.js';
import { Aggregator } from '../aggregate/aggregator.js';
import { AGGREGATE_FIELDS, type AggregateField } from '../aggregate/customer-table.js';
import { isPurchaseDay } from '../aggregate/day-map.js';
import { deriveFields } from '../aggregate/derive-fields.js';
import { toUnits } from '../aggregate/money.js';
import type { TxBatch } from '../parse/parse-batch.js';
import { nextTurn, TurnBudget } from '../turn-budget.js';
import { MS_PER_DAY } from '../parse/parse-timestamp.js';
import { lostOne } from '../segment/lifecycle.js';
import { type CustomerKey, customerKeyFromText } from '../parse/parse-values.js';
import { type IdEntries, type IdKeyCache, MAX_ENTRIES, entriesOf } from './id-key-cache.js';
import type { LiveCounts } from './live-counts.js';
import { LiveRowsState } from './live-rows-state.js';
import { type LiveScale, type LiveScores, scoreLive } from './live-scorer.js';
import type { Cell, CustomerColumn, SnapshotColumns } from './snapshot-columns.js';

const NO_DAY = -0x80000000;
/** A held class code meaning none (a customer the snapshot does not know). */
const NO_CLASS = 0xffff;

/** The batch path's aggregator over the live rows, its days chained per customer. */
class LiveAggregator extends Aggregator {
  override readonly state = new LiveRowsState();

  /**
   * Folds rows whose customer numbers the caller interned in {@link Aggregator.ids}: what `add`
   * does after interning, on the TypeScript kernels' state (no as_of cut: every live row counts).
   */
  addInterned(cust: Int32Array, batch: TxBatch): void {
    if (batch.margin) this.hasMargin = true;
    this.state.ensure(this.size);
    aggregateRows(this.state, cust, batch.ts, batch.amount, batch.margin, batch.length);
  }
}

// Beyond ±8.64e15 ms a Date is invalid and toISOString throws: such a value shows as null, never fails a lookup.
function iso(ms: number): string | null {
  return Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : null;
}

function nullable(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

/**
 * The batch with canonical keys: the parser and the log give them, but a key typed by hand as
 * the text of a safe integer ("42" for 42) would otherwise become a second customer on one row.
 */
function canonicalIds(batch: TxBatch): TxBatch {
  let ids: CustomerKey[] | null = null;
  for (let i = 0; i < batch.length; i++) {
    const id = batch.ids[i]!;
    if (typeof id !== 'string') continue;
    const c0 = id.charCodeAt(0);
    if (c0 !== 45 && (c0 < 48 || c0 > 57)) continue;
    const key = customerKeyFromText(id);
    if (typeof key === 'number') {
      ids ??= batch.ids.slice();
      ids[i] = key;
    }
  }
  return ids ? { ...batch, ids } : batch;
}

/**
 * A numeric column of the snapshot read straight from its buffer (NaN for null): a customer's
 * first live row reads a dozen of them, and Arrow's per-value getter was most of that. Any other
 * layout reads through SnapshotColumns.number.
 */
function numberReader(columns: SnapshotColumns, name: CustomerColumn): (row: number) => number {
  if (!columns.has(name)) return () => Number.NaN;
  const vector = columns.vector(name);
  const d = vector.data[0];
  const values = d?.values as unknown;
  const plain =
    vector.data.length === 1 && d !== undefined && d.offset === 0 && !DataType.isBool(vector.type) &&
    // Timestamps are read as their stored number, which is the ms of Arrow's getter only for a ms unit.
    !(DataType.isTimestamp(vector.type) && vector.type.unit !== TimeUnit.MILLISECOND) &&
    (values instanceof Float64Array || values instanceof Int32Array || values instanceof Uint32Array || values instanceof Uint16Array || values instanceof Uint8Array || values instanceof BigInt64Array);
  if (!plain) return (row) => columns.number(name, row);
  if (d.nullCount > 0) {
    const bits = d.nullBitmap;
    const at = values as ArrayLike<number | bigint>;
    return (row) => (((bits[row >> 3]! >> (row & 7)) & 1) === 0 ? Number.NaN : Number(at[row]!));
  }
  // One function body per array type, so each body's element load sees one kind: a body shared by
  // all of them (and Number() of a BigInt) was the costliest part of a customer's first live row.
  if (values instanceof Float64Array) return (row) => values[row]!;
  if (values instanceof Int32Array) return (row) => values[row]!;
  if (values instanceof BigInt64Array) {
    // An int64 as its two 32-bit halves: exact below 2^53, like Number() of the BigInt, without one.
    const halves = new Int32Array(values.buffer, values.byteOffset, values.length * 2);
    return (row) => halves[2 * row + 1]! * 4294967296 + (halves[2 * row]! >>> 0);
  }
  const at = values as ArrayLike<number>;
  return (row) => at[row]!;
}

/** A snapshot value that is null (NaN) as 0, for the sums a customer's first live row starts from. */
function orZero(x: number): number {
  return Number.isNaN(x) ? 0 : x;
}

const BASE_COLUMNS = ['orders', 'returns', 'revenue', 'returned_amount', 'margin', 'first_purchase_at', 'last_purchase_at', 'purchase_days', 'revenue_90d', 'revenue_365d', 'weekly_spend'] as const;

/** Columns of the customers live events changed. */
export class LiveOverlay {
  /** Fields of each overlay customer at its live as_of (NaN = null), as the API shows them. */
  readonly fields = {} as Record<AggregateField, Float64Array>;
  asOfMs = new Float64Array(0);
  r = new Uint8Array(0);
  f = new Uint8Array(0);
  m = new Uint8Array(0);
  /** Codes into {@link LiveOverlay.names}. */
  segment = new Uint16Array(0);
  tier = new Uint16Array(0);
  lifecycle = new Uint16Array(0);
  band = new Uint16Array(0);
  winBack = new Uint8Array(0);
  /** Snapshot row of each overlay customer, -1 for one the snapshot does not know. */
  row = new Int32Array(0);
  /** Names of the class codes (fixed by the configuration). */
  names: { segment: readonly string[]; tier: readonly string[]; lifecycle: readonly string[] } = { segment: [], tier: [], lifecycle: [] };
  /** Overlay customers the snapshot does not know, in order of arrival. */
  readonly added: number[] = [];

  // The TypeScript kernels: the aggregation kernel must call the state's addDay (the chained days).
  private readonly agg = new LiveAggregator();
  /** The aggregator's customers: its numbers are the overlay numbers (in order of first sight), its keys the overlay's keys. */
  private readonly customers = this.agg.ids;
  /** Overlay customer of each snapshot row, -1 for none; made at the first live row of a snapshot customer. */
  private byRow: Int32Array | null = null;
  // What the snapshot held beside the sums added into the state: days and windows (units).
  private basePurchaseDays = new Float64Array(0);
  private baseFirstDay = new Int32Array(0);
  private baseLastDay = new Int32Array(0);
  private base90 = new Float64Array(0);
  private base365 = new Float64Array(0);
  /** The snapshot's tier and lifecycle codes of each overlay customer (NO_CLASS for a new one), kept by k so scoring reads them without a random access into the snapshot. */
  private heldTier = new Uint16Array(0);
  private heldLifecycle = new Uint16Array(0);
  /** 1 once a customer's classes are in the counts as the overlay's. */
  private scored = new Uint8Array(0);
  private stamp = new Int32Array(0);
  private applied = 0;
  /**
   * Customers with rows folded in but not derived yet, `pending[pendingHead, pendingCount)` in
   * order of arrival (see {@link LiveOverlay.flush}), and a flag per customer. A flush takes from
   * the head; the queue moves back to the front only when an apply needs the room, so a backlog of
   * a million customers worked off in slices is not copied once per slice.
   */
  private pending = new Int32Array(1024);
  private pendingHead = 0;
  private pendingCount = 0;
  private dirty = new Uint8Array(0);
  private capacity = 0;
  /** Whether a growth ahead of need runs ({@link growAhead}). */
  private growingAhead = false;
  /** Overlay number by id cache entry (-1: not seen) for the cache and generation below (internTagged). */
  private byEntry: Int32Array | null = null;
  private entryCache: IdKeyCache | null = null;
  private entryGeneration = -1;
  private taggedCust = new Int32Array(0);
  private readonly snapshotHasMargin: boolean;
  /** Readers of the snapshot's numeric columns a customer's first live row needs. */
  private readonly snap: Record<(typeof BASE_COLUMNS)[number], (row: number) => number>;

  constructor(
    private readonly columns: SnapshotColumns,
    private readonly snapshotAsOfMs: number,
    private readonly scale: LiveScale,
    private readonly counts: LiveCounts,
    /** The snapshot row of a canonical id text, or -1. */
    private readonly rowOf: (id: string) => number,
  ) {
    for (const name of AGGREGATE_FIELDS) this.fields[name] = new Float64Array(0);
    const margin = columns.has('margin') ? columns.vector('margin') : null;
    this.snapshotHasMargin = margin !== null && margin.nullCount < margin.length;
    this.snap = Object.fromEntries(BASE_COLUMNS.map((name) => [name, numberReader(columns, name)])) as LiveOverlay['snap'];
  }

  /** Customers in the overlay. */
  get size(): number {
    return this.customers.size;
  }

  /** The overlay customer of a snapshot row, or -1. */
  atRow(row: number): number {
    return this.byRow === null ? -1 : this.byRow[row]!;
  }

  /** The overlay customer of a canonical id text, or -1. */
  find(id: string): number {
    if (this.customers.size === 0) return -1;
    const key = customerKeyFromText(id);
    return key === null || key === undefined ? -1 : this.customers.find(key);
  }

  /** Canonical id text of overlay customer k. */
  id(k: number): string {
    return String(this.customers.keys[k]);
  }

  /** The segment, tier and lifecycle names of overlay customer k. */
  segmentOf(k: number): string {
    return this.names.segment[this.segment[k]!]!;
  }

  tierOf(k: number): string {
    return this.names.tier[this.tier[k]!]!;
  }

  lifecycleOf(k: number): string {
    return this.names.lifecycle[this.lifecycle[k]!]!;
  }

  /** Whether rows are folded in that {@link LiveOverlay.flush} has not derived yet (some of the pending may be derived already). */
  get stale(): boolean {
    return this.pendingCount > this.pendingHead;
  }

  /**
   * Folds a batch of valid rows into the customers' sums at once; their fields and classes are
   * derived by the next {@link LiveOverlay.flush} (or {@link LiveOverlay.flushOne}), which every reader calls first. Batches that
   * arrive together (a group commit) so derive a customer they share once. Returns how many
   * customers the batch touched.
   */
  apply(batch: TxBatch): number {
    const before = this.customers.size;
    const tag = batch.orderIds ? undefined : entriesOf(batch.ids);
    let cust: Int32Array;
    if (tag) {
      cust = this.internTagged(batch, tag);
      this.agg.addInterned(cust, batch);
    } else cust = this.agg.add(canonicalIds(batch));
    const size = this.customers.size;
    this.ensure(size);
    for (let k = before; k < size; k++) this.open(k);
    if (this.pending.length < this.pendingCount + batch.length) this.makePendingRoom(batch.length);
    const { stamp, dirty, pending } = this;
    const v = ++this.applied;
    let n = 0;
    for (let i = 0; i < batch.length; i++) {
      const k = cust[i]!;
      if (k < 0 || stamp[k] === v) continue;
      stamp[k] = v;
      n++;
      if (dirty[k] === 0) {
        dirty[k] = 1;
        pending[this.pendingCount++] = k;
      }
    }
    this.growAhead();
    return n;
  }

  /**
   * The overlay numbers of a batch whose ids a reader tagged with their id cache entries: a row
   * whose entry was seen before takes the number kept for it, any other interns its key (keys
   * from the cache are canonical: customerKeyFromText made them).
   */
  private internTagged(batch: TxBatch, tag: IdEntries): Int32Array {
    if (tag.cache !== this.entryCache || tag.generation !== this.entryGeneration) {
      this.entryCache = tag.cache;
      this.entryGeneration = tag.generation;
      if (this.byEntry === null) this.byEntry = new Int32Array(MAX_ENTRIES);
      this.byEntry.fill(-1);
    }
    const n = batch.length;
    if (this.taggedCust.length < n) this.taggedCust = new Int32Array(n);
    const cust = this.taggedCust.subarray(0, n);
    const { entries } = tag;
    const { ids } = batch;
    const byEntry = this.byEntry!;
    const customers = this.customers;
    for (let i = 0; i < n; i++) {
      const e = entries[i]!;
      if (e < 0) {
        cust[i] = customers.intern(ids[i]!);
        continue;
      }
      let k = byEntry[e]!;
      if (k < 0) {
        k = customers.intern(ids[i]!);
        byEntry[e] = k;
      }
      cust[i] = k;
    }
    return cust;
  }

  /**
   * Derives and scores pending customers (on the snapshot's scale): all of them, or the first
   * `limit` in order of arrival, so a big backlog (the log re-applied at a swap) can be worked
   * off in slices between requests. Returns whether any are left.
   */
  flush(limit = Number.POSITIVE_INFINITY): boolean {
    const head = this.pendingHead;
    if (this.pendingCount === head) return false;
    const take = Math.min(this.pendingCount - head, limit);
    const ks = this.pending.slice(head, head + take);
    this.pendingHead = head + take;
    if (this.pendingHead === this.pendingCount) this.pendingHead = this.pendingCount = 0;
    // A customer derived alone by flushOne since is clean already; one derivation does.
    let n = 0;
    for (let i = 0; i < ks.length; i++) {
      const k = ks[i]!;
      if (this.dirty[k] === 1) {
        this.dirty[k] = 0;
        ks[n++] = k;
      }
    }
    if (n > 0) this.rescore(ks.subarray(0, n));
    return this.pendingCount > this.pendingHead;
  }

  /**
   * Room for `rows` more pending customers: the queue moved to the front, and grown unless that
   * leaves half the array free (so a move is paid for by as many appends as it copies).
   */
  private makePendingRoom(rows: number): void {
    this.pending.copyWithin(0, this.pendingHead, this.pendingCount);
    this.pendingCount -= this.pendingHead;
    this.pendingHead = 0;
    if (this.pending.length < 2 * (this.pendingCount + rows)) this.pending = grow(this.pending, 2 * (this.pendingCount + rows), (n) => new Int32Array(n));
  }

  /** Derives customer k alone when rows are pending for it: a lookup need not wait for a whole backlog. */
  flushOne(k: number): void {
    if (this.dirty[k] !== 1) return;
    this.dirty[k] = 0;
    this.rescore(Int32Array.of(k));
  }

  /** Every field of overlay customer k, as the API shows it. */
  view(k: number): Record<string, Cell> {
    const f = this.fields;
    const none = f.orders[k] === 0;
    const r = this.r[k]!;
    const fs = this.f[k]!;
    const m = this.m[k]!;
    return {
      customer_id: this.id(k),
      orders: f.orders[k]!,
      purchase_days: f.purchase_days[k]!,
      first_purchase_at: none ? null : iso(f.first_purchase_at[k]!),
      last_purchase_at: none ? null : iso(f.last_purchase_at[k]!),
      revenue: f.revenue[k]!,
      returns: f.returns[k]!,
      returned_amount: f.returned_amount[k]!,
      margin: nullable(f.margin[k]!),
      revenue_90d: f.revenue_90d[k]!,
      revenue_365d: f.revenue_365d[k]!,
      recency_days: nullable(f.recency_days[k]!),
      tenure_days: nullable(f.tenure_days[k]!),
      aov: nullable(f.aov[k]!),
      weekly_spend: nullable(f.weekly_spend[k]!),
      r_score: r,
      f_score: fs,
      m_score: m,
      rfm_cell: `${r}${fs}${m}`,
      segment: this.segmentOf(k),
      spend_band: this.band[k]!,
      tier: this.tierOf(k),
      lifecycle: this.lifecycleOf(k),
      win_back: this.winBack[k] === 1,
      ...this.lostView(k),
      p_alive: null,
      expected_purchases_90d: null,
      expected_aov: null,
      clv_365d: null,
      as_of: iso(this.asOfMs[k]!),
    };
  }

  /** The lost customers' fields of overlay customer k (DESIGN "Lost customers"); `last_year_revenue` is not kept live. */
  private lostView(k: number): Record<'lost_at' | 'returned_share' | 'lost_reason' | 'last_year_revenue', Cell> {
    const f = this.fields;
    const gross = f.revenue[k]! + f.returned_amount[k]!;
    const returnedShare = gross > 0 ? f.returned_amount[k]! / gross : 0;
    if (this.lifecycleOf(k) !== 'lost') return { lost_at: null, returned_share: returnedShare, lost_reason: null, last_year_revenue: null };
    const { config } = this.scale;
    const scores: Record<string, number> = { r_score: this.r[k]!, f_score: this.f[k]!, m_score: this.m[k]!, returned_share: returnedShare };
    const value = (field: string) => scores[field] ?? (f as Record<string, Float64Array | undefined>)[field]?.[k] ?? Number.NaN;
    const lost = lostOne(f.last_purchase_at[k]!, Math.floor(this.asOfMs[k]! / MS_PER_DAY), config.lifecycle.lapsed_days, config.lost_reasons, value);
    return { lost_at: iso(lost.lost_at), returned_share: returnedShare, lost_reason: lost.lost_reason, last_year_revenue: null };
  }

  /**
   * Makes room for twice the customers and day entries of `like` at once: a swap reserves what the
   * state before held, so re-applying the log does not copy every column at each doubling (a step
   * of hundreds of milliseconds at half a million customers, with the event loop held). Twice, as
   * {@link growAhead} keeps it: room for only as many made the re-apply fill the columns past half,
   * and a second growth of every column (~350 MB at a million customers, each piece of it pushing
   * the collector to a full pass) ran beside the swap on its own budget. The columns are made one
   * or a few at a time within `budget`'s slices: all of them at once held the loop 30-100 ms with
   * the collector's pressure steps.
   */
  reserve(like: LiveOverlay, budget: TurnBudget): Promise<void> {
    return this.reserveFor(2 * like.size, 2 * like.agg.state.entries, budget);
  }

  /** Room for `customers` and `entries` day entries, a column or a few a step, yielding when `budget`'s slice is spent. */
  private async reserveFor(customers: number, entries: number, budget: TurnBudget): Promise<void> {
    const steps = this.growth(customers);
    while (!steps.next().done) await budget.check();
    // The aggregator's sums too (its `size` is read only by finalize, which the overlay never runs).
    const sums = this.agg.state.growth(customers);
    while (!sums.next().done) await budget.check();
    const chain = this.agg.state.entryGrowth(entries);
    while (!chain.next().done) await budget.check();
  }

  /**
   * Once the customers or the day entries fill half their columns, grows them to twice as many
   * in steps between requests, from the next turn on. Before, the apply that found them full
   * doubled every column at once: an ingest of 10,000 new customers at 140,000 held the loop
   * 85 ms for it (session 20). An apply that needs the room before the steps are done still makes
   * it at once ({@link ensure}); the steps keep any column an ensure made larger. A growth that
   * fails (memory) is left to that ensure, where the apply reports it.
   */
  private growAhead(): void {
    if (this.growingAhead) return;
    const s = this.agg.state;
    const customers = this.capacity > 0 && this.size * 2 > this.capacity ? this.capacity * 2 : 0;
    const entries = s.entries * 2 > s.entryDay.length ? s.entryDay.length * 2 : 0;
    if (customers === 0 && entries === 0) return;
    this.growingAhead = true;
    nextTurn()
      .then(() => this.reserveFor(customers, entries, new TurnBudget()))
      .catch(() => {})
      .finally(() => {
        this.growingAhead = false;
      });
  }

  /** Makes room for overlay customers 0..size-1 (amortised doubling). */
  private ensure(size: number): void {
    if (size <= this.capacity) return;
    const steps = this.growth(size);
    while (!steps.next().done);
  }

  /**
   * {@link ensure}'s work in steps of one large column or a few small ones; the capacity changes
   * after the last. A column already long enough is kept: an ensure between two steps (an apply
   * during a growth ahead) may have grown every column further.
   */
  private *growth(size: number): Generator<void, void, void> {
    if (size <= this.capacity) return;
    let cap = Math.max(1024, this.capacity * 2);
    while (cap < size) cap *= 2;
    for (const name of AGGREGATE_FIELDS) {
      this.fields[name] = grow(this.fields[name], cap, (n) => new Float64Array(n));
      yield;
    }
    this.asOfMs = grow(this.asOfMs, cap, (n) => new Float64Array(n));
    yield;
    this.basePurchaseDays = grow(this.basePurchaseDays, cap, (n) => new Float64Array(n));
    yield;
    this.base90 = grow(this.base90, cap, (n) => new Float64Array(n));
    yield;
    this.base365 = grow(this.base365, cap, (n) => new Float64Array(n));
    yield;
    this.row = grow(this.row, cap, (n) => new Int32Array(n));
    this.baseFirstDay = grow(this.baseFirstDay, cap, (n) => new Int32Array(n));
    yield;
    this.baseLastDay = grow(this.baseLastDay, cap, (n) => new Int32Array(n));
    this.stamp = grow(this.stamp, cap, (n) => new Int32Array(n));
    yield;
    this.r = grow(this.r, cap, (n) => new Uint8Array(n));
    this.f = grow(this.f, cap, (n) => new Uint8Array(n));
    this.m = grow(this.m, cap, (n) => new Uint8Array(n));
    this.winBack = grow(this.winBack, cap, (n) => new Uint8Array(n));
    this.scored = grow(this.scored, cap, (n) => new Uint8Array(n));
    this.dirty = grow(this.dirty, cap, (n) => new Uint8Array(n));
    yield;
    this.segment = grow(this.segment, cap, (n) => new Uint16Array(n));
    this.tier = grow(this.tier, cap, (n) => new Uint16Array(n));
    this.lifecycle = grow(this.lifecycle, cap, (n) => new Uint16Array(n));
    this.band = grow(this.band, cap, (n) => new Uint16Array(n));
    this.heldTier = grow(this.heldTier, cap, (n) => new Uint16Array(n));
    this.heldLifecycle = grow(this.heldLifecycle, cap, (n) => new Uint16Array(n));
    // An ensure between two steps may have made it larger already.
    this.capacity = Math.max(this.capacity, cap);
  }

  /** A new overlay customer: finds its snapshot row and adds what the snapshot held into its sums. */
  private open(k: number): void {
    const id = String(this.customers.keys[k]);
    const row = this.rowOf(id);
    this.row[k] = row;
    this.baseFirstDay[k] = NO_DAY;
    this.baseLastDay[k] = NO_DAY;
    this.heldTier[k] = row < 0 ? NO_CLASS : this.columns.tier.codes[row]!;
    this.heldLifecycle[k] = row < 0 ? NO_CLASS : this.columns.lifecycle.codes[row]!;
    if (row < 0) {
      this.added.push(k);
      return;
    }
    if (this.byRow === null) this.byRow = new Int32Array(this.columns.size).fill(-1);
    this.byRow[row] = k;
    const snap = this.snap;
    const s = this.agg.state;
    s.orders[k]! += orZero(snap.orders(row));
    s.returns[k]! += orZero(snap.returns(row));
    s.revenue[k]! += toUnits(orZero(snap.revenue(row)));
    s.returnedAmount[k]! += toUnits(orZero(snap.returned_amount(row)));
    s.margin[k]! += toUnits(orZero(snap.margin(row)));
    const first = snap.first_purchase_at(row);
    const last = snap.last_purchase_at(row);
    if (!Number.isNaN(first)) {
      if (first < s.firstTs[k]!) s.firstTs[k] = first;
      this.baseFirstDay[k] = Math.floor(first / MS_PER_DAY);
    }
    if (!Number.isNaN(last)) {
      if (last > s.lastTs[k]!) s.lastTs[k] = last;
      this.baseLastDay[k] = Math.floor(last / MS_PER_DAY);
    }
    this.basePurchaseDays[k] = orZero(snap.purchase_days(row));
    this.base90[k] = toUnits(orZero(snap.revenue_90d(row)));
    this.base365[k] = toUnits(orZero(snap.revenue_365d(row)));
  }

  /** Derives and scores the touched customers, grouped by their live as_of (deriveFields takes one). */
  private rescore(touched: Int32Array): void {
    const maxDay = this.agg.state.maxDay;
    const asOf = new Float64Array(touched.length);
    let uniform = true;
    for (let i = 0; i < touched.length; i++) {
      const d = maxDay[touched[i]!]!;
      asOf[i] = d === NO_DAY ? this.snapshotAsOfMs : Math.max(this.snapshotAsOfMs, (d + 1) * MS_PER_DAY - 1);
      if (asOf[i] !== asOf[0]) uniform = false;
    }
    if (uniform) {
      if (touched.length > 0) this.deriveAndScore(touched, asOf[0]!);
      return;
    }
    const groups = new Map<number, number[]>();
    for (let i = 0; i < touched.length; i++) {
      const g = groups.get(asOf[i]!);
      if (g) g.push(touched[i]!);
      else groups.set(asOf[i]!, [touched[i]!]);
    }
    for (const [a, ks] of groups) this.deriveAndScore(Int32Array.from(ks), a);
  }

  private deriveAndScore(ks: Int32Array, asOfMs: number): void {
    const n = ks.length;
    const s = this.agg.state;
    const set = s.orderSet;
    const col = () => new Float64Array(n);
    const [orders, returns, revenue, returnedAmount, margin, firstTs, lastTs, purchaseDays, w90, w365] = [col(), col(), col(), col(), col(), col(), col(), col(), col(), col()];
    const marginKnown = this.snapshotHasMargin || this.agg.hasMargin;
    const asOfDay = Math.floor(asOfMs / MS_PER_DAY);
    const { head, entryDay, entryNet, entryPos, entryNext } = s;
    for (let i = 0; i < n; i++) {
      const k = ks[i]!;
      orders[i] = s.orders[k]! + set.orders(k);
      returns[i] = s.returns[k]! + set.returns(k);
      revenue[i] = s.revenue[k]!;
      returnedAmount[i] = s.returnedAmount[k]!;
      margin[i] = marginKnown ? s.margin[k]! : Number.NaN;
      firstTs[i] = s.firstTs[k]!;
      lastTs[i] = s.lastTs[k]!;
      let days = this.basePurchaseDays[k]!;
      let in90 = this.base90[k]!;
      let in365 = this.base365[k]!;
      const firstDay = this.baseFirstDay[k]!;
      const lastDay = this.baseLastDay[k]!;
      // A row is in window w when day(ts) > day(as_of) - w, as in finalize.ts.
      for (let e = head[k]!; e !== -1; e = entryNext[e]!) {
        const d = entryDay[e]!;
        if (isPurchaseDay(entryPos[e]!) && d !== firstDay && d !== lastDay) days++;
        if (d > asOfDay - 90) in90 += entryNet[e]!;
        if (d > asOfDay - 365) in365 += entryNet[e]!;
      }
      purchaseDays[i] = days;
      w90[i] = in90;
      w365[i] = in365;
    }
    const table = deriveFields(
      {
        // deriveFields reads only the number of ids; the overlay keeps them in the aggregator.
        customerId: new Array<string>(n).fill(''),
        orders,
        returns,
        revenue,
        returnedAmount,
        margin,
        firstTs,
        lastTs,
        purchaseDays,
        // Mean repeat value feeds only the models, which the live path does not refit.
        repeatSum: col(),
        windows: new Map([[90, w90], [365, w365]]),
      },
      asOfMs,
    );
    const cols = this.columns;
    const previous = (held: Uint16Array, names: readonly string[]) => (i: number) => {
      const code = held[ks[i]!]!;
      return code === NO_CLASS ? undefined : names[code];
    };
    const scores = scoreLive(table, this.scale, { tier: previous(this.heldTier, cols.tier.names), lifecycle: previous(this.heldLifecycle, cols.lifecycle.names) });
    this.store(ks, table.fields, asOfMs, scores);
  }

  /** Writes the new fields and classes of `ks` and moves them in the counts. */
  private store(ks: Int32Array, fields: Record<AggregateField, Float64Array>, asOfMs: number, sc: LiveScores): void {
    this.names = { segment: sc.segment.names, tier: sc.tier.names, lifecycle: sc.lifecycle.names };
    const counts = this.counts;
    const cols = this.columns;
    const mine = this.fields;
    const { revenue, weekly_spend: weekly } = fields;
    for (let i = 0; i < ks.length; i++) {
      const k = ks[i]!;
      const seg = sc.segment.codes[i]!;
      const tier = sc.tier.codes[i]!;
      const stage = sc.lifecycle.codes[i]!;
      const band = sc.band[i]!;
      const winBack = sc.winBack[i]!;
      if (this.scored[k] === 1) {
        // Most updates leave a customer in its classes: then only its band's money moves.
        if (this.segment[k] === seg && this.tier[k] === tier && this.lifecycle[k] === stage && this.band[k] === band && this.winBack[k] === winBack) {
          counts.moveInBand(band, mine.revenue[k]!, mine.weekly_spend[k]!, revenue[i]!, weekly[i]!);
          continue;
        }
        counts.shift(this.segmentOf(k), this.tierOf(k), this.lifecycleOf(k), this.band[k]!, this.winBack[k] === 1, mine.revenue[k]!, mine.weekly_spend[k]!, -1);
      } else {
        const row = this.row[k]!;
        if (row < 0) counts.addCustomer();
        else {
          counts.shift(
            cols.segment.names[cols.segment.codes[row]!]!,
            cols.tier.names[cols.tier.codes[row]!]!,
            cols.lifecycle.names[cols.lifecycle.codes[row]!]!,
            cols.spendBand[row]!,
            cols.winBackOf(row),
            this.snap.revenue(row),
            this.snap.weekly_spend(row),
            -1,
          );
        }
        this.scored[k] = 1;
      }
      const names = this.names;
      counts.shift(names.segment[seg]!, names.tier[tier]!, names.lifecycle[stage]!, band, winBack === 1, revenue[i]!, weekly[i]!, 1);
    }
    for (const name of AGGREGATE_FIELDS) {
      const from = fields[name];
      const to = mine[name];
      for (let i = 0; i < ks.length; i++) to[ks[i]!] = from[i]!;
    }
    for (let i = 0; i < ks.length; i++) {
      const k = ks[i]!;
      this.asOfMs[k] = asOfMs;
      this.r[k] = sc.r[i]!;
      this.f[k] = sc.f[i]!;
      this.m[k] = sc.m[i]!;
      this.segment[k] = sc.segment.codes[i]!;
      this.tier[k] = sc.tier.codes[i]!;
      this.lifecycle[k] = sc.lifecycle.codes[i]!;
      this.band[k] = sc.band[i]!;
      this.winBack[k] = sc.winBack[i]!;
    }
  }
}
