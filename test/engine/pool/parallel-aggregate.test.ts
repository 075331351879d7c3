import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CustomerTable } from '../../../engine/aggregate/customer-table.js';
import { finalize } from '../../../engine/aggregate/finalize.js';
import { aggregateParallel } from '../../../engine/pool/parallel-aggregate.js';
import { planShares } from '../../../engine/pool/plan-shares.js';
import { prestartPool, releasePrestartedPool } from '../../../engine/pool/worker-pool.js';
import { listInputs } from '../../../engine/read/open-input.js';
import { DEFAULT_COLUMN_MAP } from '../../../engine/read/raw-batch.js';
import { parseAsOf } from '../../../engine/rescore/as-of.js';
import { aggregateInputs } from '../../../engine/rescore/aggregate-inputs.js';
import { AS_OF, makeFixture, type PoolFixture } from './pool-fixtures.js';

const READ = { columns: DEFAULT_COLUMN_MAP, batchSize: 4096 };
let fx: PoolFixture;

beforeAll(async () => {
  fx = await makeFixture(2_000, 20_000);
}, 30_000);
afterAll(() => fx.cleanup());

async function single(path: string, asOfMs: number | undefined) {
  const files = await listInputs(path);
  const { agg, rejects, inputs, rowsRead } = await aggregateInputs(files, READ, { asOfMs: asOfMs ?? Number.POSITIVE_INFINITY });
  const asOf = asOfMs ?? (agg.state.rows > 0 ? (Math.floor(agg.state.maxTs / 86_400_000) + 1) * 86_400_000 - 1 : 0);
  return { table: finalize(agg, asOf, [180]), rejects, inputs, rowsRead, validRows: agg.state.rows, futureRows: agg.futureRows };
}

async function parallel(path: string, asOfMs: number | undefined, workers: number) {
  const files = await listInputs(path);
  return aggregateParallel(files, READ, { workers, windowDays: [180], minShareBytes: 1024, ...(asOfMs !== undefined ? { asOfMs } : {}) });
}

// Money is summed exactly (engine/aggregate/money.ts), so every field must be bit-identical.
function expectSameTable(got: CustomerTable, want: CustomerTable): void {
  expect(got.size).toBe(want.size);
  expect(got.asOfMs).toBe(want.asOfMs);
  expect(got.customerId).toEqual(want.customerId);
  for (const [name, column] of Object.entries(want.fields)) expect([name, got.fields[name as keyof typeof got.fields]]).toEqual([name, column]);
  for (const [w, column] of want.windows) expect([w, got.windows.get(w)]).toEqual([w, column]);
  expect(got.meanRepeatValue).toEqual(want.meanRepeatValue);
}

const CASES = [
  ['CSV', () => fx.csv],
  ['NDJSON', () => fx.ndjson],
  ['Arrow IPC', () => fx.arrow],
  ['Parquet', () => fx.parquet],
  ['a folder of several files', () => fx.folder],
] as const;

describe('aggregateParallel', () => {
  describe.each(CASES)('on %s', (_, path) => {
    it.each([1, 2, 3, 4])('gives the single-threaded table, rejects and counts with %i workers', async (workers) => {
      const asOfMs = parseAsOf(AS_OF);
      const want = await single(path(), asOfMs);
      const got = await parallel(path(), asOfMs, workers);
      expect(want.futureRows).toBeGreaterThan(0);
      expect(want.rejects.total).toBeGreaterThan(0);
      expectSameTable(got.table, want.table);
      expect(got.rejects.counts).toEqual(want.rejects.counts);
      expect(got.rejects.total).toBe(want.rejects.total);
      expect(got.rejects.kept).toEqual(want.rejects.kept);
      expect([got.rowsRead, got.validRows, got.futureRows]).toEqual([want.rowsRead, want.validRows, want.futureRows]);
      expect(got.inputs).toEqual(want.inputs);
    });
  });

  it('gives the same table on a pool started before the plan (prestartPool), and sizes Parquet shares by their rows', async () => {
    const asOfMs = parseAsOf(AS_OF);
    const want = await single(fx.parquet, asOfMs);
    prestartPool(2);
    try {
      const got = await parallel(fx.parquet, asOfMs, 2);
      expectSameTable(got.table, want.table);
      expect(got.rejects.kept).toEqual(want.rejects.kept);
    } finally {
      await releasePrestartedPool();
    }
    for (const workers of [1, 2, 3]) {
      const shares = await planShares(await listInputs(fx.parquet), workers, undefined);
      expect(shares.reduce((n, s) => n + s.rows!, 0)).toBe(want.rowsRead);
    }
  });

  it('splits a large input into one share per worker', async () => {
    const got = await parallel(fx.csv, undefined, 3);
    expect(got.shares).toBe(3);
  });

  it('finds the default as_of from the latest row of every share', async () => {
    const want = await single(fx.parquet, undefined);
    const got = await parallel(fx.parquet, undefined, 4);
    expect(want.futureRows).toBe(0);
    expectSameTable(got.table, want.table);
  });
});
