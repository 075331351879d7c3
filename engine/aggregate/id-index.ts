import type { CustomerKey } from '../parse/parse-values.js';

/**
 * Interns customer keys to dense customer numbers 0..size-1 in order of first sight; every
 * per-customer column is a typed array indexed by that number.
 */
export class IdIndex {
  private readonly map = new Map<CustomerKey, number>();
  /** Keys by customer number. */
  readonly keys: CustomerKey[] = [];

  /** Number of customers interned. */
  get size(): number {
    return this.keys.length;
  }

  /** The customer number of `key`, interning it when new. */
  intern(key: CustomerKey): number {
    let idx = this.map.get(key);
    if (idx === undefined) {
      idx = this.keys.length;
      this.map.set(key, idx);
      this.keys.push(key);
    }
    return idx;
  }

  /** The customer number of `key`, or -1. */
  find(key: CustomerKey): number {
    return this.map.get(key) ?? -1;
  }
}
