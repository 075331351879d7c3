import { statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readCsv } from '../../../engine/read/csv-reader.js';
import { ColumnMissingError } from '../../../engine/errors.js';
import { DEFAULT_COLUMN_MAP } from '../../../engine/read/raw-batch.js';
import { collect, columnValues, IDENTITY, tempDir, write } from './fixtures.js';

const dir = tempDir();
const file = (path: string) => ({ kind: 'file', path, size: statSync(path).size }) as const;

describe('readCsv', () => {
  it('yields text columns in batches of batchSize with 1-based row numbers and leaves out an absent margin', async () => {
    const path = write(dir, 'a.csv', 'customer_id,extra,ts,amount\n1,x,2024-01-01,10\n2,y,2024-01-02,-5\n3,z,2024-01-03,\n');
    const batches = await collect(readCsv(file(path), { ...IDENTITY, batchSize: 2 }));
    expect(batches.map((b) => [b.firstRow, b.length])).toEqual([[1, 2], [3, 1]]);
    expect(batches[0]!.source).toBe(path);
    expect(Object.keys(batches[0]!.columns).sort()).toEqual(['amount', 'customer_id', 'ts']);
    expect(columnValues(batches, 'amount')).toEqual(['10', '-5', null]);
    expect(columnValues(batches, 'customer_id')).toEqual(['1', '2', '3']);
    expect(batches.at(-1)!.bytesRead).toBe(statSync(path).size);
  });

  it('renames source columns with the --map mapping, even onto one shared column', async () => {
    const path = write(dir, 'mapped.csv', 'CustomerID;When;Net;Profit\nA;2024-01-01;1,5;0,5\n');
    const columns = { customer_id: 'CustomerID', ts: 'When', amount: 'Net', margin: 'Net' };
    const [batch] = await collect(readCsv(file(path), { columns }));
    expect(columnValues([batch!], 'customer_id')).toEqual(['A']);
    expect(columnValues([batch!], 'amount')).toEqual(['1,5']);
    expect(columnValues([batch!], 'margin')).toEqual(['1,5']);
  });

  it('names the file, the missing column, the columns found and the --map hint when a required column is missing', async () => {
    const path = write(dir, 'missing.csv', 'Customer ID,ts,value\n1,2024-01-01,3\n');
    const err = await collect(readCsv(file(path), IDENTITY)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ColumnMissingError);
    const message = (err as Error).message;
    expect(message).toContain(path);
    expect(message).toContain('"customer_id"');
    expect(message).toContain('"Customer ID", "ts", "value"');
    expect(message).toContain('--map customer_id=Customer ID');
  });

  it('reports wrong field counts as malformed rows with their batch index', async () => {
    const path = write(dir, 'bad.csv', 'customer_id,ts,amount,margin\n1,t,2,3\n1,t,2\n4,t,5,6\n');
    const batches = await collect(readCsv(file(path), { columns: DEFAULT_COLUMN_MAP, batchSize: 2 }));
    expect(batches[0]!.malformed).toEqual([{ index: 1, reason: 'malformed_row', detail: 'expected 4 fields, got 3' }]);
    expect(batches[1]!.malformed).toEqual([]);
    expect(columnValues(batches, 'margin')).toEqual(['3', null, '6']);
  });

  it('reads a .tsv file with tabs and a multi-megabyte file across read chunks', async () => {
    const tsv = write(dir, 't.tsv', 'customer_id\tts\tamount\n7\t2024\t1,5\n');
    expect(columnValues(await collect(readCsv(file(tsv), IDENTITY)), 'amount')).toEqual(['1,5']);
    const n = 120_000;
    const lines = ['customer_id,ts,amount,margin'];
    for (let i = 0; i < n; i++) lines.push(`${i},"2024-01-01T00:00:00Z","${i}.5","note ""${i}"",\nx"`);
    const big = write(dir, 'big.csv', lines.join('\r\n'));
    const batches = await collect(readCsv(file(big), IDENTITY));
    const ids = columnValues(batches, 'customer_id');
    expect(ids.length).toBe(n);
    expect(ids[n - 1]).toBe(String(n - 1));
    expect(columnValues(batches, 'margin')[54_321]).toBe('note "54321",\nx');
    expect(batches.every((b) => b.malformed.length === 0)).toBe(true);
  });
});
