import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Dictionary, Float64, Int32, Table, TimestampMillisecond, tableToIPC, Utf8, vectorFromArray } from 'apache-arrow';
import { afterAll, describe, expect, it } from 'vitest';
import type { CustomerTable } from '../../../engine/aggregate/customer-table.js';
import { finalize } from '../../../engine/aggregate/finalize.js';
import type { Kernels } from '../../../engine/kernels/kernels.js';
import { jsKernels } from '../../../engine/kernels/js-kernels.js';
import { aggregateParallel } from '../../../engine/pool/parallel-aggregate.js';
import { listInputs } from '../../../engine/read/open-input.js';
import { DEFAULT_COLUMN_MAP } from '../../../engine/read/raw-batch.js';
import { parseAsOf } from '../../../engine/rescore/as-of.js';
import { aggregateInputs } from '../../../engine/rescore/aggregate-inputs.js';
import { nativeKernels, nativeMissing } from '../kernels/kernel-sets.js';

// An Arrow IPC file of several record batches whose customer ids are a Dictionary<Utf8> (as the
// native Parquet reader hands over dictionary-encoded chunks): the columnar sink interns each
// dictionary entry once. On 0 (inline), 1 and 2 workers and on both kernel sets the table, the
// rejects and the future rows must be the same, bit for bit.
const AS_OF = parseAsOf('2025-06-30');
const START = Date.parse('2024-01-01T00:00:00Z');
const DAY = 86_400_000;
const IDS = ['C1', 'C2', '42', '13085.0', '13085', '042', 'NA', '', ' n/a ', 'é', 'C3', 'C4', null];
const READ = { columns: DEFAULT_COLUMN_MAP, batchSize: 500 };

const dir = mkdtempSync(join(tmpdir(), 'segstream-dict-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writeFixture(): string {
  const n = 4200;
  const rows = Array.from({ length: n }, (_, r) => r);
  // One dictionary for the whole file, its record batches slices of the columns.
  const ids = vectorFromArray(rows.map((r) => IDS[(r * 7 + (r >> 4)) % IDS.length]!), new Dictionary(new Utf8(), new Int32()));
  // Some rows after as_of (future rows), some without a timestamp, some with a NaN amount.
  const ts = vectorFromArray(rows.map((r) => (r % 97 === 0 ? null : START + ((r * 13) % 560) * DAY + r)), new TimestampMillisecond());
  const amount = vectorFromArray(rows.map((r) => (r % 11 === 0 ? -((r % 50) + 0.25) : r % 89 === 0 ? Number.NaN : (r % 300) / 4)), new Float64());
  const table = new Table({ customer_id: ids, ts, amount });
  const batches = Array.from({ length: 6 }, (_, b) => table.slice(b * 700, (b + 1) * 700).batches[0]!);
  const path = join(dir, 'dict.arrow');
  writeFileSync(path, tableToIPC(new Table(batches), 'file'));
  return path;
}
const path = writeFixture();

async function inline(kernels: Kernels): Promise<{ table: CustomerTable; rejects: unknown; future: number }> {
  const { agg, rejects } = await aggregateInputs(await listInputs(path), READ, { asOfMs: AS_OF, kernels });
  return { table: finalize(agg, AS_OF, [180]), rejects: [rejects.total, rejects.counts, rejects.kept], future: agg.futureRows };
}

async function pooled(workers: number, engine: 'js' | 'native'): Promise<{ table: CustomerTable; rejects: unknown; future: number }> {
  const r = await aggregateParallel(await listInputs(path), READ, { workers, engine, windowDays: [180], asOfMs: AS_OF });
  return { table: r.table, rejects: [r.rejects.total, r.rejects.counts, r.rejects.kept], future: r.futureRows };
}

function expectSame(got: Awaited<ReturnType<typeof inline>>, want: Awaited<ReturnType<typeof inline>>): void {
  expect(got.table.customerId).toEqual(want.table.customerId);
  for (const [name, col] of Object.entries(want.table.fields)) expect([name, got.table.fields[name as keyof CustomerTable['fields']]]).toEqual([name, col]);
  expect(got.rejects).toEqual(want.rejects);
  expect(got.future).toBe(want.future);
}

describe('dictionary-encoded ids', () => {
  it('make one customer of 13085 and 13085.0, no customer of NA or blanks, and count the rejects', async () => {
    const { table, rejects, future } = await inline(jsKernels);
    expect(table.customerId).toContain('13085');
    expect(table.customerId).not.toContain('13085.0');
    expect(table.customerId).not.toContain('NA');
    expect(table.customerId).toContain('042');
    expect((rejects as [number, Record<string, number>])[1]).toMatchObject({ missing_customer_id: expect.any(Number), missing_ts: expect.any(Number), bad_amount: expect.any(Number) });
    expect(future).toBeGreaterThan(0);
  });

  const cases: Array<[string, () => ReturnType<typeof inline>]> = [
    ['js, 1 worker', () => pooled(1, 'js')],
    ['js, 2 workers', () => pooled(2, 'js')],
    ['native, inline', () => inline(nativeKernels!)],
    ['native, 1 worker', () => pooled(1, 'native')],
    ['native, 2 workers', () => pooled(2, 'native')],
  ];
  for (const [name, run] of cases) {
    // Without the addon the native rows are skipped, and their names say why (kernel-sets.ts).
    const test = name.startsWith('native') && nativeKernels === undefined ? it.skip : it;
    test(`give the inline TypeScript table, rejects and future rows: ${name}${test === it ? '' : ` (SKIPPED: ${nativeMissing})`}`, async () => {
      expectSame(await run(), await inline(jsKernels));
    }, 60_000);
  }
});
