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
 *           17      96       3        and returned in the order whose text starts at text[96] ("C536379")
 *
 *   text:   … │ 7 0 │ C 5 3 6 3 7 9 │ …    UTF-16 units: the length (two units), then the text
 *
 * Numeric order ids (safe integers, canonical like customer ids) are stored as themselves; text
 * ids in the `text` arena, the slot holding where, with TEXT_KEY set in the tag, so a number and an
 * offset never meet. No JS string or Map entry is kept per order. Memory grows with distinct
 * (customer, order, side), never with lines: 13 bytes a slot at a load factor between 3/8 and 3/4
 * (17 to 35 bytes an entry), plus 2 bytes a character and 4 more for a text id
 * (bench/e2e/order-set-memory.ts measures it). Most lookups hit the entry the previous line of the
 * same order just touched, so the set runs fuller than the DayMap to save memory.
 *
 * Invariant: load factor <= 3/4, capacity a power of two; linear probing; no deletions. Adding is
 * idempotent, so sets merge exactly by adding one's entries to the other, in any order.
 */
import type { CustomerKey } from '../parse/parse-values.js';

/** Tag bit of an entry on the return side (a row with amount < 0). */
export const RETURN_SIDE = 1;
/** Tag bit of an entry whose key is an offset in `OrderSet.text`, not the order id itself. */
export const TEXT_KEY = 2;

const TWO_16 = 65_536;
const TWO_32 = 4_294_967_296;
// Units per fromCharCode call (a spread of a long text would put one argument per unit on the stack).
const UNITS_PER_CALL = 4096;

/** Customer → (order, side) entries; see the file comment. */
export class OrderSet {
  cust: Int32Array;
  key: Float64Array;
  tag: Uint8Array;
  size = 0;
  /** Text order ids, each as its length in two units (low, high) and then its UTF-16 units. */
  text = new Uint16Array(0);
  /** Units of `text` in use. */
  textUsed = 0;
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
    if (this.size * 4 >= this.cust.length * 3) this.grow();
    const side = ret ? RETURN_SIDE : 0;
    // `order + 0` files -0 under 0, as the customer interner does.
    return typeof order === 'number' ? this.addNumber(c, order + 0, side) : this.addText(c, order, side | TEXT_KEY);
  }

  /** The order id of slot `s` (a number, or the text it stands for). */
  orderAt(s: number): CustomerKey {
    const k = this.key[s]!;
    if ((this.tag[s]! & TEXT_KEY) === 0) return k;
    const units = this.text;
    const from = k + 2;
    const to = from + units[k]! + units[k + 1]! * TWO_16;
    if (to - from <= UNITS_PER_CALL) return String.fromCharCode.apply(null, units.subarray(from, to) as unknown as number[]);
    const parts: string[] = [];
    for (let at = from; at < to; at += UNITS_PER_CALL) {
      parts.push(String.fromCharCode.apply(null, units.subarray(at, Math.min(to, at + UNITS_PER_CALL)) as unknown as number[]));
    }
    return parts.join('');
  }

  /** Adds one to `orders[c]` per purchase-side entry of c and to `returns[c]` per return-side one. */
  countInto(orders: { [c: number]: number }, returns: { [c: number]: number }): void {
    const cust = this.cust;
    const tag = this.tag;
    for (let s = 0; s < cust.length; s++) {
      const c = cust[s]!;
      if (c === -1) continue;
      if ((tag[s]! & RETURN_SIDE) === 0) orders[c]!++;
      else returns[c]!++;
    }
  }

  private addNumber(c: number, k: number, t: number): boolean {
    const cust = this.cust;
    const key = this.key;
    const tag = this.tag;
    let slot = mix(c, k | 0, Math.floor(k / TWO_32) | 0, t) & this.mask;
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

  private addText(c: number, s: string, t: number): boolean {
    const cust = this.cust;
    const tag = this.tag;
    let slot = mix(c, hashString(s), s.length, t) & this.mask;
    for (;;) {
      const sc = cust[slot]!;
      if (sc === -1) {
        cust[slot] = c;
        this.key[slot] = this.store(s);
        tag[slot] = t;
        this.size++;
        return true;
      }
      if (sc === c && tag[slot] === t && this.textIs(this.key[slot]!, s)) return false;
      slot = (slot + 1) & this.mask;
    }
  }

  /** Whether the arena text at `at` is `s`. */
  private textIs(at: number, s: string): boolean {
    const units = this.text;
    if (units[at]! + units[at + 1]! * TWO_16 !== s.length) return false;
    for (let i = 0, u = at + 2; i < s.length; i++, u++) if (units[u] !== s.charCodeAt(i)) return false;
    return true;
  }

  /** Appends `s` to the arena; returns its offset. */
  private store(s: string): number {
    const need = this.textUsed + 2 + s.length;
    if (need > this.text.length) {
      let cap = Math.max(1024, this.text.length * 2);
      while (cap < need) cap *= 2;
      const next = new Uint16Array(cap);
      next.set(this.text.subarray(0, this.textUsed));
      this.text = next;
    }
    const at = this.textUsed;
    const units = this.text;
    units[at] = s.length % TWO_16;
    units[at + 1] = Math.floor(s.length / TWO_16);
    for (let i = 0; i < s.length; i++) units[at + 2 + i] = s.charCodeAt(i);
    this.textUsed = need;
    return at;
  }

  /** Doubles the slots, re-adding the entries in slot order (the arena stays as it is). */
  private grow(): void {
    const { cust, key, tag } = this;
    const cap = cust.length * 2;
    this.cust = new Int32Array(cap).fill(-1);
    this.key = new Float64Array(cap);
    this.tag = new Uint8Array(cap);
    this.mask = cap - 1;
    const units = this.text;
    for (let s = 0; s < cust.length; s++) {
      const c = cust[s]!;
      if (c === -1) continue;
      const k = key[s]!;
      const t = tag[s]!;
      let h: number;
      if ((t & TEXT_KEY) === 0) h = mix(c, k | 0, Math.floor(k / TWO_32) | 0, t);
      else {
        const len = units[k]! + units[k + 1]! * TWO_16;
        h = mix(c, hashUnits(units, k + 2, k + 2 + len), len, t);
      }
      let slot = h & this.mask;
      while (this.cust[slot] !== -1) slot = (slot + 1) & this.mask;
      this.cust[slot] = c;
      this.key[slot] = k;
      this.tag[slot] = t;
    }
  }
}

/** FNV-1a over the UTF-16 units of a text (the same value as hashUnits over its arena copy). */
function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h;
}

function hashUnits(units: Uint16Array, from: number, to: number): number {
  let h = 0x811c9dc5;
  for (let i = from; i < to; i++) h = Math.imul(h ^ units[i]!, 0x01000193);
  return h;
}

/** A 32-bit mix of (customer, two 32-bit words of the key, tag) (murmur3's finaliser). */
function mix(c: number, lo: number, hi: number, t: number): number {
  let h = Math.imul(c, 0x9e3779b1) ^ Math.imul(lo, 0x85ebca6b) ^ Math.imul(hi ^ (t << 24), 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  return h >>> 0;
}
