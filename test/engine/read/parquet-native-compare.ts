/**
 * Reading one Parquet file through both readers (the native one and the parquet-wasm reference)
 * and putting what they gave side by side as plain values, for the parquet-native tests.
 */
import type { Vector } from 'apache-arrow';
import { readParquetGroups } from '../../../engine/read/parquet-native.js';
import { readWasmRowGroups } from '../../../engine/read/parquet-wasm.js';
import type { ColumnMap, RawBatch, ReadOptions } from '../../../engine/read/raw-batch.js';

/** A cell as a comparable plain value: 64-bit integers and decimals as text, bytes as hex. */
export function plain(v: unknown): unknown {
  if (typeof v === 'bigint') return `${v}n`;
  if (v instanceof Uint8Array) return Buffer.from(v).toString('hex');
  if (v !== null && typeof v === 'object') return String(v);
  return v;
}

/** Every cell of a vector, plain; a value `get` cannot convert (a timestamp beyond 2^53 ms) as its raw value. */
export function cells(vector: Vector): unknown[] {
  const out: unknown[] = [];
  let raw: ArrayLike<unknown> | undefined;
  for (let i = 0; i < vector.length; i++) {
    try {
      out.push(plain(vector.get(i)));
    } catch {
      raw ??= vector.toArray() as ArrayLike<unknown>;
      out.push(['raw', plain(raw[i])]);
    }
  }
  return out;
}

/** What a reader gave: per batch its first row, length and the mapped columns' cells; or its error code. */
export interface Reading {
  readonly batches: { firstRow: number; length: number; columns: Record<string, unknown[]> }[];
  readonly types: Record<string, string>;
  readonly code?: string;
  /** Set when the native reader handed the file to parquet-wasm. */
  readonly notice?: string;
}

function summarize(batches: RawBatch[]): Pick<Reading, 'batches' | 'types'> {
  const types: Record<string, string> = {};
  return {
    types,
    batches: batches.map((b) => {
      const columns: Record<string, unknown[]> = {};
      for (const [name, col] of Object.entries(b.columns)) {
        if (col?.kind !== 'arrow') throw new Error('a Parquet column that is not Arrow');
        types[name] ??= String(col.vector.type);
        columns[name] = cells(col.vector);
      }
      return { firstRow: b.firstRow, length: b.length, columns };
    }),
  };
}

async function drain(batches: AsyncIterable<RawBatch>, out: RawBatch[]): Promise<string | undefined> {
  try {
    for await (const b of batches) out.push(b);
    return undefined;
  } catch (err) {
    return (err as { code?: string }).code ?? `uncoded: ${(err as Error).message}`;
  }
}

/** The file read by the native reader (falling back as it does) and by parquet-wasm alone. */
export async function readBoth(path: string, columns: ColumnMap, batchSize = 1000): Promise<{ native: Reading; wasm: Reading; nativeBatches: RawBatch[]; wasmBatches: RawBatch[] }> {
  const options: ReadOptions = { columns, batchSize };
  const nativeBatches: RawBatch[] = [];
  const wasmBatches: RawBatch[] = [];
  let notice: string | undefined;
  const nativeCode = await drain(readParquetGroups(path, { path }, 0, Infinity, options, true, (m) => { notice = m; }), nativeBatches);
  const wasmCode = await drain(readWasmRowGroups(path, { path }, 0, Infinity, options, true), wasmBatches);
  const native: Reading = { ...summarize(nativeBatches), ...(nativeCode === undefined ? {} : { code: nativeCode }), ...(notice === undefined ? {} : { notice }) };
  const wasm: Reading = { ...summarize(wasmBatches), ...(wasmCode === undefined ? {} : { code: wasmCode }) };
  return { native, wasm, nativeBatches, wasmBatches };
}
