/**
 * The distinct orders of each customer when `order_id` is mapped (DESIGN "Definitions": `orders`
 * and `returns` count distinct `order_id`): an open-addressing hash set of (customer, order,
 * side) in typed arrays, like day-map.ts. A row with amount >= 0 puts its order on the purchase
 * side, a negative one on the return side; each side is decided by the row's own sign, so an
 * order with lines of both signs is one order and one return, and a `C` cancellation invoice
 * (only negative lines) is one return.
 *
 *   slot:   cust[]  key[]    tag[]
 *           -1      -        -        empty
 *           17      536365   0        customer 17 bought in order 536365
 *           17      3        3        and returned in the order whose text is texts.keys[3] ("C536379")
 *
 * Numeric order ids (safe integers, canonical like customer ids) are stored as themselves; text
 * ids as their number in `texts`, with TEXT set in the tag, so a number and a text number never
 * meet. Memory grows with distinct (customer, order, side), never with lines: 13 bytes a slot at
 * a load factor between 3/8 and 3/4 (17 to 35 bytes an entry), plus the interned text of text ids
 * (bench/e2e/order-set-memory.ts measures both). Most lookups hit the entry the previous line of
 * the same order just touched, so the set runs fuller than the DayMap to save memory.
 *
 * Invariant: load factor <= 3/4, capacity a power of two; linear probing; no deletions. Adding is
 * idempotent, so sets merge exactly by adding one's entries to the other, in any order.
 */
import type { CustomerKey } from '../parse/parse-values.js';

/** Tag bit of an entry on the return side (a row with amount < 0). */
export const RETURN = 1;
/** Tag bit of an entry whose key is a number in `OrderSet.texts`, not the order id itself. */
export const TEXT = 2;

/** Customer → (order, side) entries; see the file comment. */
export class OrderSet {
  cust: Int32Array;
  key: Float64Array;
  tag: Uint8Array;
  size = 0;
  /** The text order ids, numbered in order of first sight. */
  readonly texts = new TextIndex();
  private mask: number;

  constructor(capacity = 16) {
    let cap = 16;
    while (cap * 3 < capacity * 4) cap *= 2;
    this.cust = new Int32Array(cap).fill(-1);
    this.key = new Float64Array(cap);
    this.tag = new Uint8Array(cap);
    this.mask = cap - 1;
  }

  /** Slots in the table (for iteration: skip slots whose `cust` is -1). */
  get capacity(): number {
    return this.cust.length;
  }

  /** Adds order `order` of customer `c` on the return side when `ret`; true when the entry is new. */
  add(c: number, order: CustomerKey, ret: boolean): boolean {
    const side = ret ? RETURN : 0;
    // `order + 0` files -0 under 0, as the customer interner does.
    return typeof order === 'number' ? this.addEntry(c, order + 0, side) : this.addEntry(c, this.texts.code(order), side | TEXT);
  }

  /** The order id of slot `s` (a number, or the text it stands for). */
  orderAt(s: number): CustomerKey {
    const k = this.key[s]!;
    return (this.tag[s]! & TEXT) !== 0 ? this.texts.keys[k]! : k;
  }

  /** Adds a raw entry (`key` already a text number when `tag` has TEXT); true when new. */
  addEntry(c: number, k: number, t: number): boolean {
    if (this.size * 4 >= this.cust.length * 3) this.grow();
    const cust = this.cust;
    const key = this.key;
    const tag = this.tag;
    let slot = hash(c, k, t) & this.mask;
    for (;;) {
      const sc = cust[slot]!;
      if (sc === -1) {
        cust[slot] = c;
        key[slot] = k;
        tag[slot] = t;
        this.size++;
        return true;
      }
      if (sc === c && key[slot] === k && tag[slot] === t) return false;
      slot = (slot + 1) & this.mask;
    }
  }

  /** Adds one to `orders[c]` per purchase-side entry of c and to `returns[c]` per return-side one. */
  countInto(orders: { [c: number]: number }, returns: { [c: number]: number }): void {
    const cust = this.cust;
    const tag = this.tag;
    for (let s = 0; s < cust.length; s++) {
      const c = cust[s]!;
      if (c === -1) continue;
      if ((tag[s]! & RETURN) === 0) orders[c]!++;
      else returns[c]!++;
    }
  }

  private grow(): void {
    const { cust, key, tag } = this;
    const cap = cust.length * 2;
    this.cust = new Int32Array(cap).fill(-1);
    this.key = new Float64Array(cap);
    this.tag = new Uint8Array(cap);
    this.mask = cap - 1;
    this.size = 0;
    for (let s = 0; s < cust.length; s++) if (cust[s] !== -1) this.addEntry(cust[s]!, key[s]!, tag[s]!);
  }
}

// One V8 Map holds at most 2^24 entries; 20M distinct text order ids need more than one.
const MAP_LIMIT = 1 << 23;

/** Texts → dense numbers 0..n-1 in order of first sight, past the size limit of one Map. */
export class TextIndex {
  private readonly maps: Map<string, number>[] = [new Map()];
  /** Texts by number. */
  readonly keys: string[] = [];

  /** The number of `text`, given one when new. */
  code(text: string): number {
    const maps = this.maps;
    for (let m = 0; m < maps.length; m++) {
      const found = maps[m]!.get(text);
      if (found !== undefined) return found;
    }
    let last = maps[maps.length - 1]!;
    if (last.size >= MAP_LIMIT) {
      last = new Map();
      maps.push(last);
    }
    const code = this.keys.length;
    last.set(text, code);
    this.keys.push(text);
    return code;
  }
}

const TWO_32 = 4_294_967_296;

/** A 32-bit mix of (customer, key, tag); `key` is an integer below 2^53 in magnitude. */
function hash(c: number, k: number, t: number): number {
  const lo = k | 0;
  const hi = Math.floor(k / TWO_32) | 0;
  let h = Math.imul(c, 0x9e3779b1) ^ Math.imul(lo, 0x85ebca6b) ^ Math.imul(hi ^ (t << 24), 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  return h >>> 0;
}
