/**
 * A Float64 column's Arrow buffers in one pass: the validity bitmap (NaN is null; for timestamps
 * anything but a whole instant of the Date range) and, for integer and timestamp columns, the
 * Int32 / Int64 values. The TypeScript reference is the loop arrow-columns.ts always ran; the
 * addon's twin (native/src/columns.rs) writes the same bytes.
 */
import { nativeOr } from '../kernels/native-twin.js';
import { isValidTimestamp } from '../parse/parse-timestamp.js';

/** What a column's values become: 0 number (validity only), 1 Int32 (`v | 0`), 2 Int64 epoch milliseconds. */
export const ENCODE_NUMBER = 0;
export const ENCODE_INTEGER = 1;
export const ENCODE_TIMESTAMP = 2;
export type EncodeKind = typeof ENCODE_NUMBER | typeof ENCODE_INTEGER | typeof ENCODE_TIMESTAMP;

/**
 * Fills `bitmap` ((n + 7) >> 3 bytes) and, for integers and timestamps, `data` (the bytes of an
 * Int32Array / BigInt64Array of n; zero-filled) from `values`; returns the null count.
 */
export type EncodeColumn = (kind: EncodeKind, values: Float64Array, data: Uint8Array, bitmap: Uint8Array) => number;

/** The reference. */
export const encodeColumnJs: EncodeColumn = (kind, values, data, bitmap) => {
  const n = values.length;
  let nullCount = 0;
  if (kind === ENCODE_TIMESTAMP) {
    // Each int64 written as two 32-bit words (little-endian, two's complement by the floor
    // division) instead of a BigInt per value, which cost ~100 ns each.
    const words = new Uint32Array(data.buffer, data.byteOffset, 2 * n);
    for (let i = 0; i < n; i++) {
      const v = values[i]!;
      // An instant outside the Date range is null, never a value `export` could not write back.
      if (!isValidTimestamp(v)) {
        nullCount++;
        continue;
      }
      bitmap[i >> 3]! |= 1 << (i & 7);
      const high = Math.floor(v / 4294967296);
      words[2 * i] = v - high * 4294967296;
      words[2 * i + 1] = high >>> 0;
    }
    return nullCount;
  }
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(values[i]!)) nullCount++;
    else bitmap[i >> 3]! |= 1 << (i & 7);
  }
  if (kind === ENCODE_INTEGER) {
    const ints = new Int32Array(data.buffer, data.byteOffset, n);
    for (let i = 0; i < n; i++) ints[i] = values[i]! | 0;
  }
  return nullCount;
};

/** The encoding of an engine: `native` where the addon has it, else the reference. */
export const encodeColumn = nativeOr('encodeColumn', encodeColumnJs);
