import { type DataType, Dictionary, Float64, Int32, TimestampMillisecond, Utf8, type Vector, vectorFromArray } from 'apache-arrow';
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { Aggregator } from '../../../engine/aggregate/aggregator.js';
import { combinePartials } from '../../../engine/aggregate/combine-partials.js';
import type { CustomerTable } from '../../../engine/aggregate/customer-table.js';
import { combine, finalize } from '../../../engine/aggregate/finalize.js';
import { packPartitions } from '../../../engine/aggregate/partial-pack.js';
import type { TxBatch } from '../../../engine/parse/parse-batch.js';
import { RejectLog } from '../../../engine/parse/reject-log.js';
import type { RawBatch } from '../../../engine/read/raw-batch.js';
import { jsKernels } from '../../../engine/kernels/js-kernels.js';
import type { Kernels } from '../../../engine/kernels/kernels.js';
import { parseAsOf } from '../../../engine/rescore/as-of.js';
import { expectSameBytes, parity } from '../kernels/kernel-sets.js';

// The native sink (native/src/partial: radix partitions, a record log, combine + finalize in Rust)
// against the TypeScript Aggregator, the reference: the same customers in the same order and every
// field to the bit, finalized whole, combined from several shares, and packed for the cluster.
const AS_OF = parseAsOf('2025-06-30');
const START = Date.parse('2024-01-01T00:00:00Z');
const DAY = 86_400_000;

// Short and long (past the 7 bytes a slot holds), integer-like, zero-padded, non-ASCII, missing, too long.
const TEXT_IDS = ['C1', 'C2', 'C1234567', 'customer-00000042', '42', '042', '13085.0', '-0', 'é', 'ü-ü-ü-ü', ' 7', 'NA', '', 'x'.repeat(1100), null];
const row = fc.record({
  text: fc.constantFrom(...TEXT_IDS),
  int: fc.option(fc.integer({ min: -3, max: 2000 }), { freq: 10 }),
  // Some rows after as_of (future rows), some without a timestamp.
  ts: fc.option(fc.integer({ min: 0, max: 640 }).map((d) => START + d * DAY + 3_600_000), { freq: 12 }),
  amount: fc.oneof(
    { weight: 12, arbitrary: fc.integer({ min: -4000, max: 40_000 }).map((c) => c / 100) },
    { weight: 2, arbitrary: fc.constantFrom(-0, 0, -0.00001, 0.00005, Number.NaN) },
  ),
  margin: fc.oneof({ weight: 8, arbitrary: fc.integer({ min: -100, max: 1000 }).map((c) => c / 4) }, { weight: 1, arbitrary: fc.constantFrom(null, Number.NaN) }),
});
type Row = typeof row extends fc.Arbitrary<infer T> ? T : never;
type IdKind = 'utf8' | 'dictionary' | 'int32' | 'float64';

function idVector(rows: readonly Row[], kind: IdKind): Vector {
  if (kind === 'int32') return vectorFromArray(rows.map((r) => r.int), new Int32());
  if (kind === 'float64') return vectorFromArray(rows.map((r) => (r.int === null ? null : r.int + (r.int === 39 ? 0.5 : 0))), new Float64());
  const type: DataType = kind === 'utf8' ? new Utf8() : new Dictionary(new Utf8(), new Int32());
  return vectorFromArray(rows.map((r) => r.text) as (string | null)[], type as Utf8);
}

function arrowBatch(rows: readonly Row[], kind: IdKind, withMargin: boolean, firstRow: number): RawBatch {
  return {
    source: 'native-sink-test',
    firstRow,
    length: rows.length,
    columns: {
      customer_id: { kind: 'arrow', vector: idVector(rows, kind) },
      ts: { kind: 'arrow', vector: vectorFromArray(rows.map((r) => r.ts), new TimestampMillisecond()) },
      amount: { kind: 'arrow', vector: vectorFromArray(rows.map((r) => r.amount), new Float64()) },
      ...(withMargin ? { margin: { kind: 'arrow' as const, vector: vectorFromArray(rows.map((r) => r.margin), new Float64()) } } : {}),
    },
    malformed: [],
    bytesRead: -1,
  };
}

function expectSameTable(got: CustomerTable, want: CustomerTable): void {
  expect(got.customerId).toEqual(want.customerId);
  for (const [name, col] of Object.entries(want.fields)) expectSameBytes(got.fields[name as keyof typeof got.fields], col, name);
  expect([...got.windows.keys()]).toEqual([...want.windows.keys()]);
  for (const [w, col] of want.windows) expectSameBytes(got.windows.get(w)!, col, `revenue_${w}d`);
  expectSameBytes(got.meanRepeatValue, want.meanRepeatValue, 'meanRepeatValue');
  expectSameBytes(got.lastYearRevenue, want.lastYearRevenue, 'lastYearRevenue');
}

/** Each share in its own aggregator of `kernels`, batch by batch through `feed`. */
function sinks<B>(kernels: Kernels, shares: readonly (readonly B[])[], feed: (agg: Aggregator, batch: B) => void): Aggregator[] {
  return shares.map((batches) => {
    const agg = new Aggregator(AS_OF, kernels);
    for (const b of batches) feed(agg, b);
    return agg;
  });
}

/** The JS table of every share in one aggregator, against native: one sink, the shares combined, and the shares packed in 3 partitions. */
function expectNativeMatches<B>(native: Kernels, shares: readonly (readonly B[])[], feed: (agg: Aggregator, batch: B) => void): void {
  const want = finalize(sinks(jsKernels, [shares.flat()], feed)[0]!, AS_OF, [30]);
  expectSameTable(finalize(sinks(native, [shares.flat()], feed)[0]!, AS_OF, [30]), want);
  expectSameTable(combine(sinks(native, shares, feed), AS_OF, [30]), want);
  const parts = sinks(native, shares, feed);
  const hasMargin = parts.some((a) => a.hasMargin);
  const packs = parts.map((agg, s) => packPartitions(agg, s, 3));
  const tables = [0, 1, 2].map((p) => combinePartials(packs.map((pk) => pk[p]!), AS_OF, hasMargin, [30]));
  // Partitions hold disjoint customers; put together by first appearance they are the whole table.
  const byOrder = tables.flatMap(({ table, order }) => table.customerId.map((id, c) => ({ id, o: order[c]!, orders: table.fields.orders[c]!, revenue: table.fields.revenue[c]!, days: table.fields.purchase_days[c]! })));
  byOrder.sort((a, b) => a.o - b.o);
  expect(byOrder.map((r) => r.id)).toEqual(want.customerId);
  expect(byOrder.map((r) => [r.orders, r.revenue, r.days])).toEqual(want.customerId.map((_, c) => [want.fields.orders[c], want.fields.revenue[c], want.fields.purchase_days[c]]));
}

parity('the native sink', (native) => {
  it.each(['utf8', 'dictionary', 'int32', 'float64'] as const)('gives the TypeScript table from Arrow batches in 1 to 3 shares, %s ids', (kind) => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.array(row, { maxLength: 50 }), { maxLength: 3 }), { minLength: 1, maxLength: 3 }), fc.boolean(), (shares, withMargin) => {
        let first = 1;
        const raws = shares.map((batches) => batches.map((rows) => {
          const raw = arrowBatch(rows, kind, withMargin, first);
          first += rows.length;
          return raw;
        }));
        const [nativeRejects, jsRejects] = [new RejectLog(100), new RejectLog(100)];
        const [n, j] = [sinks(native, [raws.flat()], (agg, raw) => agg.addRaw(raw, nativeRejects))[0]!, sinks(jsKernels, [raws.flat()], (agg, raw) => agg.addRaw(raw, jsRejects))[0]!];
        expect([n.futureRows, n.state.rows, n.state.maxTs, n.size]).toEqual([j.futureRows, j.state.rows, j.state.maxTs, j.size]);
        expect(n.keys()).toEqual(j.keys());
        expect(nativeRejects.kept).toEqual(jsRejects.kept);
        expectNativeMatches(native, raws, (agg, raw) => agg.addRaw(raw, new RejectLog(1)));
      }),
      { numRuns: 40 },
    );
  });

  it('gives the TypeScript table from parsed rows with order ids (numbers, texts, lines without one), margins and zero and negative amounts', () => {
    const line = fc.record({
      id: fc.oneof(fc.integer({ min: 0, max: 30 }), fc.constantFrom('a', '07', 'long-customer-id-1')),
      order: fc.oneof(fc.integer({ min: 1, max: 12 }), fc.constantFrom('C1', 'C2', 'A-10', '\u0000test#1', '\u0000test#2')),
      day: fc.integer({ min: 0, max: 700 }),
      amount: fc.oneof(fc.integer({ min: -500, max: 5000 }).map((c) => c / 100), fc.constantFrom(0, -0)),
      margin: fc.option(fc.integer({ min: -50, max: 500 }).map((c) => c / 4), { freq: 3 }),
    });
    fc.assert(
      fc.property(fc.array(fc.array(fc.array(line, { maxLength: 40 }), { maxLength: 3 }), { minLength: 1, maxLength: 3 }), (shares) => {
        const batches = shares.map((bs) => bs.map((lines): TxBatch => {
          const margin = Float64Array.from(lines, (l) => l.margin ?? Number.NaN);
          return {
            length: lines.length,
            ids: lines.map((l) => l.id),
            ts: Float64Array.from(lines, (l) => START + l.day * DAY),
            amount: Float64Array.from(lines, (l) => l.amount),
            margin: lines.some((l) => l.margin !== null) ? margin : null,
            orderIds: lines.map((l) => l.order),
          } as TxBatch;
        }));
        expectNativeMatches(native, batches, (agg, b) => agg.add(b));
      }),
      { numRuns: 60 },
    );
  });

  it('gives the TypeScript table for 20,000 customers spread over every radix partition and met in 4 shares', () => {
    const rows = Array.from({ length: 80_000 }, (_, i) => ({
      text: i % 3 === 0 ? `C${(i * 7919) % 20_000}` : `customer-${(i * 104_729) % 20_000}`,
      int: null,
      ts: START + ((i * 31) % 500) * DAY + i,
      amount: ((i * 37) % 211) - 20 + 0.25,
      margin: null,
    }));
    const shares = [0, 1, 2, 3].map((s) => [arrowBatch(rows.slice(s * 20_000, (s + 1) * 20_000), s % 2 === 0 ? 'utf8' : 'dictionary', false, s * 20_000 + 1)]);
    expectNativeMatches(native, shares, (agg, raw) => agg.addRaw(raw, new RejectLog(1)));
  });

  it('refuses to finalize a sink twice, with SEG_ERR_NATIVE, instead of answering an empty table', () => {
    const agg = new Aggregator(AS_OF, native);
    agg.add({ length: 1, ids: [1], ts: Float64Array.of(START), amount: Float64Array.of(5), margin: null } as TxBatch);
    expect(finalize(agg, AS_OF).size).toBe(1);
    expect(() => finalize(agg, AS_OF)).toThrow(expect.objectContaining({ code: 'SEG_ERR_NATIVE' }));
  });
});
