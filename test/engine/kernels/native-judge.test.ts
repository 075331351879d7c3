import {
  DateDay, Dictionary, Float64, Int32, Int64, TimestampMicrosecond, TimestampMillisecond, TimestampNanosecond, TimestampSecond, Utf8, type DataType, makeData, makeVector, type Vector, vectorFromArray,
} from 'apache-arrow';
import fc from 'fast-check';
import { expect, it, vi } from 'vitest';
import { Aggregator } from '../../../engine/aggregate/aggregator.js';
import { finalize } from '../../../engine/aggregate/finalize.js';
import { jsKernels } from '../../../engine/kernels/js-kernels.js';
import { NativeSink } from '../../../engine/kernels/native-sink.js';
import { RejectLog } from '../../../engine/parse/reject-log.js';
import type { RawBatch } from '../../../engine/read/raw-batch.js';
import { parseAsOf } from '../../../engine/rescore/as-of.js';
import { expectSameBytes, parity } from './kernel-sets.js';

// The row judgment in the addon (native/src/partial/judge.rs) against the TypeScript Aggregator's
// own (aggregator.ts `judge` on parse-batch.ts `arrowRows`): clean columnar batches (no nulls, the
// shape a Parquet row group or the CSV scanner gives) with every reject reason the columns can
// carry — a timestamp outside the Date range, an amount or margin that is NaN, infinite or beyond
// MAX_MONEY, a missing or bad text id — and rows after as_of, in every time unit.
const AS_OF = parseAsOf('2025-06-30');
const START = Date.parse('2024-01-01T00:00:00Z');
const DAY = 86_400_000;

const UNITS = [
  { name: 's', type: () => new TimestampSecond(), of: (ms: number) => BigInt(Math.trunc(ms / 1000)) },
  { name: 'ms', type: () => new TimestampMillisecond(), of: (ms: number) => BigInt(ms) },
  // Sub-millisecond parts, negative ones too: the reader floors them to the earlier millisecond.
  { name: 'us', type: () => new TimestampMicrosecond(), of: (ms: number) => BigInt(ms) * 1000n + 999n },
  { name: 'ns', type: () => new TimestampNanosecond(), of: (ms: number) => BigInt(ms) * 1_000_000n - 1n },
  { name: 'date', type: () => new DateDay(), of: (ms: number) => Math.floor(ms / DAY) },
] as const;
type Unit = (typeof UNITS)[number];

// Beyond the Date range in every unit (seconds: 2e14 s is 2e17 ms).
const OUT_OF_RANGE = 2e14 * 1000;
const row = fc.record({
  int: fc.integer({ min: -3, max: 400 }),
  text: fc.constantFrom('C1', 'C2', 'C123', '42', '042', 'NA', '', ' 7', 'x'.repeat(600), 'é'),
  ts: fc.oneof(
    { weight: 20, arbitrary: fc.integer({ min: -30, max: 640 }).map((d) => START + d * DAY + 3_600_123) },
    { weight: 1, arbitrary: fc.constantFrom(OUT_OF_RANGE, -OUT_OF_RANGE) },
  ),
  amount: fc.oneof(
    { weight: 20, arbitrary: fc.integer({ min: -4000, max: 40_000 }).map((c) => c / 100) },
    { weight: 2, arbitrary: fc.constantFrom(-0, 0, Number.NaN, Number.POSITIVE_INFINITY, -1e16, 900_719_925_474.0991) },
  ),
  margin: fc.oneof({ weight: 20, arbitrary: fc.integer({ min: -100, max: 1000 }).map((c) => c / 4) }, { weight: 1, arbitrary: fc.constantFrom(Number.NaN, 1e16) }),
});
type Row = typeof row extends fc.Arbitrary<infer T> ? T : never;
type IdKind = 'int32' | 'int64' | 'utf8' | 'dictionary';

/** The time column as a reader decodes it: the unit's raw integers (64-bit, or days as 32-bit). */
function tsVector(rows: readonly Row[], unit: Unit): Vector {
  const values = rows.map((r) => unit.of(r.ts));
  const data = unit.name === 'date' ? Int32Array.from(values as number[]) : BigInt64Array.from(values as bigint[]);
  return makeVector(makeData({ type: unit.type(), length: rows.length, nullCount: 0, data } as never));
}

function batch(rows: readonly Row[], ids: IdKind, unit: Unit, withMargin: boolean, firstRow: number): RawBatch {
  const idType: DataType = ids === 'int32' ? new Int32() : ids === 'utf8' ? new Utf8() : new Dictionary(new Utf8(), new Int32());
  const idVector =
    ids === 'int64'
      ? makeVector(makeData({ type: new Int64(), length: rows.length, nullCount: 0, data: BigInt64Array.from(rows, (r) => BigInt(r.int) * 1_000_003n) } as never))
      : vectorFromArray(rows.map((r) => (ids === 'int32' ? r.int : r.text)) as never, idType);
  return {
    source: 'native-judge-test',
    firstRow,
    length: rows.length,
    columns: {
      customer_id: { kind: 'arrow', vector: idVector },
      ts: { kind: 'arrow', vector: tsVector(rows, unit) },
      amount: { kind: 'arrow', vector: vectorFromArray(rows.map((r) => r.amount), new Float64()) },
      ...(withMargin ? { margin: { kind: 'arrow' as const, vector: vectorFromArray(rows.map((r) => r.margin), new Float64()) } } : {}),
    },
    malformed: [],
    bytesRead: -1,
  };
}

parity('the row judgment', (native) => {
  it.each(['int32', 'int64', 'utf8', 'dictionary'] as const)('judges, rejects and folds clean batches as the TypeScript Aggregator does, %s ids, every time unit', (ids) => {
    const judged = vi.spyOn(NativeSink.prototype, 'judge');
    const reasons = new Set<string>();
    let future = 0;
    try {
      fc.assert(
        fc.property(fc.array(fc.array(row, { minLength: 1, maxLength: 60 }), { minLength: 1, maxLength: 4 }), fc.constantFrom(...UNITS), fc.boolean(), (batches, unit, withMargin) => {
          let first = 1;
          const raws = batches.map((rows) => {
            const raw = batch(rows, ids, unit, withMargin, first);
            first += rows.length;
            return raw;
          });
          const run = (kernels: typeof jsKernels) => {
            const agg = new Aggregator(AS_OF, kernels);
            const rejects = new RejectLog(1000);
            for (const raw of raws) agg.addRaw(raw, rejects);
            return { agg, rejects };
          };
          const before = judged.mock.calls.length;
          const [n, j] = [run(native), run(jsKernels)];
          // Every batch of these shapes went the native way.
          expect(judged.mock.calls.length - before).toBe(raws.length);
          expect([n.agg.futureRows, n.agg.state.rows, n.agg.state.maxTs, n.agg.size, n.agg.hasMargin]).toEqual([j.agg.futureRows, j.agg.state.rows, j.agg.state.maxTs, j.agg.size, j.agg.hasMargin]);
          expect(n.rejects.counts).toEqual(j.rejects.counts);
          expect(n.rejects.kept).toEqual(j.rejects.kept);
          for (const reason of Object.keys(n.rejects.counts)) reasons.add(reason);
          future += n.agg.futureRows;
          const [got, want] = [finalize(n.agg, AS_OF, [30]), finalize(j.agg, AS_OF, [30])];
          expect(got.customerId).toEqual(want.customerId);
          for (const [name, col] of Object.entries(want.fields)) expectSameBytes(got.fields[name as keyof typeof got.fields], col, name);
        }),
        { numRuns: 60 },
      );
      // The runs met every reason these columns can carry, and rows after as_of.
      expect([...reasons].sort()).toEqual(['bad_amount', 'bad_margin', 'bad_ts', ...(ids === 'int32' || ids === 'int64' ? [] : ['missing_customer_id'])].sort());
      expect(future).toBeGreaterThan(0);
    } finally {
      judged.mockRestore();
    }
  });

  it('leaves a batch with a null, or with Int64 ids beyond 2^53, to the columns way, with the same result', () => {
    const judged = vi.spyOn(NativeSink.prototype, 'judge');
    try {
      const rows: Row[] = Array.from({ length: 50 }, (_, i) => ({ int: i % 7, text: 'C1', ts: START + i * DAY, amount: i - 10, margin: 1 }));
      const raw = batch(rows, 'int32', UNITS[1], false, 1);
      const withNull: RawBatch = { ...raw, columns: { ...raw.columns, amount: { kind: 'arrow', vector: vectorFromArray([null, ...rows.slice(1).map((r) => r.amount)], new Float64()) } } };
      const agg = new Aggregator(AS_OF, native);
      const want = new Aggregator(AS_OF, jsKernels);
      const [a, b] = [new RejectLog(10), new RejectLog(10)];
      agg.addRaw(withNull, a);
      want.addRaw(withNull, b);
      expect(judged).not.toHaveBeenCalled();
      expect(a.kept).toEqual(b.kept);
      expect(a.counts).toEqual({ missing_amount: 1 });
      expect(finalize(agg, AS_OF).customerId).toEqual(finalize(want, AS_OF).customerId);
      // An Int64 id beyond 2^53 keeps its exact decimal text the columns' way: not judged natively.
      const big = batch(rows, 'int64', UNITS[1], false, 1);
      const ids = BigInt64Array.from({ length: rows.length }, (_, i) => 2n ** 60n + BigInt(i % 5));
      const unsafe: RawBatch = { ...big, columns: { ...big.columns, customer_id: { kind: 'arrow', vector: makeVector(makeData({ type: new Int64(), length: rows.length, nullCount: 0, data: ids } as never)) } } };
      const [bigNative, bigJs] = [new Aggregator(AS_OF, native), new Aggregator(AS_OF, jsKernels)];
      bigNative.addRaw(unsafe, new RejectLog(1));
      bigJs.addRaw(unsafe, new RejectLog(1));
      expect(judged).not.toHaveBeenCalled();
      expect(bigNative.keys()).toEqual(bigJs.keys());
      expect(bigNative.size).toBe(5);
    } finally {
      judged.mockRestore();
    }
  });
});
