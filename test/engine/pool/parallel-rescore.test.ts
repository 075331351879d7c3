import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aggregateParallel } from '../../../engine/pool/parallel-aggregate.js';
import { listInputs } from '../../../engine/read/open-input.js';
import { DEFAULT_COLUMN_MAP } from '../../../engine/read/raw-batch.js';
import { type RescoreSummary, rescore } from '../../../engine/rescore/rescore.js';
import { loadSnapshot } from '../../../engine/snapshot/snapshot-store.js';
import { AS_OF, makeFixture, type PoolFixture } from './pool-fixtures.js';

let fx: PoolFixture;
beforeAll(async () => {
  fx = await makeFixture(2_000, 20_000);
}, 30_000);
afterAll(() => fx.cleanup());


async function snapshotOf(input: string, workers: number | undefined): Promise<{ summary: RescoreSummary; manifest: Record<string, unknown>; columns: Record<string, unknown[]>; rejects: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'segstream-pool-data-'));
  try {
    const summary = await rescore({ input, dataDir, asOf: AS_OF, ...(workers !== undefined ? { workers } : {}) });
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
