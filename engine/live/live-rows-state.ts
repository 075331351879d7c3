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
import { AggregateState } from '../aggregate/aggregate-state.js';
import { OrderSet } from '../aggregate/order-set.js';
import type { CustomerKey } from '../parse/parse-values.js';

function grown<T extends Int32Array | Float64Array | Uint32Array>(old: T, next: T): T {
  next.set(old);
  return next;
}

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
        this.ordersOf = grown(this.ordersOf, new Uint32Array(cap));
        this.returnsOf = grown(this.returnsOf, new Uint32Array(cap));
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

  override ensure(size: number): void {
    super.ensure(size);
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

  /** Makes room for `n` day entries at once (a swap reserves what the state before held, so no doubling copies them with the loop held). */
  reserveEntries(n: number): void {
    if (n > this.entryDay.length) this.growEntries(n);
  }

  private growEntries(atLeast = 0): void {
    let cap = this.entryDay.length * 2;
    while (cap < atLeast) cap *= 2;
    this.entryDay = grown(this.entryDay, new Int32Array(cap));
    this.entryNet = grown(this.entryNet, new Float64Array(cap));
    this.entryPos = grown(this.entryPos, new Float64Array(cap));
    this.entryNext = grown(this.entryNext, new Int32Array(cap));
  }
}
