/**
 * One customer changed by live events since the snapshot: the snapshot's aggregates (or
 * nothing, for a customer the snapshot does not know) plus the live rows folded in.
 *
 * Semantics (docs/api.md "Live view"), chosen so that a live update never needs the raw history:
 * - `as_of` of the live view is max(snapshot as_of, end of the UTC day of the customer's latest
 *   live row); recency and tenure are counted from it.
 * - `purchase_days`: a live purchase adds a day unless it falls on the day of the snapshot's
 *   first or last purchase or on a day a live purchase already added. (A live row dated between
 *   the snapshot's first and last purchase days may count a day the history already had; the
 *   next rescore recounts exactly.)
 * - `revenue_90d` / `revenue_365d`: the snapshot's window sums plus the live rows inside the
 *   window of the live as_of; rows of the history that leave the window because as_of moved on
 *   leave it at the next rescore.
 * - predictions (p_alive, CLV...) need the model refit and are null until the next rescore.
 */
import { endOfDay } from '../aggregate/finalize.js';
import { dayOf } from '../parse/parse-timestamp.js';

function nullable(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

// Beyond ±8.64e15 ms a Date is invalid and toISOString throws: such a value shows as null, never fails a lookup.
function iso(ms: number): string | null {
  return Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : null;
}

/** The categorical values a customer holds, for the live counts. */
export interface Placement {
  readonly segment: string;
  readonly tier: string;
  readonly lifecycle: string;
  readonly band: number;
  readonly winBack: boolean;
  readonly revenue: number;
  readonly weeklySpend: number;
}

/** Aggregates a live customer starts from. */
export interface BaseAggregates {
  readonly orders: number;
  readonly purchaseDays: number;
  readonly firstTs: number;
  readonly lastTs: number;
  readonly revenue: number;
  readonly returns: number;
  readonly returnedAmount: number;
  readonly margin: number;
  readonly revenue90: number;
  readonly revenue365: number;
}

/** A customer with no history. */
export const EMPTY_BASE: BaseAggregates = {
  orders: 0,
  purchaseDays: 0,
  firstTs: Number.NaN,
  lastTs: Number.NaN,
  revenue: 0,
  returns: 0,
  returnedAmount: 0,
  margin: Number.NaN,
  revenue90: 0,
  revenue365: 0,
};

/** Derived fields at the live as_of (NaN = null). */
export interface DerivedFields {
  readonly asOfMs: number;
  readonly revenue_90d: number;
  readonly revenue_365d: number;
  readonly recency_days: number;
  readonly tenure_days: number;
  readonly aov: number;
  readonly weekly_spend: number;
}

/** A customer updated by live rows. */
export class LiveCustomer {
  orders: number;
  purchaseDays: number;
  firstTs: number;
  lastTs: number;
  revenue: number;
  returns: number;
  returnedAmount: number;
  margin: number;
  maxLiveTs = Number.NEGATIVE_INFINITY;
  /** What the customer held before this update (snapshot or previous live view); null for a new customer. */
  placement: Placement | null;
  /** Fields at the live as_of, and the scores, from the last rescoring (live-scorer.ts). */
  derived: DerivedFields | null = null;
  r = 0;
  f = 0;
  m = 0;
  private readonly base: BaseAggregates;
  private readonly snapDays: ReadonlySet<number>;
  /** Net amount of live rows per day (windows), and the days a live purchase already counted. */
  private readonly liveNet = new Map<number, number>();
  private readonly liveDays = new Set<number>();

  constructor(
    readonly id: string,
    /** Row in the snapshot, -1 for a customer the snapshot does not know. */
    readonly row: number,
    base: BaseAggregates,
    /** The snapshot's tier and lifecycle (tier grace, `reactivated`). */
    readonly previous: { readonly tier: string | undefined; readonly lifecycle: string | undefined },
    placement: Placement | null,
  ) {
    this.base = base;
    this.orders = base.orders;
    this.purchaseDays = base.purchaseDays;
    this.firstTs = base.firstTs;
    this.lastTs = base.lastTs;
    this.revenue = base.revenue;
    this.returns = base.returns;
    this.returnedAmount = base.returnedAmount;
    this.margin = base.margin;
    this.placement = placement;
    const days = new Set<number>();
    if (!Number.isNaN(base.firstTs)) days.add(dayOf(base.firstTs));
    if (!Number.isNaN(base.lastTs)) days.add(dayOf(base.lastTs));
    this.snapDays = days;
  }

  /** Folds one valid row in. */
  add(ts: number, amount: number, margin: number): void {
    const d = dayOf(ts);
    if (amount >= 0) {
      this.orders++;
      if (!this.snapDays.has(d) && !this.liveDays.has(d)) {
        this.purchaseDays++;
        this.liveDays.add(d);
      }
      if (!(ts >= this.firstTs)) this.firstTs = ts;
      if (!(ts <= this.lastTs)) this.lastTs = ts;
    } else if (amount < 0) {
      this.returns++;
      this.returnedAmount -= amount;
    }
    this.revenue += amount;
    if (!Number.isNaN(margin)) this.margin = (Number.isNaN(this.margin) ? 0 : this.margin) + margin;
    this.liveNet.set(d, (this.liveNet.get(d) ?? 0) + amount);
    if (ts > this.maxLiveTs) this.maxLiveTs = ts;
  }

  /** The customer as the API shows it, built on demand so that applying a batch allocates little. */
  view(): Record<string, number | string | boolean | null> {
    const d = this.derived!;
    const p = this.placement!;
    const none = this.orders === 0;
    return {
      customer_id: this.id,
      orders: this.orders,
      purchase_days: this.purchaseDays,
      first_purchase_at: none ? null : iso(this.firstTs),
      last_purchase_at: none ? null : iso(this.lastTs),
      revenue: this.revenue,
      returns: this.returns,
      returned_amount: this.returnedAmount,
      margin: nullable(this.margin),
      revenue_90d: d.revenue_90d,
      revenue_365d: d.revenue_365d,
      recency_days: nullable(d.recency_days),
      tenure_days: nullable(d.tenure_days),
      aov: nullable(d.aov),
      weekly_spend: nullable(d.weekly_spend),
      r_score: this.r,
      f_score: this.f,
      m_score: this.m,
      rfm_cell: `${this.r}${this.f}${this.m}`,
      segment: p.segment,
      spend_band: p.band,
      tier: p.tier,
      lifecycle: p.lifecycle,
      win_back: p.winBack,
      p_alive: null,
      expected_purchases_90d: null,
      expected_aov: null,
      clv_365d: null,
      as_of: iso(d.asOfMs),
    };
  }

  /** The fields that depend on as_of, at max(snapshot as_of, end of the latest live row's day). */
  derive(snapshotAsOfMs: number): DerivedFields {
    const asOfMs = Math.max(snapshotAsOfMs, endOfDay(this.maxLiveTs));
    const asOfDay = dayOf(asOfMs);
    let w90 = this.base.revenue90;
    let w365 = this.base.revenue365;
    for (const [d, net] of this.liveNet) {
      if (d > asOfDay - 90) w90 += net;
      if (d > asOfDay - 365) w365 += net;
    }
    if (this.orders === 0) {
      const nan = Number.NaN;
      return { asOfMs, revenue_90d: w90, revenue_365d: w365, recency_days: nan, tenure_days: nan, aov: nan, weekly_spend: nan };
    }
    const tenure = asOfDay - dayOf(this.firstTs);
    return {
      asOfMs,
      revenue_90d: w90,
      revenue_365d: w365,
      recency_days: asOfDay - dayOf(this.lastTs),
      tenure_days: tenure,
      aov: this.revenue / this.orders,
      weekly_spend: this.revenue / Math.max(1, Math.ceil((tenure + 1) / 7)),
    };
  }
}
