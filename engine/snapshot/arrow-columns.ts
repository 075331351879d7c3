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
import type { Cell, FieldKind } from './customer-schema.js';
import { ENCODE_INTEGER, ENCODE_NUMBER, ENCODE_TIMESTAMP, type EncodeColumn, encodeColumnJs } from './encode-column.js';

function validity(n: number, isNull: (i: number) => boolean): { nullBitmap: Uint8Array; nullCount: number } {
  const nullBitmap = new Uint8Array((n + 7) >> 3);
  let nullCount = 0;
  for (let i = 0; i < n; i++) {
    if (isNull(i)) nullCount++;
    else nullBitmap[i >> 3]! |= 1 << (i & 7);
  }
  return { nullBitmap, nullCount };
}

/** Float64 column; NaN becomes null. `encode`: the engine's (encode-column.ts), the reference by default. */
export function float64Vector(values: Float64Array, encode: EncodeColumn = encodeColumnJs): Vector {
  const nullBitmap = new Uint8Array((values.length + 7) >> 3);
  const nullCount = encode(ENCODE_NUMBER, values, new Uint8Array(0), nullBitmap);
  return makeVector(makeData({ type: new Float64(), length: values.length, nullCount, nullBitmap, data: values }));
}

/** Int32 column from whole numbers in a Float64Array; NaN becomes null. */
export function int32Vector(values: Float64Array, encode: EncodeColumn = encodeColumnJs): Vector {
  const nullBitmap = new Uint8Array((values.length + 7) >> 3);
  const data = new Int32Array(values.length);
  const nullCount = encode(ENCODE_INTEGER, values, new Uint8Array(data.buffer), nullBitmap);
  return makeVector(makeData({ type: new Int32(), length: values.length, nullCount, nullBitmap, data }));
}

/** Uint8 / Uint16 column without nulls. */
export function uintVector(values: Uint8Array | Uint16Array): Vector {
  const type = values instanceof Uint8Array ? new Uint8() : new Uint16();
  return makeVector(makeData({ type, length: values.length, nullCount: 0, data: values } as never));
}

/** Epoch-millisecond timestamps (UTC); NaN (and an instant outside the Date range) becomes null. */
export function timestampVector(values: Float64Array, encode: EncodeColumn = encodeColumnJs): Vector {
  const n = values.length;
  const nullBitmap = new Uint8Array((n + 7) >> 3);
  const data = new BigInt64Array(n);
  const nullCount = encode(ENCODE_TIMESTAMP, values, new Uint8Array(data.buffer), nullBitmap);
  return makeVector(makeData({ type: new TimestampMillisecond('UTC'), length: n, nullCount, nullBitmap, data }));
}

/** Booleans from 0/1 bytes. */
export function boolVector(values: Uint8Array): Vector {
  const data = new Uint8Array((values.length + 7) >> 3);
  for (let i = 0; i < values.length; i++) if (values[i]) data[i >> 3]! |= 1 << (i & 7);
  return makeVector(makeData({ type: new Bool(), length: values.length, nullCount: 0, data }));
}

/** Utf8 column from strings (null stays null), encoded into one buffer. */
export function utf8Vector(values: readonly (string | null)[]): Vector {
  const n = values.length;
  const offsets = new Int32Array(n + 1);
  let nullCount = 0;
  let units = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v === null || v === undefined) nullCount++;
    else units += v.length;
    offsets[i + 1] = units;
  }
  // ASCII text (ids nearly always are) is its UTF-16 units, copied in one loop: no native call
  // per value, and the offsets above are already the byte offsets. Anything else byte by byte.
  let data = new Uint8Array(units);
  let at = 0;
  let ascii = true;
  for (let i = 0; i < n && ascii; i++) {
    const v = values[i];
    if (v === null || v === undefined) continue;
    for (let k = 0; k < v.length; k++) {
      const unit = v.charCodeAt(k);
      if (unit > 0x7f) {
        ascii = false;
        break;
      }
      data[at++] = unit;
    }
  }
  if (!ascii) {
    let bytes = 0;
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (v !== null && v !== undefined) bytes += Buffer.byteLength(v, 'utf8');
      offsets[i + 1] = bytes;
    }
    const buffer = Buffer.allocUnsafe(bytes);
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (v !== null && v !== undefined) buffer.write(v, offsets[i]!, 'utf8');
    }
    data = buffer;
  }
  return utf8Data({ offsets, data }, nullCount === 0 ? null : validity(n, (i) => values[i] === null || values[i] === undefined));
}

/** Text already encoded: value i is the UTF-8 of `data[offsets[i] … offsets[i + 1])`, none null. */
export interface Utf8Values {
  readonly offsets: Int32Array;
  readonly data: Uint8Array;
}

function utf8Data(values: Utf8Values, nulls: { nullBitmap: Uint8Array; nullCount: number } | null): Vector {
  const length = values.offsets.length - 1;
  return makeVector(makeData({ type: new Utf8(), length, nullCount: nulls?.nullCount ?? 0, ...(nulls ? { nullBitmap: nulls.nullBitmap } : {}), valueOffsets: values.offsets, data: values.data }));
}

/** The code of a null in a {@link CodedValues} column. */
export const NULL_CODE = 0xffff;

/** A string column as codes into `names` ({@link NULL_CODE} for null). */
export interface CodedValues {
  readonly codes: Uint16Array;
  readonly names: readonly string[];
}

/** Dictionary-encoded strings: `names[codes[i]]`, null where the code is {@link NULL_CODE}. */
export function dictionaryVector(codes: Uint16Array, names: readonly string[]): Vector {
  const dictionary = vectorFromArray([...names], new Utf8());
  // A loop, not Int16Array.from(codes, fn) and a call per value: ~2 s less on a million customers' three categories.
  const n = codes.length;
  const data = new Int16Array(n);
  const nullBitmap = new Uint8Array((n + 7) >> 3);
  let nullCount = 0;
  for (let i = 0; i < n; i++) {
    const c = codes[i]!;
    if (c === NULL_CODE) nullCount++;
    else {
      data[i] = c;
      nullBitmap[i >> 3]! |= 1 << (i & 7);
    }
  }
  return makeVector(makeData({ type: new Dictionary(new Utf8(), new Int16()), length: codes.length, nullCount, nullBitmap, data, dictionary }));
}

/**
 * The values a column of each kind is built from: text as strings or UTF-8, categories as codes, numbers
 * and timestamps as Float64 with NaN for null, scores and flags as bytes, bands as Uint16.
 */
export type ColumnValues = readonly (string | null)[] | Utf8Values | CodedValues | Float64Array | Uint8Array | Uint16Array;

function wrongValues(kind: FieldKind): never {
  throw new TypeError(`values of the wrong type for a ${kind} column`);
}

/** The Arrow column of a field of `kind` (customer-schema.ts) from its values; `encode` as {@link float64Vector}'s. */
export function columnVector(kind: FieldKind, values: ColumnValues, encode: EncodeColumn = encodeColumnJs): Vector {
  switch (kind) {
    case 'text':
      return Array.isArray(values) ? utf8Vector(values) : 'offsets' in values ? utf8Data(values, null) : wrongValues(kind);
    case 'category':
      return 'codes' in values ? dictionaryVector(values.codes, values.names) : wrongValues(kind);
    case 'integer':
      return values instanceof Float64Array ? int32Vector(values, encode) : wrongValues(kind);
    case 'number':
      return values instanceof Float64Array ? float64Vector(values, encode) : wrongValues(kind);
    case 'timestamp':
      return values instanceof Float64Array ? timestampVector(values, encode) : wrongValues(kind);
    case 'score':
      return values instanceof Uint8Array ? uintVector(values) : wrongValues(kind);
    case 'band':
      return values instanceof Uint16Array ? uintVector(values) : wrongValues(kind);
    case 'flag':
      return values instanceof Uint8Array ? boolVector(values) : wrongValues(kind);
  }
}

/** The values of a column of `kind` back from JSON cells (a listing's views as an Arrow export). */
export function valuesOfCells(kind: FieldKind, cells: readonly Cell[]): ColumnValues {
  const num = (c: Cell) => (c === null ? Number.NaN : Number(c));
  switch (kind) {
    case 'text':
      return cells.map((c) => (c === null ? null : String(c)));
    case 'category': {
      const names: string[] = [];
      const index = new Map<string, number>();
      const codes = Uint16Array.from(cells, (c) => {
        if (c === null) return NULL_CODE;
        const s = String(c);
        let code = index.get(s);
        if (code === undefined) {
          code = names.push(s) - 1;
          index.set(s, code);
        }
        return code;
      });
      return { codes, names };
    }
    case 'integer':
    case 'number':
      return Float64Array.from(cells, num);
    case 'timestamp':
      return Float64Array.from(cells, (c) => (c === null ? Number.NaN : Date.parse(String(c))));
    case 'score':
      return Uint8Array.from(cells, (c) => Number(c ?? 0));
    case 'band':
      return Uint16Array.from(cells, (c) => Number(c ?? 0));
    case 'flag':
      return Uint8Array.from(cells, (c) => (c ? 1 : 0));
  }
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
