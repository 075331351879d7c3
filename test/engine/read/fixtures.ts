import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { tableToIPC, type Table } from 'apache-arrow';
import { Table as WasmTable, WriterPropertiesBuilder, writeParquet } from 'parquet-wasm';
import { afterAll } from 'vitest';
import type { ColumnName, RawBatch } from '../../../engine/read/raw-batch.js';
import { DEFAULT_COLUMN_MAP } from '../../../engine/read/raw-batch.js';

/** A fresh folder under the OS temp dir, removed after the file's tests. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'segstream-read-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Writes `content` at `dir/name` (creating folders) and returns the path. */
export function write(dir: string, name: string, content: string | Uint8Array): string {
  const path = join(dir, name);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
  return path;
}

/** An Arrow table as Parquet bytes, `rowsPerGroup` rows per row group. */
export function parquetBytes(table: Table, rowsPerGroup = 1 << 20): Uint8Array {
  const props = new WriterPropertiesBuilder().setMaxRowGroupSize(rowsPerGroup).build();
  return writeParquet(WasmTable.fromIPCStream(tableToIPC(table, 'stream')), props);
}

/** Options reading the contract names as they are. */
export const IDENTITY = { columns: DEFAULT_COLUMN_MAP } as const;

/** Drains a reader. */
export async function collect(batches: AsyncIterable<RawBatch>): Promise<RawBatch[]> {
  const out: RawBatch[] = [];
  for await (const b of batches) out.push(b);
  return out;
}

/** The values of one column across batches as plain JS values (Arrow vectors unpacked). */
export function columnValues(batches: readonly RawBatch[], name: ColumnName): unknown[] {
  const out: unknown[] = [];
  for (const b of batches) {
    const col = b.columns[name];
    if (col === undefined) throw new Error(`batch without ${name}`);
    if (col.kind === 'arrow') for (let i = 0; i < b.length; i++) out.push(col.vector.get(i));
    else out.push(...col.values);
    if (col.kind !== 'arrow' && col.values.length !== b.length) throw new Error('column length differs from batch length');
  }
  return out;
}

/** A batch stream as one chunk per `size` bytes of `bytes`, as stdin would deliver it. */
export async function* chunked(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}
