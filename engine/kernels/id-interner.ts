/**
 * The id interner's contract (what native/src/interner.rs and js-interner.ts implement, and the
 * native sink interns by): its own module so that the kernel set (kernels.ts), the addon's binding
 * and the sink all depend on it, and not on each other.
 */
import type { CustomerKey } from '../parse/parse-values.js';

/** An integer customer-id column as Arrow or a parser hands it over. */
export type IdColumn = Float64Array | Int32Array | BigInt64Array;

/**
 * Verdicts of a masked intern (the same values as native/src/interner.rs). On entry `out[i] >= 0`
 * asks for row i's customer number, `JUDGE_ONLY` only for a verdict (a future row: judged like
 * any other, numbered never), and anything lower leaves the row alone. On exit `out[i]` is the
 * number, `JUDGE_ONLY` for a clean id not interned, `MISSING_ID` or `BAD_ID`.
 */
export const JUDGE_ONLY = -1;
/** No id: null, empty or blank text, `NA`/`NULL`/... (parse-values.ts `customerKeyFromText` undefined), NaN. */
export const MISSING_ID = -2;
/** An id no customer can have (`customerKeyFromText` null): longer than 1,024 bytes, a fraction. */
export const BAD_ID = -3;
/** A dictionary entry no row has needed yet (`internDict`'s `mapping`). */
export const UNSEEN_ENTRY = -0x80000000;

/**
 * Customer ids → dense customer numbers 0..size-1 in order of first sight, with the canonical-key
 * rules of parse-values.ts (`42`, `"42"` and `"42.0"` are one customer; `"042"` stays text;
 * missing-value tokens are no id). Every method is a masked intern (see `JUDGE_ONLY`).
 */
export interface IdInterner {
  /** Number of customers interned. */
  readonly size: number;
  /** An integer or Float64 id column (a Float64 NaN is missing, a fraction bad). */
  internIds(ids: IdColumn, out: Int32Array): void;
  /** A Utf8 column (`offsets.length - 1` rows, like Arrow's); offsets outside `bytes` are bad. */
  internUtf8(bytes: Uint8Array, offsets: Int32Array, out: Int32Array): void;
  /**
   * A dictionary-encoded Utf8 column: row i is entry `indices[i]` of the dictionary (`bytes`,
   * `offsets`). Each entry is judged and interned once, when a row first needs it, and `mapping`
   * (one slot per entry, UNSEEN_ENTRY at first; keep it for later batches of the same dictionary)
   * remembers the verdict.
   */
  internDict(bytes: Uint8Array, offsets: Int32Array, indices: Int32Array, mapping: Int32Array, out: Int32Array): void;
  /** Keys already canonical (a parsed TxBatch's `ids`). */
  internKeys(keys: readonly CustomerKey[], out: Int32Array): void;
  /** Keys `from..to` (default: all; both clamped to 0..size) by customer number. */
  keys(from?: number, to?: number): CustomerKey[];
}
