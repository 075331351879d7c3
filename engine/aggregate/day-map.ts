/**
 * An open-addressing hash map from (customer, day) to that day's sums, in typed arrays.
 * It holds the days of customers seen on two or more days (see aggregate-state.ts: a
 * customer's first day lives inline), which makes `purchase_days` exact and lets every
 * revenue window be summed at the end for any `as_of`, in one pass over unordered input.
 *
 *   slot:   cust[]  day[]  net[]  pos[]
 *           -1      -      -      -       empty
 *           17      20123  59.9   59.9    customer 17 spent 59.90 net on day 20123
 *           17      20130  -20    -0      and returned 20 on day 20130 (no purchase that day)
 *
 * Purchase days are told apart by the sign of zero: a return contributes -0 to `pos`, a purchase
 * its amount (>= +0). Under IEEE addition -0 + -0 = -0 and -0 + x = x, so `pos` stays -0 exactly
 * while the day has no purchase, even a free (zero-amount) one; `isPurchaseDay` reads it.
 *
 * Invariant: load factor <= 1/2, capacity a power of two; linear probing; no deletions.
 */
export class DayMap {
  cust: Int32Array;
  day: Int32Array;
  /** Net sum of amounts (purchases and returns) of the customer on the day. */
  net: Float64Array;
  /** Sum of the day's purchase amounts (rows with amount >= 0); -0 on a day without a purchase. */
  pos: Float64Array;
  size = 0;
  private mask: number;

  constructor(capacity = 1024) {
    let cap = 16;
    while (cap < capacity * 2) cap *= 2;
    this.cust = new Int32Array(cap).fill(-1);
    this.day = new Int32Array(cap);
    this.net = new Float64Array(cap);
    this.pos = new Float64Array(cap);
    this.mask = cap - 1;
  }

  /** Slots in the table (for iteration: skip slots whose `cust` is -1). */
  get capacity(): number {
    return this.cust.length;
  }

  /** Adds `net` and `pos` to the (customer, day) entry, creating it when new. */
  add(c: number, d: number, net: number, pos: number): void {
    if (this.size * 2 >= this.cust.length) this.grow();
    let slot = hash(c, d) & this.mask;
    const cust = this.cust;
    const day = this.day;
    for (;;) {
      const k = cust[slot]!;
      if (k === -1) {
        cust[slot] = c;
        day[slot] = d;
        this.net[slot] = net;
        this.pos[slot] = pos;
        this.size++;
        return;
      }
      if (k === c && day[slot] === d) {
        this.net[slot]! += net;
        this.pos[slot]! += pos;
        return;
      }
      slot = (slot + 1) & this.mask;
    }
  }

  /** Doubles the capacity, re-adding the entries in slot order. */
  grow(): void {
    const { cust, day, net, pos } = this;
    const cap = cust.length * 2;
    this.cust = new Int32Array(cap).fill(-1);
    this.day = new Int32Array(cap);
    this.net = new Float64Array(cap);
    this.pos = new Float64Array(cap);
    this.mask = cap - 1;
    this.size = 0;
    for (let s = 0; s < cust.length; s++) {
      if (cust[s] !== -1) this.add(cust[s]!, day[s]!, net[s]!, pos[s]!);
    }
  }
}

/** A 32-bit mix of (customer, day) (murmur3's finaliser over a multiplicative combine). */
function hash(c: number, d: number): number {
  let h = Math.imul(c, 0x9e3779b1) ^ Math.imul(d, 0x85ebca6b);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  return h >>> 0;
}

/** Whether a day's purchase sum (`DayMap.pos`, `AggregateState.day0Pos`) marks a purchase day. */
export function isPurchaseDay(pos: number): boolean {
  return !Object.is(pos, -0);
}
