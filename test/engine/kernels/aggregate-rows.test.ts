import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aggregateRows } from '../../../engine/aggregate/aggregate-rows.js';
import { AggregateState } from '../../../engine/aggregate/aggregate-state.js';
import { Aggregator } from '../../../engine/aggregate/aggregator.js';
import { toUnits } from '../../../engine/aggregate/money.js';
import { finalize } from '../../../engine/aggregate/finalize.js';
import { jsKernels } from '../../../engine/kernels/js-kernels.js';
import type { Kernels } from '../../../engine/kernels/kernels.js';
import { parseAsOf } from '../../../engine/rescore/as-of.js';
import { txBatch } from '../../helpers/rows.js';
import { expectSameBytes, nativeKernels, parity } from './kernel-sets.js';

const DAY = 86_400_000;
const START = Date.parse('2025-01-01T00:00:00Z');

interface Rows {
  cust: Int32Array;
  ts: Float64Array;
  amount: Float64Array;
  margin: Float64Array | null;
}


/** Runs `rows` through `kernels` in batches cut at `cuts`, from a state small enough to grow often. */
function aggregate(rows: Rows, customers: number, cuts: readonly number[] = []): AggregateState {
  const state = new AggregateState(1);
  state.ensure(customers);
  const n = rows.cust.length;
  const bounds = [...new Set([0, ...cuts.map((c) => c % (n + 1)), n])].sort((a, b) => a - b);
  for (let b = 0; b + 1 < bounds.length; b++) {
    const [s, e] = [bounds[b]!, bounds[b + 1]!];
    aggregateRows(state, rows.cust.subarray(s, e), rows.ts.subarray(s, e), rows.amount.subarray(s, e), rows.margin?.subarray(s, e) ?? null, e - s);
  }
  return state;
}

function columns(list: { cust: number; ts: number; amount: number; margin: number }[], withMargin: boolean): Rows {
  return {
    cust: Int32Array.from(list, (r) => r.cust),
    ts: Float64Array.from(list, (r) => r.ts),
    amount: Float64Array.from(list, (r) => r.amount),
    margin: withMargin ? Float64Array.from(list, (r) => r.margin) : null,
  };
}

// The native kernel set aggregates in its sink (native/src/partial; test/engine/aggregate/native-sink.test.ts):
// aggregateRows is the TypeScript state's kernel only.
describe('aggregateRows', () => {
  const test = it;

  test('folds known rows into the documented sums', () => {
    const rows: Rows = {
      cust: Int32Array.of(0, 0, 1, 0, -1),
      ts: Float64Array.of(START, START + 3 * DAY, START + DAY, START + 3 * DAY + 5, START + 9 * DAY),
      amount: Float64Array.of(10, 5, -4, -2, 100),
      margin: null,
    };
    const s = aggregate(rows, 2);
    expect([...s.orders.subarray(0, 2)]).toEqual([2, 0]);
    expect([...s.returns.subarray(0, 2)]).toEqual([1, 1]);
    // Money sums are kept in exact units of 0.0001 (engine/aggregate/money.ts).
    expect([...s.revenue.subarray(0, 2)]).toEqual([130_000, -40_000]);
    expect([...s.returnedAmount.subarray(0, 2)]).toEqual([20_000, 40_000]);
    expect(s.firstTs[0]).toBe(START);
    expect(s.lastTs[0]).toBe(START + 3 * DAY);
    expect(s.spilled[0]).toBe(1);
    expect(s.days.size).toBe(2);
    expect(s.rows).toBe(4);
    expect(s.maxTs).toBe(START + 3 * DAY + 5);
  });

  test('counts, sums and bounds each customer as a row-by-row fold of the definitions does', () => {
    const ts = fc.integer({ min: 0, max: 60 * DAY }).map((t) => START + t);
    const money = fc.oneof(fc.double({ min: -1e4, max: 1e5, noNaN: true }), fc.constantFrom(0, -0, 0.1, -0.1));
    const row = fc.record({ cust: fc.integer({ min: -1, max: 7 }), ts, amount: money, margin: fc.double({ min: -1e3, max: 1e3, noNaN: true }) });
    fc.assert(
      fc.property(fc.array(row, { maxLength: 300 }), fc.array(fc.nat(), { maxLength: 4 }), (list, cuts) => {
        const s = aggregate(columns(list, true), 8, cuts);
        for (let c = 0; c < 8; c++) {
          const mine = list.filter((r) => r.cust === c);
          const bought = mine.filter((r) => r.amount >= 0);
          const units = (xs: number[]) => xs.reduce((sum, x) => sum + toUnits(x), 0);
          expect(s.orders[c], `orders of ${c}`).toBe(bought.length);
          expect(s.returns[c], `returns of ${c}`).toBe(mine.length - bought.length);
          expect(s.revenue[c], `revenue of ${c}`).toBe(units(mine.map((r) => r.amount)));
          expect(s.margin[c], `margin of ${c}`).toBe(units(mine.map((r) => r.margin)));
          expect(s.firstTs[c]).toBe(Math.min(...bought.map((r) => r.ts)));
          expect(s.lastTs[c]).toBe(Math.max(...bought.map((r) => r.ts)));
        }
        expect(s.rows).toBe(list.filter((r) => r.cust >= 0).length);
      }),
      { numRuns: 200 },
    );
  });
});

parity('the Aggregator', (native) => {
  it('gives the same customer table through Aggregator and finalize', () => {
    const asOf = parseAsOf('2025-03-01');
    const ids = [1, 2, 'x', '07', 3, 1, 2, 'x', 42, '42'];
    const batch = txBatch(
      Array.from({ length: 400 }, (_, i) => ({
        customer_id: ids[(i * 7) % ids.length],
        ts: START + ((i * 13) % 70) * DAY + i,
        amount: ((i * 37) % 23) - 4 + 0.01 * i,
        margin: i % 5 === 0 ? null : i / 7,
      })),
    );
    const run = (k: Kernels) => {
      const agg = new Aggregator(asOf, k);
      agg.add(batch);
      agg.add(batch);
      return finalize(agg, asOf, [30]);
    };
    const [got, want] = [run(native), run(jsKernels)];
    expect(got.customerId).toEqual(want.customerId);
    for (const [name, col] of Object.entries(want.fields)) expectSameBytes(got.fields[name as keyof typeof got.fields], col, name);
    expectSameBytes(got.meanRepeatValue, want.meanRepeatValue, 'meanRepeatValue');
  });

  it('gives the same state and table with order ids (line items), which count distinct orders', () => {
    const asOf = parseAsOf('2025-03-01');
    const ids = [1, 2, 'x', '07', 3];
    // 12 lines per order; order 7k+3 is a cancellation (every line negative).
    const lines = Array.from({ length: 2400 }, (_, i) => {
      const order = Math.floor(i / 12);
      return { id: ids[order % ids.length]!, order: order % 9 === 0 ? `C${order}` : order, ts: START + (order % 60) * DAY + i, amount: (order % 7 === 3 ? -1 : 1) * (((i * 37) % 23) + 0.25) };
    });
    const batch = { ...txBatch(lines.map((l) => ({ customer_id: l.id, ts: l.ts, amount: l.amount }))), orderIds: lines.map((l) => l.order) };
    const run = (k: Kernels) => {
      const agg = new Aggregator(asOf, k);
      agg.add(batch);
      agg.add(batch);
      return agg;
    };
    const [got, want] = [run(native), run(jsKernels)];
    // The native set's state is its sink (native/src/partial): only the finalized tables compare.
    expect(got.state.rows).toBe(want.state.rows);
    expect(got.state.maxTs).toBe(want.state.maxTs);
    const [gt, wt] = [finalize(got, asOf), finalize(want, asOf)];
    expect(gt.customerId).toEqual(wt.customerId);
    for (const [name, col] of Object.entries(wt.fields)) expectSameBytes(gt.fields[name as keyof typeof gt.fields], col, name);
    // 200 orders over 5 customers, each seen twice: 40 per customer, split into orders and returns by sign.
    for (let c = 0; c < 5; c++) expect(wt.fields.orders[c]! + wt.fields.returns[c]!).toBe(40);
    expect(wt.fields.returns.reduce((s, r) => s + r, 0)).toBe(Array.from({ length: 200 }, (_, o) => o).filter((o) => o % 7 === 3).length);
  });
});

describe.runIf(nativeKernels)('native kernels, shared memory', () => {
  const native = nativeKernels!;

  it('refuse an output array that shares memory with an input, instead of aliasing it', () => {
    const ids = Int32Array.of(1, 2, 3);
    expect(() => native.createInterner().internIds(ids, ids)).toThrow(/share memory/);
  });
});
