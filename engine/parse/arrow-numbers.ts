/**
 * Arrow columns of numbers, timestamps and dates as one Float64Array (NaN = null) read straight
 * from each chunk's buffers: `Vector.get(i)` finds the chunk and boxes the value on every call,
 * which cost more than the rest of the parse. Other types return null and go the generic way.
 */
import { DateUnit, TimeUnit, Type, type Data, type Vector } from 'apache-arrow';
import { MS_PER_DAY } from './parse-timestamp.js';

/** Scale from a timestamp unit to milliseconds. */
const TO_MS: Record<number, number> = {
  [TimeUnit.SECOND]: 1000,
  [TimeUnit.MILLISECOND]: 1,
  [TimeUnit.MICROSECOND]: 1e-3,
  [TimeUnit.NANOSECOND]: 1e-6,
};

/** The scale of a numeric or time chunk's values to numbers (time: epoch ms), or null for other types. */
export function scaleOf(data: Data): number | null {
  switch (data.type.typeId) {
    case Type.Int:
    case Type.Float:
      return 1;
    case Type.Timestamp:
      return TO_MS[(data.type as unknown as { unit: number }).unit] ?? null;
    case Type.Date:
      return (data.type as unknown as { unit: number }).unit === DateUnit.DAY ? MS_PER_DAY : 1;
    default:
      return null;
  }
}

/**
 * The column as numbers (timestamps and dates in epoch ms), or null when it is not numeric. One
 * chunk of doubles without nulls comes back as a view of its own buffer, not a copy (the CSV
 * scanner's money columns): read only, like every result here.
 */
export function arrowNumbers(vector: Vector): Float64Array | null {
  if (vector.data.length === 0 || vector.data.some((d) => scaleOf(d) === null || (d.type.typeId === Type.Float && (d.type as unknown as { precision: number }).precision === 0))) {
    return null;
  }
  const only = vector.data.length === 1 ? vector.data[0]! : null;
  if (only !== null && only.nullCount === 0 && only.values instanceof Float64Array) return only.values.subarray(0, only.length);
  const out = new Float64Array(vector.length);
  let at = 0;
  for (const data of vector.data) {
    const scale = scaleOf(data)!;
    if (data.nullCount === 0 && fastChunk(data, scale, out, at)) {
      at += data.length;
      continue;
    }
    const values = data.values as ArrayLike<number | bigint>;
    const n = data.length;
    const big = values instanceof BigInt64Array || values instanceof BigUint64Array;
    // 64-bit integers read as two 32-bit halves: Number(bigint) is several times slower.
    const halves = big ? new Int32Array((values as BigInt64Array).buffer, (values as BigInt64Array).byteOffset, n * 2) : null;
    const signed = values instanceof BigInt64Array;
    const isTime = data.type.typeId === Type.Timestamp || data.type.typeId === Type.Date;
    for (let i = 0; i < n; i++) {
      if (data.nullCount > 0 && !data.getValid(i)) {
        out[at + i] = Number.NaN;
        continue;
      }
      const raw = halves ? (signed ? halves[2 * i + 1]! : halves[2 * i + 1]! >>> 0) * 4294967296 + (halves[2 * i]! >>> 0) : (values[i] as number);
      // A 64-bit integer beyond 2^53 has no exact double: such a column goes the generic way,
      // where an id keeps its exact decimal text.
      if (big && !isTime && !Number.isSafeInteger(raw)) return null;
      // Sub-millisecond units truncate toward the earlier millisecond, like the text parser.
      out[at + i] = isTime && scale !== 1 ? Math.floor(raw * scale) : raw * scale;
    }
    at += n;
  }
  return out;
}

/**
 * A chunk without nulls in one tight loop per buffer type (the general loop above is polymorphic
 * in its buffer and pays for it on every value): any buffer but 64-bit integers at scale 1 is one
 * typed-array copy, signed 64-bit integers (the CSV scanner's ids and millisecond timestamps) are
 * read as two 32-bit halves. False when the chunk needs the general loop (which also refuses an
 * integer beyond 2^53); `out` may then hold part of the chunk, which that loop rewrites.
 */
function fastChunk(data: Data, scale: number, out: Float64Array, at: number): boolean {
  const values = data.values as unknown;
  const n = data.length;
  if (scale !== 1) return false;
  if (values instanceof BigInt64Array) {
    const halves = new Int32Array(values.buffer, values.byteOffset, n * 2);
    const isTime = data.type.typeId === Type.Timestamp || data.type.typeId === Type.Date;
    for (let i = 0; i < n; i++) {
      const v = halves[2 * i + 1]! * 4294967296 + (halves[2 * i]! >>> 0);
      if (!isTime && (v > Number.MAX_SAFE_INTEGER || v < -Number.MAX_SAFE_INTEGER)) return false;
      out[at + i] = v;
    }
    return true;
  }
  if (values instanceof BigUint64Array || !ArrayBuffer.isView(values) || values instanceof DataView) return false;
  out.set((values as Float64Array).subarray(0, n), at);
  return true;
}
