/**
 * The per-customer partial state of an aggregation: typed arrays indexed by the dense customer
 * number of an IdIndex. Every field is a sum, a count, a min or a max, or a set of days, so two
 * states merge exactly (merge-states.ts) — what lets the pool aggregate shards apart.
 *
 * Days: a customer's first (customer, day) lives inline (day0*); when a second distinct day
 * shows up the customer is "spilled" and all its days live in the DayMap. Most customers buy
 * on one day only, so they never touch the hash map.
 *
 * Orders: with `order_id` mapped, `orders` and `returns` count only the rows that carry no order
 * id, and the distinct orders of the rows that do live in `orderSet` (order-set.ts); a customer's
 * `orders` is the sum of both (finalize.ts). Both parts merge exactly.
 */
import { DayMap } from './day-map.js';
import { OrderSet } from './order-set.js';

/** `day0` of a customer with no day yet. */
export const NO_DAY = -0x80000000;

/** Per-customer partial aggregates; arrays grow with the number of customers. */
export class AggregateState {
  size = 0;
  orders: Uint32Array;
  returns: Uint32Array;
  revenue: Float64Array;
  returnedAmount: Float64Array;
  margin: Float64Array;
  /** min / max `ts` of rows with amount >= 0 (orders); +Infinity / -Infinity while none. */
  firstTs: Float64Array;
  lastTs: Float64Array;
  day0: Int32Array;
  day0Net: Float64Array;
  day0Pos: Float64Array;
  spilled: Uint8Array;
  readonly days: DayMap;
  /** Distinct (customer, order, side) of rows with an order id; empty while none had one. */
  readonly orderSet = new OrderSet();
  /** Latest `ts` of any row aggregated (for the default `as_of`); -Infinity while none. */
  maxTs = Number.NEGATIVE_INFINITY;
  /** Rows aggregated. */
  rows = 0;

  constructor(capacity = 1024) {
    this.orders = new Uint32Array(capacity);
    this.returns = new Uint32Array(capacity);
    this.revenue = new Float64Array(capacity);
    this.returnedAmount = new Float64Array(capacity);
    this.margin = new Float64Array(capacity);
    this.firstTs = new Float64Array(capacity).fill(Number.POSITIVE_INFINITY);
    this.lastTs = new Float64Array(capacity).fill(Number.NEGATIVE_INFINITY);
    this.day0 = new Int32Array(capacity).fill(NO_DAY);
    this.day0Net = new Float64Array(capacity);
    this.day0Pos = new Float64Array(capacity);
    this.spilled = new Uint8Array(capacity);
    this.days = new DayMap(capacity);
  }

  /** Makes room for customers 0..size-1 (amortised doubling). */
  ensure(size: number): void {
    const steps = this.growth(size);
    while (!steps.next().done);
  }

  /**
   * {@link ensure}'s work one column at a time, so that a caller on the serving thread can yield
   * between them (a job's swap reserves half a million customers: 13-25 ms in one step). `orders`,
   * whose length is the capacity, is grown last: an `ensure` between two steps sees the old
   * capacity and grows every column, and the steps after it keep the larger columns.
   */
  *growth(size: number): Generator<void, void, void> {
    if (size > this.size) this.size = size;
    const cap = this.orders.length;
    if (size <= cap) return;
    let next = cap * 2;
    while (next < size) next *= 2;
    this.returns = grow(this.returns, next, (n) => new Uint32Array(n));
    yield;
    this.revenue = grow(this.revenue, next, (n) => new Float64Array(n));
    yield;
    this.returnedAmount = grow(this.returnedAmount, next, (n) => new Float64Array(n));
    yield;
    this.margin = grow(this.margin, next, (n) => new Float64Array(n));
    yield;
    this.firstTs = grow(this.firstTs, next, (n) => new Float64Array(n).fill(Number.POSITIVE_INFINITY));
    yield;
    this.lastTs = grow(this.lastTs, next, (n) => new Float64Array(n).fill(Number.NEGATIVE_INFINITY));
    yield;
    this.day0 = grow(this.day0, next, (n) => new Int32Array(n).fill(NO_DAY));
    yield;
    this.day0Net = grow(this.day0Net, next, (n) => new Float64Array(n));
    yield;
    this.day0Pos = grow(this.day0Pos, next, (n) => new Float64Array(n));
    yield;
    this.spilled = grow(this.spilled, next, (n) => new Uint8Array(n));
    yield;
    this.orders = grow(this.orders, next, (n) => new Uint32Array(n));
  }

  /** Adds a (customer, day, net, positive) contribution; commutative and idempotent in structure. */
  addDay(c: number, d: number, net: number, pos: number): void {
    if (this.spilled[c] === 1) {
      this.days.add(c, d, net, pos);
    } else if (this.day0[c] === NO_DAY) {
      this.day0[c] = d;
      this.day0Net[c] = net;
      this.day0Pos[c] = pos;
    } else if (this.day0[c] === d) {
      this.day0Net[c]! += net;
      this.day0Pos[c]! += pos;
    } else {
      this.spilled[c] = 1;
      this.days.add(c, this.day0[c]!, this.day0Net[c]!, this.day0Pos[c]!);
      this.days.add(c, d, net, pos);
    }
  }
}

/** `old` copied into a new column of `size` made by `make`; `old` itself when it holds that many already. */
export function grow<T extends Uint32Array | Float64Array | Int32Array | Uint8Array | Uint16Array>(old: T, size: number, make: (n: number) => T): T {
  if (old.length >= size) return old;
  const next = make(size);
  next.set(old);
  return next;
}
