import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aggregateParallel } from '../../../engine/pool/parallel-aggregate.js';
import { listInputs } from '../../../engine/read/open-input.js';
import { buildColumnMap } from '../../../engine/read/column-map.js';
import { DEFAULT_COLUMN_MAP } from '../../../engine/read/raw-batch.js';
import { type RescoreOptions, type RescoreSummary, rescore } from '../../../engine/rescore/rescore.js';
import { loadSnapshot } from '../../../engine/snapshot/snapshot-store.js';
import { AS_OF, makeFixture, type PoolFixture } from './pool-fixtures.js';

let fx: PoolFixture;
beforeAll(async () => {
  fx = await makeFixture(2_000, 20_000);
}, 30_000);
afterAll(() => fx.cleanup());


async function snapshotOf(
  input: string,
  workers: number | undefined,
  extra: Partial<RescoreOptions> = {},
): Promise<{ summary: RescoreSummary; manifest: Record<string, unknown>; columns: Record<string, unknown[]>; rejects: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'segstream-pool-data-'));
  try {
    const summary = await rescore({ input, dataDir, asOf: AS_OF, ...(workers !== undefined ? { workers } : {}), ...extra });
    const snap = await loadSnapshot(dataDir, summary.snapshot);
    const { id: _id, created_at: _c, timings_ms: _t, engine: _e, ...manifest } = snap.manifest as unknown as Record<string, unknown>;
    const columns: Record<string, unknown[]> = {};
    for (const field of snap.customers.schema.fields) columns[field.name] = [...snap.customers.getChild(field.name)!].map((v) => (typeof v === 'bigint' ? Number(v) : v));
    return { summary, manifest, columns, rejects: readFileSync(join(snap.dir, 'rejects.ndjson'), 'utf8') };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

describe('rescore with workers', () => {
  it.each([1, 2, 3])('publishes the single-threaded snapshot with %i workers', async (workers) => {
    const want = await snapshotOf(fx.csv, undefined);
    const got = await snapshotOf(fx.csv, workers);
    expect(got.summary.workers).toBe(workers);
    expect(want.summary.workers).toBe(0);
    expect(got.rejects).toBe(want.rejects);
    // Every manifest field (thresholds, rows, rejects, segments, bands, tiers, lifecycle, models) and every column, bit for bit.
    expect(got.manifest).toEqual(want.manifest);
    expect(got.columns).toEqual(want.columns);
  }, 30_000);
});

describe('a CSV with quoted fields', () => {
  it('is read again as one share when its split ranges hold a quote, so a newline inside quotes cannot break a row', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'segstream-pool-quoted-'));
    try {
      const lines = ['customer_id,ts,amount,note'];
      for (let i = 0; i < 3000; i++) lines.push(i % 50 === 0 ? `${i % 300},2026-01-0${1 + (i % 9)},${(i % 97) + 1},"a note\nover two lines, with a comma"` : `${i % 300},2026-01-0${1 + (i % 9)},${(i % 97) + 1},plain`);
      const path = join(dir, 'quoted.csv');
      writeFileSync(path, `${lines.join('\n')}\n`);
      const files = await listInputs(path);
      const read = { columns: DEFAULT_COLUMN_MAP, batchSize: 512 };
      const one = await aggregateParallel(files, read, { workers: 1, windowDays: [] });
      const four = await aggregateParallel(files, read, { workers: 4, windowDays: [], minShareBytes: 256 });
      expect(four.shares).toBe(1);
      expect(four.rejects.total).toBe(0);
      expect(four.rowsRead).toBe(3000);
      expect(four.table.customerId).toEqual(one.table.customerId);
      expect(four.table.fields.orders).toEqual(one.table.fields.orders);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('long customer ids on workers', () => {
  it('keeps ids up to the cap exactly and counts a 1 MB id as bad_customer_id, with the same snapshot as one thread', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'segstream-pool-long-ids-'));
    try {
      const lines = ['customer_id,ts,amount'];
      const long = (k: number): string => `${k}-${'é'.repeat(508)}`; // about 1,020 UTF-8 bytes, under the cap
      for (let i = 0; i < 400; i++) lines.push(`${long(i % 40)},2026-0${1 + (i % 6)}-1${i % 9},${5 + (i % 13)}`);
      // A 1 MB id overflowed the stack when the pool rebuilt keys with a spread into fromCharCode.
      lines.push(`${'k'.repeat(1 << 20)},2026-03-03,9`);
      const input = join(dir, 'long.csv');
      writeFileSync(input, `${lines.join('\n')}\n`);
      const want = await snapshotOf(input, undefined);
      const got = await snapshotOf(input, 2);
      expect(got.summary.rejects).toEqual({ bad_customer_id: 1 });
      expect(got.summary.customers).toBe(40);
      expect(got.columns).toEqual(want.columns);
      expect(new Set(got.columns['customer_id'])).toEqual(new Set(Array.from({ length: 40 }, (_, k) => long(k))));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});

describe('a line-item export on workers', () => {
  it('publishes the single-threaded snapshot, with distinct invoices as orders, when invoices are split across files and workers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'segstream-pool-lines-'));
    try {
      // UCI Online Retail style: invoices of 1-6 lines, C invoices (negative quantities), free
      // lines, US dates without seconds, some lines without a customer; shuffled, then cut into
      // three files, so an invoice's lines meet only in the merge.
      const rows: { invoice: string; customer: string; qty: number; cents: number; date: string }[] = [];
      for (let k = 0; k < 900; k++) {
        const cancel = k % 11 === 5;
        const invoice = `${cancel ? 'C' : ''}${536_365 + k}`;
        const customer = k % 17 === 0 ? '' : `${12_346 + ((k * 7919) % 150)}${k % 5 === 0 ? '.0' : ''}`;
        const date = `${1 + (k % 12)}/${1 + ((k * 13) % 28)}/2011 ${8 + (k % 9)}:${String((k * 7) % 60).padStart(2, '0')}`;
        for (let l = 0; l <= k % 6; l++) rows.push({ invoice, customer, qty: (cancel ? -1 : 1) * (1 + ((k + l) % 12)), cents: (k + l) % 13 === 0 ? 0 : 25 + ((k * 31 + l * 17) % 1_500), date });
      }
      for (let i = rows.length - 1; i > 0; i--) {
        const j = (i * 2_654_435_761) % (i + 1);
        [rows[i], rows[j]] = [rows[j]!, rows[i]!];
      }
      const folder = join(dir, 'exports');
      mkdirSync(folder);
      const third = Math.ceil(rows.length / 3);
      for (let f = 0; f < 3; f++) {
        const body = rows.slice(f * third, (f + 1) * third).map((r) => `${r.invoice},${r.qty},${r.date},${(r.cents / 100).toFixed(2)},${r.customer}`);
        writeFileSync(join(folder, `online-retail-${f}.csv`), `InvoiceNo,Quantity,InvoiceDate,UnitPrice,CustomerID\n${body.join('\n')}\n`);
      }
      const columns = buildColumnMap({ customer_id: 'CustomerID', ts: 'InvoiceDate', order_id: 'InvoiceNo', amount: 'Quantity*UnitPrice' });
      const want = await snapshotOf(folder, undefined, { columns, asOf: '2011-12-31' });
      // An independent recount: distinct invoices per customer by the sign of each line.
      const count = new Map<string, { orders: Set<string>; returns: Set<string> }>();
      for (const r of rows) {
        if (r.customer === '') continue;
        const id = r.customer.replace(/\.0$/, '');
        if (!count.has(id)) count.set(id, { orders: new Set(), returns: new Set() });
        (r.qty * r.cents >= 0 ? count.get(id)!.orders : count.get(id)!.returns).add(r.invoice);
      }
      const ids = want.columns['customer_id']!.map(String);
      expect(new Set(ids)).toEqual(new Set(count.keys()));
      ids.forEach((id, c) => {
        expect([id, want.columns['orders']![c], want.columns['returns']![c]]).toEqual([id, count.get(id)!.orders.size, count.get(id)!.returns.size]);
      });
      for (const workers of [2, 3]) {
        const got = await snapshotOf(folder, workers, { columns, asOf: '2011-12-31' });
        expect(got.summary.workers).toBe(workers);
        expect(got.rejects).toBe(want.rejects);
        expect(got.manifest).toEqual(want.manifest);
        expect(got.columns).toEqual(want.columns);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
