/**
 * The kernels the engine runs on its hot paths, behind one interface with two implementations:
 * the TypeScript twins (js-kernels.ts, the reference) and the Rust addon (native-kernels.ts).
 * Both produce bit-identical results on the same inputs; test/engine/kernels checks it.
 * Outputs go into caller-allocated typed arrays, so the native side never copies or allocates.
 */
import type { AggregateRowsFn } from '../aggregate/aggregate-rows.js';
import type { CustomerKey } from '../parse/parse-values.js';

/** An integer customer-id column as Arrow or a parser hands it over. */
export type IdColumn = Float64Array | Int32Array | BigInt64Array;

/**
 * Customer ids → dense customer numbers 0..size-1 in order of first sight, with the canonical-key
 * rules of parse-values.ts (`42` and `"42"` are one customer; `"042"` stays text).
 */
export interface IdInterner {
  /** Number of customers interned. */
  readonly size: number;
  /** Numbers of integer ids into `out`; -1 where a value is no id (NaN, a fraction, beyond 2^53 as Float64). */
  internIds(ids: IdColumn, out: Int32Array): void;
  /** Numbers of a Utf8 column (`offsets.length - 1` rows, valid UTF-8, like Arrow's) into `out`; an empty text is missing (-1). */
  internUtf8(bytes: Uint8Array, offsets: Int32Array, out: Int32Array): void;
  /** Keys `from..to` (default: all; both clamped to 0..size) by customer number. */
  keys(from?: number, to?: number): CustomerKey[];
}

/** The kernel set; `name` says which implementation runs. */
export interface Kernels {
  /** Which implementation this is. */
  readonly name: 'js' | 'native';
  /** Folds rows into an AggregateState (aggregate-rows.ts semantics). */
  readonly aggregateRows: AggregateRowsFn;
  /** A new, empty id interner. */
  createInterner(): IdInterner;
  /** Shard hashes of integer ids: `fmix32(fnv1a32(decimal text))` (id-hash.ts). */
  hashIds(ids: IdColumn, out: Uint32Array): void;
  /** Shard hashes of a Utf8 id column: `fmix32(fnv1a32(utf8 bytes))`. */
  hashUtf8(bytes: Uint8Array, offsets: Int32Array, out: Uint32Array): void;
  /**
   * Stable counting sort of rows by partition `hashes[i] & (partitions - 1)` (`partitions` a power
   * of two): rows of partition q are `order[offsets[q]..offsets[q + 1]]`, ascending.
   */
  partitionRows(hashes: Uint32Array, partitions: number, offsets: Uint32Array, order: Uint32Array): void;
  /** The k-1 score thresholds t_i = v[floor(i*n/k)] of the ascending values (quantile-thresholds.ts). */
  quantileThresholds(values: Float64Array, k: number): Float64Array;
}
