/**
 * Customers per segment, tier, lifecycle stage and spend band (with revenue), starting from a
 * snapshot's manifest and kept current as live updates move customers between classes.
 */
import type { Manifest } from '../snapshot/manifest.js';
import type { SpendBandRow } from '../segment/spend-bands.js';

interface BandSums {
  customers: number;
  revenue: number;
  weekly: number;
  min: number | null;
  max: number | null;
}

function bump(map: Map<string, number>, key: string, by: number): void {
  map.set(key, (map.get(key) ?? 0) + by);
}

/** Live counts by class. */
export class LiveCounts {
  readonly segment: Map<string, number>;
  readonly tier: Map<string, number>;
  readonly lifecycle: Map<string, number>;
  private readonly bands: BandSums[];
  winBack: number;
  customers: number;

  constructor(manifest: Manifest) {
    this.segment = new Map(Object.entries(manifest.segments));
    this.tier = new Map(Object.entries(manifest.tiers));
    this.lifecycle = new Map(Object.entries(manifest.lifecycle));
    this.bands = manifest.spend_bands.map((b) => ({
      customers: b.customers,
      revenue: b.revenue,
      weekly: b.mean_weekly_spend * b.customers,
      min: b.min,
      max: b.max,
    }));
    this.winBack = manifest.win_back;
    this.customers = manifest.customers;
  }

  /** Counts a customer new to the base (its classes are added with {@link LiveCounts.shift}). */
  addCustomer(): void {
    this.customers++;
  }

  /** Adds (sign 1) or takes away (sign -1) one customer holding these classes; plain values, so a batch allocates nothing per customer. */
  shift(segment: string, tier: string, lifecycle: string, band: number, winBack: boolean, revenue: number, weeklySpend: number, sign: 1 | -1): void {
    bump(this.segment, segment, sign);
    bump(this.tier, tier, sign);
    bump(this.lifecycle, lifecycle, sign);
    if (winBack) this.winBack += sign;
    const b = band > 0 ? this.bands[band - 1] : undefined;
    if (b) {
      b.customers += sign;
      b.revenue += sign * revenue;
      b.weekly += sign * weeklySpend;
      if (sign > 0) {
        // Min and max only widen live; the next rescore recomputes them exactly.
        b.min = b.min === null ? weeklySpend : Math.min(b.min, weeklySpend);
        b.max = b.max === null ? weeklySpend : Math.max(b.max, weeklySpend);
      }
    }
  }

  /** A customer that stays in `band` whose revenue and weekly spend change. */
  moveInBand(band: number, revenueBefore: number, weeklyBefore: number, revenue: number, weeklySpend: number): void {
    const b = band > 0 ? this.bands[band - 1] : undefined;
    if (!b) return;
    b.revenue += revenue - revenueBefore;
    b.weekly += weeklySpend - weeklyBefore;
    // Min and max only widen live; the next rescore recomputes them exactly.
    b.min = b.min === null ? weeklySpend : Math.min(b.min, weeklySpend);
    b.max = b.max === null ? weeklySpend : Math.max(b.max, weeklySpend);
  }

  /** The spend-band table (DESIGN "Spend bands") with live counts. */
  spendBands(): SpendBandRow[] {
    let customers = 0;
    let revenue = 0;
    for (const b of this.bands) {
      customers += b.customers;
      revenue += b.revenue;
    }
    return this.bands.map((b, i) => ({
      band: i + 1,
      customers: b.customers,
      share_customers: customers ? b.customers / customers : 0,
      revenue: b.revenue,
      share_revenue: revenue ? b.revenue / revenue : 0,
      mean_weekly_spend: b.customers ? b.weekly / b.customers : 0,
      min: b.min,
      max: b.max,
    }));
  }
}
