import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Aggregator } from '../../../engine/aggregate/aggregator.js';
import type { CustomerTable } from '../../../engine/aggregate/customer-table.js';
import { combine, finalize } from '../../../engine/aggregate/finalize.js';
import { parseAsOf } from '../../../engine/rescore/as-of.js';
import { txBatch } from '../../helpers/rows.js';

const AS_OF = parseAsOf('2026-06-30');
const START = Date.parse('2025-01-01T00:00:00Z');

// Amounts are multiples of 1/4 so that float sums are exact whatever the order of additions:
// the property is about the state, not about floating-point associativity.
const row = fc.record({
  customer_id: fc.oneof(fc.integer({ min: 0, max: 40 }), fc.constantFrom('a', 'b', '07', 'x y')),
  ts: fc.integer({ min: 0, max: 600 * 86_400_000 }).map((t) => START + t),
  amount: fc.integer({ min: -400, max: 4000 }).map((q) => q / 4),
  margin: fc.integer({ min: -100, max: 1000 }).map((q) => q / 4),
});

function fieldsOf(t: CustomerTable) {
  return { ids: t.customerId, fields: t.fields, windows: [...t.windows.entries()], mrv: t.meanRepeatValue };
}

describe('combine', () => {
  it('gives exactly the table of one pass when two halves are aggregated apart and combined', () => {
    fc.assert(
      fc.property(fc.array(row, { maxLength: 300 }), fc.nat(), (rows, cut) => {
        const k = rows.length ? cut % (rows.length + 1) : 0;
        const whole = new Aggregator(AS_OF);
        whole.add(txBatch(rows));
        const left = new Aggregator(AS_OF);
        const right = new Aggregator(AS_OF);
        left.add(txBatch(rows.slice(0, k)));
        right.add(txBatch(rows.slice(k)));
        expect(fieldsOf(combine([left, right], AS_OF, [30]))).toEqual(fieldsOf(finalize(whole, AS_OF, [30])));
        expect(left.futureRows + right.futureRows).toBe(whole.futureRows);
      }),
      { numRuns: 200 },
    );
  });

  it('is the same whichever half comes first, up to customer order', () => {
    const rows = Array.from({ length: 500 }, (_, i) => ({ customer_id: i % 37, ts: START + ((i * 7919) % 500) * 86_400_000, amount: (i % 13) - 2 }));
    const a = new Aggregator(AS_OF);
    const b = new Aggregator(AS_OF);
    a.add(txBatch(rows.slice(0, 200)));
    b.add(txBatch(rows.slice(200)));
    const byId = (t: CustomerTable) => {
      return Object.fromEntries(t.customerId.map((id, c) => [id, Object.values(t.fields).map((col) => col[c])]));
    };
    expect(byId(combine([b, a], AS_OF))).toEqual(byId(combine([a, b], AS_OF)));
  });
});
