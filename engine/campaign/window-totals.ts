/**
 * Per customer and campaign window: `spend` (sum of `amount`, returns included, exact in units
 * of 0.0001), `orders` (rows with `amount >= 0`; with `order_id`, distinct orders in the window)
 * and whether the customer ordered in the 365 days before `start` (the default control's test).
 * Every customer seen in the input is numbered, so "no transaction at all" is an absent id.
 */
import { toUnits } from '../aggregate/money.js';
import type { TxBatch } from '../parse/parse-batch.js';
import { dayOf } from '../parse/parse-timestamp.js';
import type { CampaignWindows } from './campaign-windows.js';

/** The two windows, by index: 0 = P (baseline), 1 = C (campaign). */
export const WINDOW_P = 0 as const;
export const WINDOW_C = 1 as const;

/** Days before `start` in which an order makes a customer a default control (DESIGN: whatever pre_days is). */
export const CONTROL_LOOKBACK_DAYS = 365;

/** Growable per-customer sums of both windows. */
export class WindowTotals {
  /** Canonical id → customer number. */
  readonly index = new Map<string, number>();
  /** Spend in units, per window: `spend[w][c]`. */
  spend: [Float64Array, Float64Array] = [new Float64Array(1024), new Float64Array(1024)];
  orders: [Float64Array, Float64Array] = [new Float64Array(1024), new Float64Array(1024)];
  /** 1 when the customer has an order in the 365 days before `start`. */
  recent = new Uint8Array(1024);
  /** (customer, window, order) already counted, for inputs with `order_id`. */
  private readonly seenOrders = new Set<string>();
  private readonly lookbackFrom: number;

  constructor(private readonly windows: CampaignWindows) {
    this.lookbackFrom = windows.C.fromDay - CONTROL_LOOKBACK_DAYS;
  }

  /** Customers seen so far. */
  get size(): number {
    return this.index.size;
  }

  private intern(id: string): number {
    let c = this.index.get(id);
    if (c !== undefined) return c;
    c = this.index.size;
    this.index.set(id, c);
    if (c === this.recent.length) this.grow();
    return c;
  }

  private grow(): void {
    const n = this.recent.length * 2;
    const wider = (a: Float64Array) => {
      const b = new Float64Array(n);
      b.set(a);
      return b;
    };
    this.spend = [wider(this.spend[0]), wider(this.spend[1])];
    this.orders = [wider(this.orders[0]), wider(this.orders[1])];
    const recent = new Uint8Array(n);
    recent.set(this.recent);
    this.recent = recent;
  }

  /** Folds one batch of valid rows in. */
  add(batch: TxBatch): void {
    const { P, C } = this.windows;
    for (let i = 0; i < batch.length; i++) {
      const c = this.intern(String(batch.ids[i]!));
      const d = dayOf(batch.ts[i]!);
      const amount = batch.amount[i]!;
      if (amount >= 0 && d >= this.lookbackFrom && d < C.fromDay) this.recent[c] = 1;
      const inC = d >= C.fromDay && d <= C.toDay;
      if (!inC && !(d >= P.fromDay && d <= P.toDay)) continue;
      const w = inC ? WINDOW_C : WINDOW_P;
      this.spend[w][c]! += toUnits(amount);
      if (amount < 0) continue;
      const order = batch.orderIds?.[i];
      if (order === undefined) this.orders[w][c]!++;
      else {
        const key = `${c}\u0000${w}\u0000${typeof order}${order}`;
        if (!this.seenOrders.has(key)) {
          this.seenOrders.add(key);
          this.orders[w][c]!++;
        }
      }
    }
  }
}
