/**
 * The aggregate state of the live rows, fed by the batch path's own aggregator and kernel
 * (engine/aggregate), with two additions the live path needs and the batch path does not:
 *
 * - a customer's days can be walked one customer at a time (the batch DayMap can only be scanned
 *   whole, which would cost the whole overlay per applied batch). Each customer's days form a
 *   chain of entries in typed arrays, newest first:
 *
 *       head[c] ──▶ entry 7 (day 20636, net, pos) ──▶ entry 2 (day 20634, ...) ──▶ -1
 *
 *   `pos` keeps the DayMap's sign-of-zero rule: -0 on a day without a purchase (isPurchaseDay).
 *   Customers have few live days, so the walk that finds a day is short.
 * - the distinct orders of the rows with an order id are counted per customer as they arrive
 *   (the batch path counts the whole set once at the end).
 *
 * Invariant: the chain of c holds each day of c's live rows once; `maxDay[c]` is the latest.
 */
import { AggregateState, grow } from '../aggregate/aggregate-state.js';
import { OrderSet } from '../aggregate/order-set.js';
import type { CustomerKey } from '../parse/parse-values.js';

/** An order set that also counts each customer's distinct orders and returns as they arrive. */
export class CountingOrderSet extends OrderSet {
  ordersOf = new Uint32Array(1024);
  returnsOf = new Uint32Array(1024);

  override add(c: number, order: CustomerKey, ret: boolean): boolean {
    const fresh = super.add(c, order, ret);
    if (fresh) {
      if (c >= this.ordersOf.length) {
        let cap = this.ordersOf.length * 2;
        while (cap <= c) cap *= 2;
        this.ordersOf = grow(this.ordersOf, cap, (k) => new Uint32Array(k));
        this.returnsOf = grow(this.returnsOf, cap, (k) => new Uint32Array(k));
      }
      if (ret) this.returnsOf[c]!++;
      else this.ordersOf[c]!++;
    }
    return fresh;
  }

  /** Distinct orders (purchase side) of customer c. */
  orders(c: number): number {
    return c < this.ordersOf.length ? this.ordersOf[c]! : 0;
  }

  /** Distinct orders on the return side of customer c. */
  returns(c: number): number {
    return c < this.returnsOf.length ? this.returnsOf[c]! : 0;
  }
}

/** AggregateState whose days are chained per customer (see the file comment). */
export class LiveRowsState extends AggregateState {
  override readonly orderSet = new CountingOrderSet();
  /** First chain entry of each customer, -1 for none. */
  head = new Int32Array(1024).fill(-1);
  /** Latest day of each customer's live rows (NO_DAY-like minimum while none). */
  maxDay = new Int32Array(1024).fill(-0x80000000);
  entryDay = new Int32Array(1024);
  entryNet = new Float64Array(1024);
  entryPos = new Float64Array(1024);
  entryNext = new Int32Array(1024);
  entries = 0;

  override *growth(size: number): Generator<void, void, void> {
    yield* super.growth(size);
    const cap = this.orders.length;
    if (this.head.length >= cap) return;
    const head = new Int32Array(cap).fill(-1);
    head.set(this.head);
    this.head = head;
    const maxDay = new Int32Array(cap).fill(-0x80000000);
    maxDay.set(this.maxDay);
    this.maxDay = maxDay;
  }

  override addDay(c: number, d: number, net: number, pos: number): void {
    const { entryDay, entryNext } = this;
    for (let e = this.head[c]!; e !== -1; e = entryNext[e]!) {
      if (entryDay[e] === d) {
        this.entryNet[e]! += net;
        this.entryPos[e]! += pos;
        return;
      }
    }
    if (this.entries === entryDay.length) this.growEntries();
    const e = this.entries++;
    this.entryDay[e] = d;
    this.entryNet[e] = net;
    this.entryPos[e] = pos;
    this.entryNext[e] = this.head[c]!;
    this.head[c] = e;
    if (d > this.maxDay[c]!) this.maxDay[c] = d;
  }

  /**
   * Room for `n` chain entries, one column at a time (a swap reserves millions: tens of ms in one
   * step); `entryDay`, whose length is the capacity, last. The caller yields between the steps.
   */
  *entryGrowth(n: number): Generator<void, void, void> {
    if (n <= this.entryDay.length) return;
    let cap = this.entryDay.length * 2;
    while (cap < n) cap *= 2;
    this.entryNet = grow(this.entryNet, cap, (k) => new Float64Array(k));
    yield;
    this.entryPos = grow(this.entryPos, cap, (k) => new Float64Array(k));
    yield;
    this.entryNext = grow(this.entryNext, cap, (k) => new Int32Array(k));
    yield;
    this.entryDay = grow(this.entryDay, cap, (k) => new Int32Array(k));
  }

  private growEntries(): void {
    const steps = this.entryGrowth(this.entryDay.length + 1);
    while (!steps.next().done);
  }

}
