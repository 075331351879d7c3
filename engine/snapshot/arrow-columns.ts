/**
 * Typed arrays to Arrow vectors and back without per-value builders: the snapshot of millions
 * of customers is written and read column by column. Null is NaN on our side.
 */
import {
  Bool,
  Dictionary,
  Float64,
  Int16,
  Int32,
  TimestampMillisecond,
  Uint16,
  Uint8,
  Utf8,
  type Vector,
  makeData,
  makeVector,
  vectorFromArray,
} from 'apache-arrow';
import { isValidTimestamp } from '../parse/parse-timestamp.js';

function validity(n: number, isNull: (i: number) => boolean): { nullBitmap: Uint8Array; nullCount: number } {
  const nullBitmap = new Uint8Array((n + 7) >> 3);
  let nullCount = 0;
  for (let i = 0; i < n; i++) {
    if (isNull(i)) nullCount++;
    else nullBitmap[i >> 3]! |= 1 << (i & 7);
  }
  return { nullBitmap, nullCount };
}

/** Float64 column; NaN becomes null. */
export function float64Vector(values: Float64Array): Vector {
  const { nullBitmap, nullCount } = validity(values.length, (i) => Number.isNaN(values[i]!));
  return makeVector(makeData({ type: new Float64(), length: values.length, nullCount, nullBitmap, data: values }));
}

/** Int32 column from whole numbers in a Float64Array; NaN becomes null. */
export function int32Vector(values: Float64Array): Vector {
  const { nullBitmap, nullCount } = validity(values.length, (i) => Number.isNaN(values[i]!));
  const data = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) data[i] = values[i]! | 0;
  return makeVector(makeData({ type: new Int32(), length: values.length, nullCount, nullBitmap, data }));
}

/** Uint8 / Uint16 column without nulls. */
export function uintVector(values: Uint8Array | Uint16Array): Vector {
  const type = values instanceof Uint8Array ? new Uint8() : new Uint16();
  return makeVector(makeData({ type, length: values.length, nullCount: 0, data: values } as never));
}

/** Epoch-millisecond timestamps (UTC); NaN becomes null. */
export function timestampVector(values: Float64Array): Vector {
  // An instant outside the Date range is null, never a value `export` could not write back.
  const { nullBitmap, nullCount } = validity(values.length, (i) => !isValidTimestamp(values[i]!));
  const data = new BigInt64Array(values.length);
  for (let i = 0; i < values.length; i++) if (isValidTimestamp(values[i]!)) data[i] = BigInt(values[i]!);
  return makeVector(makeData({ type: new TimestampMillisecond('UTC'), length: values.length, nullCount, nullBitmap, data }));
}

/** Booleans from 0/1 bytes. */
export function boolVector(values: Uint8Array): Vector {
  const data = new Uint8Array((values.length + 7) >> 3);
  for (let i = 0; i < values.length; i++) if (values[i]) data[i >> 3]! |= 1 << (i & 7);
  return makeVector(makeData({ type: new Bool(), length: values.length, nullCount: 0, data }));
}

/** Utf8 column from strings, encoded in one pass into one buffer. */
export function utf8Vector(values: readonly string[]): Vector {
  const offsets = new Int32Array(values.length + 1);
  let bytes = 0;
  for (let i = 0; i < values.length; i++) {
    bytes += Buffer.byteLength(values[i]!, 'utf8');
    offsets[i + 1] = bytes;
  }
  const data = Buffer.allocUnsafe(bytes);
  for (let i = 0; i < values.length; i++) data.write(values[i]!, offsets[i]!, 'utf8');
  return makeVector(makeData({ type: new Utf8(), length: values.length, nullCount: 0, valueOffsets: offsets, data }));
}

/** Dictionary-encoded strings: `names[codes[i]]`. */
export function dictionaryVector(codes: Uint16Array, names: readonly string[]): Vector {
  const dictionary = vectorFromArray([...names], new Utf8());
  const data = Int16Array.from(codes);
  return makeVector(makeData({ type: new Dictionary(new Utf8(), new Int16()), length: codes.length, nullCount: 0, data, dictionary }));
}

/** Any numeric, timestamp or boolean Arrow column as Float64 with NaN for null. */
export function toFloat64(vector: Vector): Float64Array {
  const out = new Float64Array(vector.length);
  let i = 0;
  for (const v of vector) {
    out[i++] = v === null || v === undefined ? Number.NaN : typeof v === 'boolean' ? (v ? 1 : 0) : Number(v);
  }
  return out;
}
