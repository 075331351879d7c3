import { readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Float64, Int32, type RecordBatch, Table, TimestampMillisecond, tableToIPC, vectorFromArray, Utf8 } from 'apache-arrow';
import { readArrow } from '../../../engine/read/arrow-reader.js';
import { ColumnMissingError, InputUnreadableError } from '../../../engine/errors.js';
import { chunked, collect, columnValues, IDENTITY, tempDir, write } from './fixtures.js';

const dir = tempDir();
const file = (path: string) => ({ kind: 'file', path, size: statSync(path).size }) as const;

function sample(offset: number, n: number): RecordBatch {
  const t = new Table({
    customer_id: vectorFromArray(Array.from({ length: n }, (_, i) => `c${offset + i}`), new Utf8()),
    ts: vectorFromArray(Array.from({ length: n }, (_, i) => 1_700_000_000_000 + (offset + i) * 1000), new TimestampMillisecond()),
    amount: vectorFromArray(Array.from({ length: n }, (_, i) => (offset + i) * 0.25), new Float64()),
    qty: vectorFromArray(Array.from({ length: n }, () => 1), new Int32()),
  });
  return t.batches[0]!;
}

// Three record batches of 100, 250 and 50 rows.
const table = new Table([sample(0, 100), sample(100, 250), sample(350, 50)]);
const arrowFile = write(dir, 'data.arrow', tableToIPC(table, 'file'));
const arrowStream = write(dir, 'data.arrows', tableToIPC(table, 'stream'));

describe('readArrow', () => {
  it('reads the IPC file and stream formats to the same values, cut to batchSize', async () => {
    const fromFile = await collect(readArrow(file(arrowFile), { ...IDENTITY, batchSize: 120 }));
    const fromStream = await collect(readArrow(file(arrowStream), { ...IDENTITY, batchSize: 120 }));
    for (const batches of [fromFile, fromStream]) {
      expect(batches.map((b) => b.length)).toEqual([100, 120, 120, 10, 50]);
      expect(batches.map((b) => b.firstRow)).toEqual([1, 101, 221, 341, 351]);
      expect(batches[0]!.columns.customer_id?.kind).toBe('arrow');
      expect(batches[0]!.columns.margin).toBeUndefined();
      const bytes = batches.map((b) => b.bytesRead);
      expect(bytes.every((v, i) => v > 0 && v >= (bytes[i - 1] ?? 0) && v <= statSync(arrowFile).size)).toBe(true);
    }
    for (const name of ['customer_id', 'ts', 'amount'] as const) {
      expect(columnValues(fromFile, name)).toEqual(columnValues(fromStream, name));
    }
    expect(columnValues(fromFile, 'customer_id').at(-1)).toBe('c399');
    expect(columnValues(fromFile, 'amount')[200]).toBe(50);
  });

  it('reads both formats from a one-pass stream such as stdin', async () => {
    for (const path of [arrowFile, arrowStream]) {
      const stream = { kind: 'stream', name: 'stdin', chunks: chunked(readFileSync(path), 1000) } as const;
      expect(columnValues(await collect(readArrow(stream, IDENTITY)), 'customer_id')).toHaveLength(400);
    }
  });

  it('renames columns with the mapping and reports a missing one', async () => {
    const columns = { customer_id: 'customer_id', ts: 'ts', amount: 'qty', margin: 'amount' };
    const batches = await collect(readArrow(file(arrowFile), { columns }));
    expect(columnValues(batches, 'amount')[0]).toBe(1);
    expect(columnValues(batches, 'margin')[3]).toBe(0.75);
    const err = await collect(readArrow(file(arrowFile), { columns: { ...columns, ts: 'when' } })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ColumnMissingError);
  });

  it('throws InputUnreadableError naming the file for a truncated file or stream, or the wrong magic', async () => {
    const cases = [
      write(dir, 'cut.arrow', readFileSync(arrowFile).subarray(0, 700)),
      write(dir, 'cut-tail.arrow', readFileSync(arrowFile).subarray(0, statSync(arrowFile).size - 12)),
      write(dir, 'cut.arrows', readFileSync(arrowStream).subarray(0, 900)),
      write(dir, 'csv.arrow', 'customer_id,ts,amount\n1,2,3\n'),
      write(dir, 'empty.arrow', ''),
    ];
    for (const path of cases) {
      const err = await collect(readArrow(file(path), IDENTITY)).catch((e: unknown) => e);
      expect(err, path).toBeInstanceOf(InputUnreadableError);
      expect((err as Error).message).toContain(path);
      expect((err as Error).message).not.toContain('\n');
    }
  });
});
