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

function scaleOf(data: Data): number | null {
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

/** The column as numbers (timestamps and dates in epoch ms), or null when it is not numeric. */
export function arrowNumbers(vector: Vector): Float64Array | null {
  if (vector.data.length === 0 || vector.data.some((d) => scaleOf(d) === null || (d.type.typeId === Type.Float && (d.type as unknown as { precision: number }).precision === 0))) {
    return null;
  }
  const out = new Float64Array(vector.length);
  let at = 0;
  for (const data of vector.data) {
    const scale = scaleOf(data)!;
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
