/**
 * What counting distinct orders costs in memory (engine/aggregate/order-set.ts): the same line
 * items aggregated with and without order ids, the difference in heap + ArrayBuffer bytes after a
 * full GC divided by the distinct (customer, order) pairs; for numeric order ids (`536365`) and
 * text ones (`C536365`), and what that comes to at 20M orders (about 100M lines of 5).
 *
 *   npm run bench -- --only order-set-memory [--orders N]
 *
 * Runs itself in a child with --expose-gc, one per variant, so no variant inherits another's heap.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Aggregator } from '../../engine/aggregate/aggregator.js';
import type { TxBatch } from '../../engine/parse/parse-batch.js';
import type { CustomerKey } from '../../engine/parse/parse-values.js';
import { benchArgs } from './lib/bench-args.js';

const root = new URL('../..', import.meta.url).pathname;
const opts = benchArgs(import.meta.url, {
  orders: { type: 'string', default: '2000000' },
  /** The variant a child process measures. */
  child: { type: 'string' },
});
const LINES_PER_ORDER = 5;
/** cust (Int32) + key (Float64) + tag (Uint8). */
const SLOT_BYTES = 13;

/** Slots of an order set holding `n` entries (order-set.ts: a power of two, load <= 3/4). */
function slotsFor(n: number): number {
  let cap = 16;
  while (n * 4 >= cap * 3) cap *= 2;
  return cap;
}
const ORDERS_PER_CUSTOMER = 5;
const BATCH = 65_536;

type Variant = 'none' | 'numeric' | 'text';

/** Aggregates `orders` invoices of 5 lines (5 invoices a customer); returns bytes held after GC. */
function measure(variant: Variant, orders: number): { bytes: number; entries: number; slots: number; seconds: number } {
  const gc = (globalThis as { gc?: () => void }).gc!;
  const agg = new Aggregator();
  gc();
  const before = used();
  const t0 = performance.now();
  const lines = orders * LINES_PER_ORDER;
  const start = Date.parse('2025-01-01T00:00:00Z');
  for (let from = 0; from < lines; from += BATCH) {
    const n = Math.min(BATCH, lines - from);
    const ids: CustomerKey[] = new Array(n);
    const orderIds: CustomerKey[] = new Array(n);
    const ts = new Float64Array(n);
    const amount = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const order = Math.floor((from + i) / LINES_PER_ORDER);
      ids[i] = Math.floor(order / ORDERS_PER_CUSTOMER);
      orderIds[i] = variant === 'text' ? `C${500_000 + order}` : 500_000 + order;
      ts[i] = start + (order % 500) * 86_400_000;
      amount[i] = 1 + (i % 7);
    }
    const batch: TxBatch = { length: n, ids, ts, amount, margin: null, ...(variant === 'none' ? {} : { orderIds }) };
    agg.add(batch);
  }
  const seconds = (performance.now() - t0) / 1000;
  gc();
  const bytes = used() - before;
  // Keep the aggregator alive until after the measurement.
  return { bytes: bytes + 0 * agg.state.rows, entries: agg.state.orderSet.size, slots: agg.state.orderSet.capacity, seconds };
}

function used(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

const orders = Number(opts.orders);
if (opts.child !== undefined) {
  process.stdout.write(JSON.stringify(measure(opts.child as Variant, orders)));
  process.exit(0);
}

const run = (variant: Variant) => {
  const r = spawnSync(process.execPath, ['--expose-gc', '--max-old-space-size=8192', '--import', 'tsx', 'bench/e2e/order-set-memory.ts', '--child', variant, '--orders', String(orders)], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`child ${variant} failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as { bytes: number; entries: number; slots: number; seconds: number };
};
const none = run('none');
const rows = (['numeric', 'text'] as const).map((variant) => {
  const r = run(variant);
  const perEntry = (r.bytes - none.bytes) / r.entries;
  // The slots come in powers of two; what is not slots (the text of text ids) grows per entry.
  const beyondSlots = (r.bytes - none.bytes - r.slots * SLOT_BYTES) / r.entries;
  return {
    order_ids: variant,
    orders: r.entries,
    lines: orders * LINES_PER_ORDER,
    bytes_per_order: Math.round(perEntry),
    slot_bytes_per_order: Math.round((r.slots * SLOT_BYTES) / r.entries),
    at_20M_orders_mib: Math.round((slotsFor(20e6) * SLOT_BYTES + beyondSlots * 20e6) / (1 << 20)),
    lines_per_s: Math.round((orders * LINES_PER_ORDER) / r.seconds),
    lines_per_s_without_ids: Math.round((orders * LINES_PER_ORDER) / none.seconds),
  };
});
process.stdout.write(`\ndistinct orders: memory per (customer, order) over the same lines without order ids (${orders.toLocaleString('en-US')} orders, ${LINES_PER_ORDER} lines each)\n`);
console.table(rows);
mkdirSync(join(root, 'bench/results'), { recursive: true });
const outFile = join(root, 'bench/results', 'order-set-memory.json');
writeFileSync(outFile, JSON.stringify({ date: new Date().toISOString(), node: process.version, orders, none, rows }, null, 2));
process.stdout.write(`wrote ${outFile}\n`);
