import { readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Float64, Table, TimestampMillisecond, Utf8, vectorFromArray } from 'apache-arrow';
import { readParquet } from '../../../engine/read/parquet-reader.js';
import { ColumnMissingError, InputUnreadableError } from '../../../engine/errors.js';
import { chunked, collect, columnValues, IDENTITY, parquetBytes, tempDir, write } from './fixtures.js';

const dir = tempDir();
const file = (path: string) => ({ kind: 'file', path, size: statSync(path).size }) as const;

const n = 1000;
const table = new Table({
  note: vectorFromArray(Array.from({ length: n }, (_, i) => `note ${i}`), new Utf8()),
  amount: vectorFromArray(Array.from({ length: n }, (_, i) => i * 1.5), new Float64()),
  customer_id: vectorFromArray(Array.from({ length: n }, (_, i) => `c${i % 37}`), new Utf8()),
  ts: vectorFromArray(Array.from({ length: n }, (_, i) => 1_700_000_000_000 + i), new TimestampMillisecond()),
});
// Four row groups: 300, 300, 300, 100 rows.
const path = write(dir, 'data.parquet', parquetBytes(table, 300));

describe('readParquet', () => {
  it('reads back what parquet-wasm wrote, row group by row group, cut to batchSize', async () => {
    const batches = await collect(readParquet(file(path), { ...IDENTITY, batchSize: 256 }));
    expect(batches.map((b) => b.length)).toEqual([256, 44, 256, 44, 256, 44, 100]);
    expect(batches.map((b) => b.firstRow)).toEqual([1, 257, 301, 557, 601, 857, 901]);
    expect(columnValues(batches, 'customer_id')).toEqual(Array.from({ length: n }, (_, i) => `c${i % 37}`));
    expect(columnValues(batches, 'amount')).toEqual(Array.from({ length: n }, (_, i) => i * 1.5));
    expect(columnValues(batches, 'ts')[999]).toBe(1_700_000_000_999);
    expect(batches[0]!.columns.margin).toBeUndefined();
    expect(batches.at(-1)!.bytesRead).toBe(statSync(path).size);
  });

  it('keeps the mapping right when the mapped columns come in another order than the file', async () => {
    const columns = { customer_id: 'note', ts: 'ts', amount: 'customer_id', margin: 'amount' };
    const batches = await collect(readParquet(file(path), { columns }));
    expect(columnValues(batches, 'customer_id')[5]).toBe('note 5');
    expect(columnValues(batches, 'amount')[5]).toBe('c5');
    expect(columnValues(batches, 'margin')[5]).toBe(7.5);
    const err = await collect(readParquet(file(path), { columns: { ...columns, ts: 'nope' } })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ColumnMissingError);
    expect((err as Error).message).toContain('"note", "amount", "customer_id", "ts"');
  });

  it('reads Parquet from a one-pass stream by buffering it', async () => {
    const stream = { kind: 'stream', name: 'stdin', chunks: chunked(readFileSync(path), 4096) } as const;
    expect(columnValues(await collect(readParquet(stream, IDENTITY)), 'amount')).toHaveLength(n);
  });

  it('throws InputUnreadableError naming the file for a truncated file or the wrong magic', async () => {
    const bytes = readFileSync(path);
    const cases = [
      write(dir, 'cut.parquet', bytes.subarray(0, bytes.length - 30)),
      write(dir, 'half.parquet', bytes.subarray(0, bytes.length >> 1)),
      write(dir, 'csv.parquet', 'customer_id,ts,amount\n1,2,3\n'),
      write(dir, 'empty.parquet', ''),
    ];
    for (const bad of cases) {
      const err = await collect(readParquet(file(bad), IDENTITY)).catch((e: unknown) => e);
      expect(err, bad).toBeInstanceOf(InputUnreadableError);
      expect((err as Error).message).toContain(bad);
      expect((err as Error).message).not.toContain('\n');
    }
  });
});
