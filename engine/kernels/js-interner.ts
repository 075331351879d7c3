/**
 * The TypeScript twin of the native id interner (native/src/interner.rs): columns of ids turned
 * into canonical keys (parse-values.ts) and numbered by an IdIndex.
 */
import { IdIndex } from '../aggregate/id-index.js';
import { type CustomerKey, customerKeyFromText, customerKeyFromValue } from '../parse/parse-values.js';
import type { IdColumn, IdInterner } from './kernels.js';

const decoder = new TextDecoder();

/** An IdInterner over a JS Map. */
export class JsIdInterner implements IdInterner {
  /** The index that numbers keys (shared with the Aggregator when it owns one). */
  readonly index: IdIndex;

  constructor(index = new IdIndex()) {
    this.index = index;
  }

  /** Number of customers interned. */
  get size(): number {
    return this.index.size;
  }

  /** Numbers of integer ids into `out` (-1 where a value is no id). */
  internIds(ids: IdColumn, out: Int32Array): void {
    const index = this.index;
    if (ids instanceof BigInt64Array) {
      for (let i = 0; i < ids.length; i++) out[i] = index.intern(customerKeyFromValue(ids[i]!) as CustomerKey);
      return;
    }
    for (let i = 0; i < ids.length; i++) {
      const v = ids[i]!;
      // `v + 0` turns -0 into 0, the key the Map would file it under anyway.
      out[i] = Number.isSafeInteger(v) ? index.intern(v + 0) : -1;
    }
  }

  /** Numbers of a Utf8 column into `out` (-1 for an empty text or bad offsets). */
  internUtf8(bytes: Uint8Array, offsets: Int32Array, out: Int32Array): void {
    for (let i = 0; i + 1 < offsets.length; i++) {
      const s = offsets[i]!;
      const e = offsets[i + 1]!;
      const key = s < 0 || e < s || e > bytes.length ? undefined : customerKeyFromText(decoder.decode(bytes.subarray(s, e)));
      out[i] = key === undefined || key === null ? -1 : this.index.intern(key);
    }
  }

  /** Keys `from..to` by customer number (both clamped to 0..size). */
  keys(from = 0, to = this.index.size): CustomerKey[] {
    return this.index.keys.slice(Math.max(0, from), Math.max(0, to));
  }
}
