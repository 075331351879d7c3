import { type DataType, Dictionary, Float64, Int32, TimestampMillisecond, Utf8, type Vector, vectorFromArray } from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Aggregator } from '../../../engine/aggregate/aggregator.js';
import { finalize } from '../../../engine/aggregate/finalize.js';
import { arrowRows, parseBatch } from '../../../engine/parse/parse-batch.js';
import { RejectLog } from '../../../engine/parse/reject-log.js';
import type { RawBatch } from '../../../engine/read/raw-batch.js';
import { parseAsOf } from '../../../engine/rescore/as-of.js';
import { expectSameBytes, kernelSets } from '../kernels/kernel-sets.js';

// The sink's columnar path (Aggregator.addRaw on clean Arrow columns) against the row-by-row
// parser it replaces (parseBatch, then add): the same customers in the same order, the same fields
// to the bit, the same rejects with the same reasons, rows and values, the same future rows.
const AS_OF = parseAsOf('2025-06-30');
const START = Date.parse('2024-01-01T00:00:00Z');
const DAY = 86_400_000;

const TEXT_IDS = ['C1', 'C2', 'C3', '42', '042', '13085.0', '13085', '-0', 'é', ' 7', 'NA', ' n/a', 'NULL', 'none', '', '  ', 'x'.repeat(1100), null];
const row = fc.record({
  text: fc.constantFrom(...TEXT_IDS),
  int: fc.option(fc.integer({ min: -3, max: 40 }), { freq: 10 }),
  // Some rows dated after as_of (future rows), some with no timestamp.
  ts: fc.option(fc.integer({ min: 0, max: 640 }).map((d) => START + d * DAY + 3_600_000), { freq: 12 }),
  amount: fc.oneof(
    { weight: 12, arbitrary: fc.integer({ min: -4000, max: 40_000 }).map((c) => c / 100) },
    { weight: 1, arbitrary: fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, 1e13, -0, 0, null) },
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

function arrowBatch(rows: readonly Row[], kind: IdKind, withMargin: boolean, firstRow = 1): RawBatch {
  return {
    source: 'sink-test',
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

describe.each(kernelSets)('the columnar sink, $name kernels', ({ kernels }) => {
  const test = kernels ? it : it.skip;

  test.each(['utf8', 'dictionary', 'int32', 'float64'] as const)('gives what the row-by-row parser gives, %s ids', (kind) => {
    fc.assert(
      fc.property(fc.array(fc.array(row, { maxLength: 60 }), { maxLength: 4 }), fc.boolean(), (batches, withMargin) => {
        const fast = new Aggregator(AS_OF, kernels);
        const slow = new Aggregator(AS_OF, kernels);
        const [fastRejects, slowRejects] = [new RejectLog(50), new RejectLog(50)];
        let first = 1;
        for (const rows of batches) {
          const raw = arrowBatch(rows, kind, withMargin, first);
          first += rows.length;
          expect(arrowRows(raw)).not.toBeNull();
          fast.addRaw(raw, fastRejects);
          slow.add(parseBatch(raw, slowRejects));
        }
        const [got, want] = [finalize(fast, AS_OF, [30]), finalize(slow, AS_OF, [30])];
        expect(got.customerId).toEqual(want.customerId);
        for (const [name, col] of Object.entries(want.fields)) expectSameBytes(got.fields[name as keyof typeof got.fields], col, name);
        expect([fast.futureRows, fast.state.rows, fast.hasMargin]).toEqual([slow.futureRows, slow.state.rows, slow.hasMargin]);
        expect([fastRejects.total, fastRejects.counts, fastRejects.kept]).toEqual([slowRejects.total, slowRejects.counts, slowRejects.kept]);
      }),
      { numRuns: 60 },
    );
  });

  test('interns a dictionary entry once however many rows and batches use it', () => {
    const agg = new Aggregator(AS_OF, kernels);
    const ids = vectorFromArray(['C2', 'C1', 'C2', 'NA', 'C2'], new Dictionary(new Utf8(), new Int32()));
    const n = ids.length;
    const raw: RawBatch = {
      source: 'dict',
      firstRow: 1,
      length: n,
      columns: {
        customer_id: { kind: 'arrow', vector: ids },
        ts: { kind: 'arrow', vector: vectorFromArray(Array.from({ length: n }, (_, i) => START + i * DAY), new TimestampMillisecond()) },
        amount: { kind: 'arrow', vector: vectorFromArray(Array.from({ length: n }, () => 5), new Float64()) },
      },
      malformed: [],
      bytesRead: -1,
    };
    const rejects = new RejectLog();
    agg.addRaw(raw, rejects);
    agg.addRaw({ ...raw, firstRow: n + 1 }, rejects);
    expect(agg.keys()).toEqual(['C2', 'C1']);
    expect(rejects.counts).toEqual({ missing_customer_id: 2 });
    const t = finalize(agg, AS_OF);
    expect([...t.fields.orders]).toEqual([6, 2]);
  });
});

describe('arrowRows', () => {
  it('leaves to the row-by-row parser what it cannot judge by columns: text, line items, decimal money', () => {
    const base = arrowBatch([{ text: 'C1', int: 1, ts: START, amount: 5, margin: 1 }], 'utf8', false);
    expect(arrowRows(base)).not.toBeNull();
    expect(arrowRows({ ...base, columns: { ...base.columns, ts: { kind: 'text', values: ['2024-01-01'] } } })).toBeNull();
    expect(arrowRows({ ...base, columns: { ...base.columns, order_id: { kind: 'text', values: ['A1'] } } })).toBeNull();
    expect(arrowRows({ ...base, columns: { ...base.columns, amount: { kind: 'arrow', vector: vectorFromArray(['5'], new Utf8()) } } })).toBeNull();
    expect(arrowRows({ ...base, malformed: [{ index: 0, reason: 'malformed_row', detail: 'x' }] })).toBeNull();
  });
});
