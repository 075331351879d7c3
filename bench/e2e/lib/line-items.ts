/**
 * A line-item export for the benchmarks, drawn from the generator's orders: each drawn row becomes
 * one invoice of 1 to 6 lines (`order_id`, `quantity`, `price`, no `amount`), as a shop's order
 * lines export holds them. Returns become `C` invoices whose quantities are negative (the UCI
 * Online Retail convention), one line in 16 of a purchase is free (price 0). Order ids are
 * numbers, cancellations text, so the column is text in Parquet as in the UCI file.
 *
 * Written as CSV (ISO timestamps) and Parquet (Int32 ids, UTC millisecond timestamps, Utf8 order
 * ids, Int32 quantities, Float64 prices), chunk by chunk: memory is one chunk, whatever the size.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Field, Float64, Int32, RecordBatch, RecordBatchStreamWriter, Schema, Struct, TimestampMillisecond, Utf8, makeData, vectorFromArray } from 'apache-arrow';
import { Prng, TransactionDrawer, createTransactionChunk } from '../../../engine/generate/index.js';

/** Options of {@link writeLineItems}. */
export interface LineItemOptions {
  readonly customers: number;
  /** Invoices drawn; the file holds about 3.5 times as many lines. */
  readonly orders: number;
  readonly seed: number;
  readonly csv: string;
  readonly parquet: string;
}

const END_MS = Date.parse('2026-06-30T23:59:59.999Z');
const FIRST_ORDER = 500_000;

/** One chunk of lines as columns. */
interface Lines {
  customer: number[];
  ts: number[];
  order: string[];
  quantity: number[];
  /** Whole cents. */
  priceCents: number[];
}

/** Draws the lines of every invoice, chunk by chunk. */
function* drawLines(opts: LineItemOptions): Generator<Lines> {
  const drawer = new TransactionDrawer({ customers: opts.customers, transactions: opts.orders, seed: opts.seed, endMs: END_MS });
  const rng = new Prng(opts.seed, 9);
  const chunk = createTransactionChunk();
  let invoice = FIRST_ORDER;
  while (drawer.fill(chunk) > 0) {
    const out: Lines = { customer: [], ts: [], order: [], quantity: [], priceCents: [] };
    for (let r = 0; r < chunk.length; r++) {
      const cents = Math.round(chunk.amount[r]! * 100);
      const ret = cents < 0;
      const lines = 1 + Math.floor(rng.uniform() * 6);
      const order = ret ? `C${invoice++}` : String(invoice++);
      for (let l = 0; l < lines; l++) {
        const q = 1 + Math.floor(rng.uniform() * 6);
        const free = !ret && rng.uniform() < 1 / 16;
        out.customer.push(chunk.customerId[r]!);
        out.ts.push(chunk.ts[r]!);
        out.order.push(order);
        out.quantity.push(ret ? -q : q);
        out.priceCents.push(free ? 0 : Math.max(1, Math.round(Math.abs(cents) / lines / q)));
      }
    }
    yield out;
  }
}

const SCHEMA = new Schema([
  new Field('customer_id', new Int32(), false),
  new Field('ts', new TimestampMillisecond('UTC'), false),
  new Field('order_id', new Utf8(), false),
  new Field('quantity', new Int32(), false),
  new Field('price', new Float64(), false),
]);

function recordBatch(lines: Lines): RecordBatch {
  const n = lines.customer.length;
  const ts = new BigInt64Array(n);
  for (let i = 0; i < n; i++) ts[i] = BigInt(lines.ts[i]!);
  const [id, t, , q, p] = SCHEMA.fields as Field[];
  const children = [
    makeData({ type: id!.type as Int32, length: n, nullCount: 0, data: Int32Array.from(lines.customer) }),
    makeData({ type: t!.type as TimestampMillisecond, length: n, nullCount: 0, data: ts }),
    vectorFromArray(lines.order, new Utf8()).data[0]!,
    makeData({ type: q!.type as Int32, length: n, nullCount: 0, data: Int32Array.from(lines.quantity) }),
    makeData({ type: p!.type as Float64, length: n, nullCount: 0, data: Float64Array.from(lines.priceCents, (c) => c / 100) }),
  ];
  return new RecordBatch(SCHEMA, makeData({ type: new Struct(SCHEMA.fields), length: n, nullCount: 0, children }));
}

/** Writes the same lines as CSV and Parquet; returns the number of lines. */
export async function writeLineItems(opts: LineItemOptions): Promise<number> {
  const wasm = await import('parquet-wasm');
  const csv = createWriteStream(opts.csv);
  csv.write('customer_id,ts,order_id,quantity,price\n');
  let total = 0;
  const lines = drawLines(opts);
  const batches = new ReadableStream(
    {
      async pull(controller) {
        const next = lines.next();
        if (next.done === true) {
          controller.close();
          return;
        }
        const l = next.value;
        total += l.customer.length;
        let text = '';
        for (let i = 0; i < l.customer.length; i++) {
          text += `${l.customer[i]},${new Date(l.ts[i]!).toISOString()},${l.order[i]},${l.quantity[i]},${(l.priceCents[i]! / 100).toFixed(2)}\n`;
        }
        if (!csv.write(text)) await once(csv, 'drain');
        const table = wasm.Table.fromIPCStream(RecordBatchStreamWriter.writeAll([recordBatch(l)]).toUint8Array(true));
        for (const batch of table.recordBatches()) controller.enqueue(batch);
        table.free();
      },
    },
    { highWaterMark: 1 },
  );
  const props = new wasm.WriterPropertiesBuilder().setCompression(wasm.Compression.SNAPPY).setMaxRowGroupSize(1 << 20).build();
  const parquet = await open(opts.parquet, 'w');
  try {
    for await (const part of await wasm.transformParquetStream(batches, props)) await parquet.write(part as Uint8Array);
  } finally {
    await parquet.close();
  }
  csv.end();
  await once(csv, 'finish');
  return total;
}
