/**
 * The snapshot columns the report scans, read once into plain arrays: numbers as Float64 with NaN
 * for null, strings as codes into a name list. The report walks every customer a few times, so
 * it pays Arrow's per-value visitor once per column and never per view.
 */
import type { Table, Vector } from 'apache-arrow';
import { InternalError } from '../errors.js';

/** A string column as codes into `names`. */
export interface Coded {
  readonly codes: Uint16Array;
  readonly names: readonly string[];
}

function column(table: Table, name: string): Vector {
  const vector = table.getChild(name);
  if (vector === null) throw new InternalError(`snapshot has no ${name} column`);
  return vector;
}

/** A numeric, boolean or timestamp column as Float64 (NaN for null). */
export function numbers(table: Table, name: string): Float64Array {
  const vector = column(table, name);
  const out = new Float64Array(vector.length);
  let at = 0;
  for (const data of vector.data) {
    const plain = data.nullCount === 0 && ArrayBuffer.isView(data.values) && !(data.values instanceof BigInt64Array) && data.stride === 1;
    // Plain fixed-width chunks (scores, counts, money without nulls) copy in one step.
    if (plain && data.typeId !== 6 /* Bool packs 8 values a byte */) {
      out.set((data.values as Float64Array).subarray(data.offset, data.offset + data.length), at);
      at += data.length;
      continue;
    }
    for (let i = 0; i < data.length; i++) {
      const v = vector.get(at) as unknown;
      out[at++] = v === null || v === undefined ? Number.NaN : typeof v === 'boolean' ? (v ? 1 : 0) : Number(v);
    }
  }
  return out;
}

/** A string or dictionary column as codes. */
export function coded(table: Table, name: string): Coded {
  const vector = column(table, name);
  const codes = new Uint16Array(vector.length);
  const names: string[] = [];
  const index = new Map<string, number>();
  let i = 0;
  for (const v of vector) {
    const key = String(v);
    let code = index.get(key);
    if (code === undefined) {
      code = names.push(key) - 1;
      index.set(key, code);
    }
    codes[i++] = code;
  }
  return { codes, names };
}

/** Sums of `values` and counts per code of `by`, indexed like `by.names`. */
export function sumsBy(by: Coded, values: Float64Array): { customers: number[]; sum: number[] } {
  const customers = new Array<number>(by.names.length).fill(0);
  const sum = new Array<number>(by.names.length).fill(0);
  for (let c = 0; c < by.codes.length; c++) {
    const k = by.codes[c]!;
    customers[k]!++;
    const v = values[c]!;
    if (!Number.isNaN(v)) sum[k]! += v;
  }
  return { customers, sum };
}
