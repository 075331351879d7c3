import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Float64, Table, Utf8, tableToIPC, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { CUSTOMER_COLUMNS } from '../../engine/snapshot/customers-file.js';
import { parquetBytes, tempDir } from '../engine/read/fixtures.js';
import { runCli } from '../helpers/cli.js';

// Messy rows a real shop export holds: ids as text with leading zeros, offsets, returns, zero
// amounts, blank margins, and bad rows of every kind that all four formats can carry.
const ROWS: { id: string | null; ts: string | null; amount: number | null; margin: number | null }[] = [
  { id: '42', ts: '2026-03-01T10:00:00Z', amount: 120.5, margin: 40 },
  { id: '42', ts: '2026-03-01T23:30:00-02:00', amount: 30, margin: null },
  { id: '042', ts: '2026-02-01', amount: 10, margin: 3 },
  { id: 'ACME, Inc.', ts: '2026-01-15 08:00:00', amount: 999.99, margin: 300 },
  { id: 'ACME, Inc.', ts: '2026-02-15T08:00:00+01:00', amount: -99.99, margin: -30 },
  { id: '7', ts: '2025-06-01', amount: 0, margin: 0 },
  { id: '8', ts: '2025-07-01', amount: -15, margin: -5 },
  { id: null, ts: '2026-01-01', amount: 5, margin: 1 },
  { id: '9', ts: 'soon', amount: 5, margin: 1 },
  { id: '9', ts: null, amount: 5, margin: 1 },
  { id: '9', ts: '2026-01-01', amount: null, margin: 1 },
  { id: '10', ts: '2026-04-02', amount: 50, margin: 10 },
  ...Array.from({ length: 60 }, (_, i) => ({ id: String(100 + (i % 17)), ts: `2026-0${1 + (i % 3)}-${String(1 + (i % 27)).padStart(2, '0')}T12:00:00Z`, amount: 10 + i, margin: i })),
];

function csv(): string {
  const cell = (v: string | number | null) => (v === null ? '' : /[",\n]/.test(String(v)) ? `"${String(v).replaceAll('"', '""')}"` : String(v));
  return `customer_id,ts,amount,margin\r\n${ROWS.map((r) => [r.id, r.ts, r.amount, r.margin].map(cell).join(',')).join('\r\n')}\r\n`;
}

function ndjson(): string {
  return `${ROWS.map((r) => JSON.stringify({ customer_id: r.id, ts: r.ts, amount: r.amount, margin: r.margin })).join('\n')}\n`;
}

function arrowTable(): Table {
  return new Table({
    customer_id: vectorFromArray(ROWS.map((r) => r.id), new Utf8()),
    ts: vectorFromArray(ROWS.map((r) => r.ts), new Utf8()),
    amount: vectorFromArray(ROWS.map((r) => r.amount), new Float64()),
    margin: vectorFromArray(ROWS.map((r) => r.margin), new Float64()),
  });
}

describe('the same data through CSV, NDJSON, Arrow and Parquet', () => {
  const dir = tempDir();
  const files = {
    csv: join(dir, 'tx.csv'),
    ndjson: join(dir, 'tx.ndjson'),
    arrow: join(dir, 'tx.arrow'),
    arrows: join(dir, 'tx-stream.arrows'),
    parquet: join(dir, 'tx.parquet'),
  };
  writeFileSync(files.csv, csv());
  writeFileSync(files.ndjson, ndjson());
  writeFileSync(files.arrow, tableToIPC(arrowTable(), 'file'));
  writeFileSync(files.arrows, tableToIPC(arrowTable(), 'stream'));
  writeFileSync(files.parquet, parquetBytes(arrowTable(), 25));

  it('gives identical summaries and identical exports in every export format', async () => {
    const exports: Record<string, string> = {};
    const summaries: Record<string, unknown> = {};
    for (const [format, file] of Object.entries(files)) {
      const data = join(dir, `data-${format}`);
      const r = await runCli(['rescore', '--input', file, '--as-of', '2026-03-31', '--data', data, '--json']);
      expect(r.stderr.replace(/^.*native addon not available.*\n/m, '')).toBe('');
      expect(r.code).toBe(0);
      const s = JSON.parse(r.stdout);
      summaries[format] = { rows: s.rows, rejects: s.rejects, customers: s.customers, segments: s.segments, bands: s.spend_bands };
      for (const out of ['ndjson', 'csv']) {
        const path = join(dir, `${format}.${out}`);
        const e = await runCli(['export', '--data', data, '--format', out, '--out', path]);
        expect(e.code).toBe(0);
        exports[`${format}.${out}`] = readFileSync(path, 'utf8');
      }
    }
    for (const format of Object.keys(files)) {
      expect(summaries[format]).toEqual(summaries['csv']);
      expect(exports[`${format}.ndjson`]).toBe(exports['csv.ndjson']);
      expect(exports[`${format}.csv`]).toBe(exports['csv.csv']);
    }
    expect(summaries['csv']).toMatchObject({
      rows: { read: 72, valid: 68, rejected: 4, future: 1 },
      rejects: { missing_customer_id: 1, bad_ts: 1, missing_ts: 1, missing_amount: 1 },
    });
  });

  it('exports every DESIGN field with customer_id first, ISO timestamps and nulls', async () => {
    const data = join(dir, 'data-csv');
    const out = join(dir, 'fields.ndjson');
    await runCli(['export', '--data', data, '--format', 'ndjson', '--out', out]);
    const rows = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(Object.keys(rows[0])).toEqual([...CUSTOMER_COLUMNS]);
    const byId = Object.fromEntries(rows.map((r) => [r.customer_id, r]));
    // 2026-03-01T23:30-02:00 is 2026-03-02T01:30Z: a second purchase day for customer 42.
    expect(byId['42']).toMatchObject({ orders: 2, purchase_days: 2, revenue: 150.5, margin: 40, first_purchase_at: '2026-03-01T10:00:00.000Z', last_purchase_at: '2026-03-02T01:30:00.000Z', recency_days: 29 });
    expect(byId['042']).toMatchObject({ orders: 1, revenue: 10 });
    expect(byId['ACME, Inc.']).toMatchObject({ orders: 1, returns: 1, returned_amount: 99.99, revenue: 900 });
    expect(byId['8']).toMatchObject({ orders: 0, revenue: -15, first_purchase_at: null, recency_days: null, r_score: 0, rfm_cell: '000', segment: 'no_purchases', spend_band: 0 });
    expect(byId['7']).toMatchObject({ orders: 1, revenue: 0, purchase_days: 1, first_purchase_at: '2025-06-01T00:00:00.000Z' });
    expect(byId['10']).toBeUndefined();
    const csvText = readFileSync(join(dir, 'csv.csv'), 'utf8');
    expect(csvText.split(/\r?\n/)[0]).toBe(CUSTOMER_COLUMNS.join(','));
    expect(csvText).toContain('"ACME, Inc."');
  });

  it('reads standard input with --input -', async () => {
    const data = join(dir, 'data-stdin');
    const r = await runCli(['rescore', '--input', '-', '--as-of', '2026-03-31', '--data', data, '--json'], csv());
    expect(r.code).toBe(0);
    const out = join(dir, 'stdin.ndjson');
    await runCli(['export', '--data', data, '--format', 'ndjson', '--out', out]);
    expect(readFileSync(out, 'utf8')).toBe(readFileSync(join(dir, 'csv.ndjson'), 'utf8'));
  });

  it('renames columns with --map', async () => {
    const text = csv().replace('customer_id,ts,amount,margin', 'CustomerID,InvoiceDate,Total,Profit');
    const file = join(dir, 'renamed.csv');
    writeFileSync(file, text);
    const data = join(dir, 'data-renamed');
    const r = await runCli(['rescore', '--input', file, '--as-of', '2026-03-31', '--data', data, '--map', 'customer_id=CustomerID,ts=InvoiceDate,amount=Total,margin=Profit']);
    expect(r.code).toBe(0);
    const out = join(dir, 'renamed.ndjson');
    await runCli(['export', '--data', data, '--format', 'ndjson', '--out', out]);
    expect(readFileSync(out, 'utf8')).toBe(readFileSync(join(dir, 'csv.ndjson'), 'utf8'));
    const missing = await runCli(['rescore', '--input', file, '--data', data]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/SEG_ERR_COLUMN_MISSING/);
    expect(missing.stderr.trim().split('\n').filter((l) => !l.includes('native addon not available'))).toHaveLength(1);
    expect(readdirSync(join(data, 'snapshots'))).toHaveLength(1);
  });
});
