import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { ParquetFile } from 'parquet-wasm';
import { afterAll, describe, expect, it } from 'vitest';
import { ArgumentError } from '../../../engine/errors.js';
import { generate, GENERATE_FORMATS, type GenerateFormat } from '../../../engine/generate/index.js';
import { readBack } from './read-back.js';

const dir = mkdtempSync(join(tmpdir(), 'segstream-generate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CUSTOMERS = 2_000;
const TRANSACTIONS = 25_000;

async function write(format: GenerateFormat, seed: number, name = `${format}-${seed}`) {
  const out = join(dir, `${name}.${format}`);
  const result = await generate({ customers: CUSTOMERS, transactions: TRANSACTIONS, format, seed, out });
  return { out, result };
}

describe.each(GENERATE_FORMATS)('generate --format %s', (format) => {
  it('writes byte-identical files for the same seed and options', async () => {
    const a = await write(format, 7, `${format}-same-a`);
    const b = await write(format, 7, `${format}-same-b`);
    expect(readFileSync(a.out).equals(readFileSync(b.out))).toBe(true);
    expect(a.result.bytes).toBe(readFileSync(a.out).byteLength);
  });

  it('writes a different file for a different seed', async () => {
    const a = await write(format, 7, `${format}-diff-a`);
    const b = await write(format, 8, `${format}-diff-b`);
    expect(readFileSync(a.out).equals(readFileSync(b.out))).toBe(false);
  });

  it('writes exactly the requested rows and customers, every customer at least once', async () => {
    const { out, result } = await write(format, 11);
    expect(result).toMatchObject({ rows: TRANSACTIONS, customers: CUSTOMERS });
    const columns = readBack(out, format);
    expect(columns.customerId).toHaveLength(TRANSACTIONS);
    const ids = new Set(columns.customerId);
    expect(ids.size).toBe(CUSTOMERS);
    expect(Math.min(...ids)).toBe(1);
    expect(Math.max(...ids)).toBe(CUSTOMERS);
  });
});

describe('generate', () => {
  it('holds the same values in all four formats for the same seed', async () => {
    const [csv, ...others] = await Promise.all(
      GENERATE_FORMATS.map(async (format) => readBack((await write(format, 5, `${format}-same-values`)).out, format)),
    );
    // Counted, not `toEqual` on 100k values: as fast, and a failure names the column.
    const mismatches = (a: number[], b: number[]) => a.reduce((n, v, i) => (Object.is(v, b[i]) ? n : n + 1), 0);
    for (const columns of others) {
      expect(columns.customerId).toHaveLength(TRANSACTIONS);
      expect({
        customerId: mismatches(columns.customerId, csv!.customerId),
        ts: mismatches(columns.ts, csv!.ts),
        amount: mismatches(columns.amount, csv!.amount),
        margin: mismatches(columns.margin, csv!.margin),
      }).toEqual({ customerId: 0, ts: 0, amount: 0, margin: 0 });
    }
  });

  it('writes the Arrow types the readers expect', async () => {
    const { out } = await write('arrow', 3);
    const table = tableFromIPC(readFileSync(out));
    expect(table.schema.fields.map((f) => `${f.name}:${String(f.type)}`)).toEqual([
      'customer_id:Int32',
      'ts:Timestamp<MILLISECOND, UTC>',
      'amount:Float64',
      'margin:Float64',
    ]);
    expect(table.batches.length).toBe(1); // 25k rows fit one 64k chunk
  });

  it('streams many chunks into one Arrow file with one record batch per chunk', async () => {
    const out = join(dir, 'big.arrow');
    const result = await generate({ customers: 20_000, transactions: 150_000, format: 'arrow', seed: 1, out });
    expect(result.rows).toBe(150_000);
    const table = tableFromIPC(readFileSync(out));
    expect(table.numRows).toBe(150_000);
    expect(table.batches.map((b) => b.numRows)).toEqual([65_536, 65_536, 18_928]);
  });

  it('streams more than a million rows into one Parquet file of several row groups', async () => {
    const out = join(dir, 'big.parquet');
    const result = await generate({ customers: 100_000, transactions: 1_100_000, format: 'parquet', seed: 1, out });
    expect(result.rows).toBe(1_100_000);
    const file = await ParquetFile.fromFile(new Blob([readFileSync(out)]));
    const metadata = file.metadata();
    expect(metadata.numRowGroups()).toBe(2);
    expect(metadata.fileMetadata().numRows()).toBe(1_100_000);
  });

  it('ends the history at the given end date', async () => {
    const out = join(dir, 'end-date.csv');
    await generate({ customers: 500, transactions: 5_000, format: 'csv', seed: 2, out, endDate: '2025-12-31' });
    const { ts } = readBack(out, 'csv');
    expect(Math.max(...ts)).toBeLessThanOrEqual(Date.parse('2025-12-31T23:59:59.999Z'));
    expect(Math.max(...ts)).toBeGreaterThan(Date.parse('2025-12-01T00:00:00Z'));
    expect(Math.min(...ts)).toBeGreaterThanOrEqual(Date.parse('2024-01-01T00:00:00Z'));
  });

  it('reports progress as chunks are written, ending at the row count', async () => {
    const seen: number[] = [];
    const out = join(dir, 'progress.csv');
    await generate({ customers: 1_000, transactions: 140_000, format: 'csv', seed: 1, out, onProgress: (n) => seen.push(n) });
    expect(seen).toEqual([65_536, 131_072, 140_000]);
  });

  it('rejects wrong options with an ArgumentError before writing anything', async () => {
    const out = join(dir, 'never.csv');
    const base = { customers: 10, transactions: 100, format: 'csv' as const, seed: 1, out };
    await expect(generate({ ...base, customers: 0 })).rejects.toThrow(ArgumentError);
    await expect(generate({ ...base, transactions: 9 })).rejects.toThrow(/at least customers/);
    await expect(generate({ ...base, format: 'xlsx' as GenerateFormat })).rejects.toMatchObject({ code: 'SEG_ERR_ARGUMENT' });
    await expect(generate({ ...base, seed: 1.5 })).rejects.toThrow(/seed/);
    await expect(generate({ ...base, endDate: '2026-02-30' })).rejects.toThrow(/calendar date/);
    await expect(generate({ ...base, customer: 3 } as never)).rejects.toThrow(/use customers instead/);
    expect(() => readFileSync(out)).toThrow();
  });

  it('names the output path when it cannot be opened', async () => {
    const out = join(dir, 'no-such-folder', 'x.csv');
    await expect(generate({ customers: 1, transactions: 1, format: 'csv', seed: 1, out })).rejects.toMatchObject({
      code: 'SEG_ERR_OUTPUT_UNWRITABLE',
      message: expect.stringContaining('no-such-folder') as unknown,
    });
  });

  it('writes to standard output when out is -', async () => {
    // Covered through the sink directly: vitest owns process.stdout.
    const { openByteSink } = await import('../../../engine/generate/index.js');
    const { PassThrough } = await import('node:stream');
    const stream = new PassThrough();
    const parts: Buffer[] = [];
    stream.on('data', (part: Buffer) => parts.push(part));
    const sink = await openByteSink('-', stream);
    await sink.write(Buffer.from('abc'));
    expect(await sink.close()).toBe(3);
    expect(Buffer.concat(parts).toString()).toBe('abc');
  });
});
