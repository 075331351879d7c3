import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Float64, Table, TimestampMillisecond, tableToIPC, Utf8, vectorFromArray } from 'apache-arrow';
import { Table as WasmTable, WriterPropertiesBuilder, writeParquet } from 'parquet-wasm';
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
import { itNative, nativeKernels } from '../kernels/kernel-sets.js';

// The sinks of a pool stage intern into one customer table (native/src/partial/customers.rs), so
// which worker met a customer first in time says nothing about its place in the base: that is
// its first share's, then its rank there. Customers x-0 … x-199 come late in share 0 (in that
// order) and first in share 1 (in the reverse order), so share 1's worker meets them first; the
// base must still list them as share 0 does, as 0 workers do. Four row groups (two per share at
// two workers), each column chunk a dictionary page that overflows into plain pages.
const AS_OF = parseAsOf('2025-06-30');
const START = Date.parse('2025-01-01T00:00:00Z');
const DAY = 86_400_000;
const READ = { columns: DEFAULT_COLUMN_MAP, batchSize: 250 };

const dir = mkdtempSync(join(tmpdir(), 'segstream-first-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function customerOf(r: number): string {
  if (r < 1800) return r % 3 === 0 ? String(r % 600) : `a-${r % 600}`;
  if (r < 2000) return `x-${r - 1800}`;
  if (r < 2200) return `x-${2199 - r}`;
  return r % 4 === 0 ? String(10_000 + (r % 700)) : `b-${r % 700}`;
}

function writeFixture(): string {
  const rows = Array.from({ length: 4000 }, (_, r) => r);
  const table = new Table({
    customer_id: vectorFromArray(rows.map(customerOf), new Utf8()),
    ts: vectorFromArray(rows.map((r) => START + (r % 150) * DAY + r), new TimestampMillisecond()),
    amount: vectorFromArray(rows.map((r) => (r % 13 === 0 ? -2.5 : 5 + (r % 40) / 4)), new Float64()),
  });
  // A 2 KiB dictionary holds a few hundred ids: the rest of each row group's ids are plain pages.
  const props = new WriterPropertiesBuilder().setMaxRowGroupSize(1000).setDictionaryPageSizeLimit(2048).setDataPageSizeLimit(1024).setWriteBatchSize(250).build();
  const path = join(dir, 'first.parquet');
  writeFileSync(path, writeParquet(WasmTable.fromIPCStream(tableToIPC(table, 'stream')), props));
  return path;
}
const path = writeFixture();

async function inline(kernels: Kernels): Promise<CustomerTable> {
  const { agg } = await aggregateInputs(await listInputs(path), READ, { asOfMs: AS_OF, kernels });
  return finalize(agg, AS_OF, [180]);
}

async function pooled(workers: number, engine: 'js' | 'native'): Promise<CustomerTable> {
  const r = await aggregateParallel(await listInputs(path), READ, { workers, engine, windowDays: [180], asOfMs: AS_OF });
  expect(r.shares).toBe(workers);
  return r.table;
}

function expectSame(got: CustomerTable, want: CustomerTable): void {
  expect(got.customerId).toEqual(want.customerId);
  for (const [name, col] of Object.entries(want.fields)) expect([name, got.fields[name as keyof CustomerTable['fields']]]).toEqual([name, col]);
}

describe('order of first appearance across shares', () => {
  it('lists x-0 … x-199 as share 0 meets them, after its earlier customers (0 workers, TypeScript)', async () => {
    const ids = (await inline(jsKernels)).customerId;
    const xs = ids.filter((id) => id.startsWith('x-'));
    expect(xs).toEqual(Array.from({ length: 200 }, (_, i) => `x-${i}`));
    expect(ids.indexOf('x-0')).toBe(ids.indexOf(customerOf(1799)) + 1);
    expect(ids.indexOf(customerOf(2200))).toBe(ids.indexOf('x-199') + 1);
  });

  it('is the same with 2 workers on the TypeScript kernels', async () => {
    expectSame(await pooled(2, 'js'), await inline(jsKernels));
  }, 60_000);

  for (const workers of [0, 1, 2]) {
    itNative(`is the same on the native kernels with ${workers} workers, whichever worker interned a customer first`, async () => {
      const got = workers === 0 ? await inline(nativeKernels!) : await pooled(workers, 'native');
      expectSame(got, await inline(jsKernels));
    }, 60_000);
  }
});
