import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Float64, Int32, Table, Utf8, tableToIPC, vectorFromArray } from 'apache-arrow';
import { Table as WasmTable, WriterPropertiesBuilder, writeParquet } from 'parquet-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CustomerTable } from '../../../engine/aggregate/customer-table.js';
import { finalize } from '../../../engine/aggregate/finalize.js';
import { Prng } from '../../../engine/generate/prng.js';
import { aggregateParallel } from '../../../engine/pool/parallel-aggregate.js';
import { buildColumnMap } from '../../../engine/read/column-map.js';
import { listInputs } from '../../../engine/read/open-input.js';
import { parseAsOf } from '../../../engine/rescore/as-of.js';
import { aggregateInputs } from '../../../engine/rescore/aggregate-inputs.js';

// A line-item export (one row per invoice line, no amount column): invoices of 1-7 lines, `C`
// invoices with negative quantities, free lines, and the lines shuffled, so one invoice's lines
// land in several shares and on several workers.
interface Line {
  customer: number;
  ts: string;
  order: string;
  quantity: number;
  /** Whole cents. */
  cents: number;
}

function drawLines(invoices: number, customers: number): Line[] {
  const rng = new Prng(11, 0);
  const lines: Line[] = [];
  for (let k = 0; k < invoices; k++) {
    const cancel = k % 9 === 4;
    const order = cancel ? `C${536_000 + k}` : String(536_000 + k);
    const customer = 12_000 + Math.floor(rng.uniform() * customers);
    const day = 1 + Math.floor(rng.uniform() * 28);
    const ts = `2011-02-${String(day).padStart(2, '0')}T${String(8 + (k % 10)).padStart(2, '0')}:26:00Z`;
    const n = 1 + Math.floor(rng.uniform() * 7);
    for (let l = 0; l < n; l++) {
      const q = 1 + Math.floor(rng.uniform() * 12);
      lines.push({ customer, ts, order, quantity: cancel ? -q : q, cents: rng.uniform() < 0.08 ? 0 : 1 + Math.floor(rng.uniform() * 2_000) });
    }
  }
  for (let i = lines.length - 1; i > 0; i--) {
    const j = Math.floor(rng.uniform() * (i + 1));
    [lines[i], lines[j]] = [lines[j]!, lines[i]!];
  }
  return lines;
}

const AS_OF = parseAsOf('2011-03-31');
const READ = { columns: buildColumnMap({ order_id: 'InvoiceNo', quantity: 'Quantity', price: 'UnitPrice', customer_id: 'CustomerID', ts: 'InvoiceDate' }), batchSize: 1000 };
const lines = drawLines(3_000, 400);
const price = (cents: number) => (cents / 100).toFixed(2);
let dir: string;
const paths: Record<string, string> = {};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'segstream-line-items-'));
  paths['CSV'] = join(dir, 'lines.csv');
  writeFileSync(paths['CSV'], `InvoiceNo,Quantity,InvoiceDate,UnitPrice,CustomerID\n${lines.map((l) => `${l.order},${l.quantity},${l.ts},${price(l.cents)},${l.customer}`).join('\n')}\n`);
  paths['NDJSON'] = join(dir, 'lines.ndjson');
  // Numbers as JSON numbers, invoice numbers as text.
  writeFileSync(paths['NDJSON'], lines.map((l) => JSON.stringify({ InvoiceNo: l.order, Quantity: l.quantity, InvoiceDate: l.ts, UnitPrice: l.cents / 100, CustomerID: l.customer })).join('\n') + '\n');
  const table = new Table({
    InvoiceNo: vectorFromArray(lines.map((l) => l.order), new Utf8()),
    Quantity: vectorFromArray(lines.map((l) => l.quantity), new Int32()),
    InvoiceDate: vectorFromArray(lines.map((l) => l.ts), new Utf8()),
    UnitPrice: vectorFromArray(lines.map((l) => l.cents / 100), new Float64()),
    CustomerID: vectorFromArray(lines.map((l) => l.customer), new Float64()),
  });
  paths['Arrow IPC'] = join(dir, 'lines.arrow');
  writeFileSync(paths['Arrow IPC'], tableToIPC(new Table(Array.from({ length: Math.ceil(table.numRows / 700) }, (_, b) => table.slice(b * 700, (b + 1) * 700).batches).flat()), 'file'));
  paths['Parquet'] = join(dir, 'lines.parquet');
  writeFileSync(paths['Parquet'], writeParquet(WasmTable.fromIPCStream(tableToIPC(table, 'stream')), new WriterPropertiesBuilder().setMaxRowGroupSize(700).build()));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function single(path: string): Promise<CustomerTable> {
  const { agg } = await aggregateInputs(await listInputs(path), READ, { asOfMs: AS_OF });
  return finalize(agg, AS_OF, [30]);
}

async function parallel(path: string, workers: number): Promise<CustomerTable> {
  const got = await aggregateParallel(await listInputs(path), READ, { workers, asOfMs: AS_OF, windowDays: [30], minShareBytes: 1024 });
  expect(got.rejects.total).toBe(0);
  // Several shares, so one invoice's lines are aggregated apart and merged.
  expect(got.shares).toBeGreaterThan(1);
  return got.table;
}

/** Every field of every customer by id, with the ids in base order. */
function byId(t: CustomerTable): { ids: string[]; fields: Record<string, number[]> } {
  return { ids: t.customerId, fields: Object.fromEntries(Object.entries(t.fields).map(([k, col]) => [k, [...col]])) };
}

describe('line items with order ids', () => {
  it('count distinct invoices per customer, recomputed independently', async () => {
    const got = await single(paths['CSV']!);
    const want = new Map<string, { orders: Set<string>; returns: Set<string>; cents: number }>();
    for (const l of lines) {
      const k = String(l.customer);
      if (!want.has(k)) want.set(k, { orders: new Set(), returns: new Set(), cents: 0 });
      const w = want.get(k)!;
      (l.quantity * l.cents >= 0 ? w.orders : w.returns).add(l.order);
      w.cents += l.quantity * l.cents;
    }
    expect(got.size).toBe(want.size);
    got.customerId.forEach((id, c) => {
      const w = want.get(id)!;
      expect([id, got.fields.orders[c], got.fields.returns[c], got.fields.revenue[c]]).toEqual([id, w.orders.size, w.returns.size, w.cents / 100]);
    });
    // Many more lines than invoices: counting lines would be far off.
    expect(got.fields.orders.reduce((s, x) => s + x, 0)).toBeLessThan(lines.length / 3);
  });

  const formats = ['CSV', 'NDJSON', 'Arrow IPC', 'Parquet'] as const;

  it.each(formats)('give the CSV table through %s', async (format) => {
    expect(byId(await single(paths[format]!))).toEqual(byId(await single(paths['CSV']!)));
  });

  describe.each(formats)('on %s', (format) => {
    it.each([2, 3, 4])('give the single-threaded table bit for bit with %i workers', async (workers) => {
      const want = await single(paths[format]!);
      expect(byId(await parallel(paths[format]!, workers))).toEqual(byId(want));
    });
  });
});
