/**
 * A chunk of generated rows as four parallel columns. One chunk is allocated per run and refilled,
 * so the generator allocates nothing per row and its memory does not grow with the row count.
 */

/** Rows per chunk by default: one Arrow record batch, one refill of the text buffers. */
export const DEFAULT_CHUNK_ROWS = 65_536;

/** Parallel columns of up to `capacity` rows; rows `[0, length)` are valid. */
export interface TransactionChunk {
  readonly capacity: number;
  /** Customer ids, `1..customers`. */
  readonly customerId: Int32Array;
  /** Epoch milliseconds (UTC), integral. */
  readonly ts: Float64Array;
  /** Money with two decimals (a whole number of cents divided by 100); negative for returns. */
  readonly amount: Float64Array;
  /** Profit of the row, two decimals, same sign as `amount` (or 0). */
  readonly margin: Float64Array;
  length: number;
}

/** Allocates an empty chunk of `capacity` rows. */
export function createTransactionChunk(capacity: number = DEFAULT_CHUNK_ROWS): TransactionChunk {
  return {
    capacity,
    customerId: new Int32Array(capacity),
    ts: new Float64Array(capacity),
    amount: new Float64Array(capacity),
    margin: new Float64Array(capacity),
    length: 0,
  };
}
