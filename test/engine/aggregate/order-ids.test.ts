import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Aggregator } from '../../../engine/aggregate/aggregator.js';
import type { CustomerTable } from '../../../engine/aggregate/customer-table.js';
import { combine, finalize } from '../../../engine/aggregate/finalize.js';
import { OrderSet } from '../../../engine/aggregate/order-set.js';
import { type TxBatch, parseBatch } from '../../../engine/parse/parse-batch.js';
import { RejectLog } from '../../../engine/parse/reject-log.js';
import type { RawBatch } from '../../../engine/read/raw-batch.js';
import type { CustomerKey } from '../../../engine/parse/parse-values.js';
import { parseAsOf } from '../../../engine/rescore/as-of.js';

/** A line of an order, as the parser hands it over (amount = quantity * price already). */
interface Line {
  readonly customer: CustomerKey;
  readonly order: CustomerKey;
  readonly ts: number;
  readonly amount: number;
}

const ms = (iso: string) => Date.parse(iso);

/** Every field of every customer, by id (merging may intern customers in another order). */
const byId = (t: CustomerTable) => Object.fromEntries(t.customerId.map((id, c) => [id, Object.values(t.fields).map((col) => col[c])]));

/** One TxBatch of lines, with order ids. */
function batchOf(lines: readonly Line[]): TxBatch {
  return {
    length: lines.length,
    ids: lines.map((l) => l.customer),
    ts: Float64Array.from(lines, (l) => l.ts),
    amount: Float64Array.from(lines, (l) => l.amount),
    margin: null,
    orderIds: lines.map((l) => l.order),
  };
}

/** The same lines as rows without an order id (each row its own order). */
function rowsOf(lines: readonly Line[]): TxBatch {
  const { orderIds: _, ...rest } = batchOf(lines);
  return rest;
}

function row(table: CustomerTable, id: CustomerKey): Record<string, number> {
  const c = table.customerId.indexOf(String(id));
  if (c < 0) throw new Error(`no customer ${id}`);
  return Object.fromEntries(Object.entries(table.fields).map(([k, col]) => [k, col[c]!]));
}

// A UCI-style customer: three invoices of five lines, one of them with a free line, and a `C`
// cancellation invoice whose lines are all negative.
const INV1 = ['536365', [[6, 2.55], [6, 3.39], [8, 2.75], [6, 3.39], [2, 7.65]]] as const; // 93.28
const INV2 = ['536366', [[6, 1.85], [6, 1.85], [1, 0], [12, 1.25], [2, 4.25]]] as const; // 45.70
const INV3 = [537000, [[10, 0.85], [4, 2.1], [24, 0.42], [1, 5.95], [3, 1.65]]] as const; // 37.88
const CANCEL = ['C537100', [[-2, 7.65], [-1, 5.95]]] as const; // -21.25

function invoice(customer: CustomerKey, [order, lines]: readonly [CustomerKey, readonly (readonly [number, number])[]], ts: string): Line[] {
  // The amounts the parser computes exactly in units of 0.0001 (quantity * price).
  return lines.map(([q, p]) => ({ customer, order: typeof order === 'string' && /^\d+$/.test(order) ? Number(order) : order, ts: ms(ts), amount: Math.round(q * p * 10_000) / 10_000 }));
}

const SHOP: Line[] = [
  ...invoice(12347, INV1, '2010-12-01T08:26:00Z'),
  ...invoice(12347, INV2, '2010-12-01T08:28:00Z'),
  ...invoice(12347, INV3, '2010-12-05T10:00:00Z'),
  ...invoice(12347, CANCEL, '2010-12-07T09:00:00Z'),
  // A customer whose only invoice is free (every line at price 0): one free order.
  ...invoice('guest-1', ['536400', [[3, 0], [1, 0]]], '2010-12-02T12:00:00Z'),
  // An invoice with lines of both signs: one order (its positive lines) and one return.
  ...invoice(17850, ['536500', [[4, 2.5], [-1, 2.5], [2, 1]]], '2010-12-03T09:00:00Z'),
];
const AS_OF = parseAsOf('2010-12-09');

describe('orders and returns with order_id mapped (DESIGN "Definitions")', () => {
  const agg = new Aggregator(AS_OF);
  agg.add(batchOf(SHOP));
  const table = finalize(agg, AS_OF);

  it('counts three invoices of five lines as three orders and a cancellation invoice as one return', () => {
    const c = row(table, 12347);
    expect(c['orders']).toBe(3);
    expect(c['returns']).toBe(1);
    // 93.28 + 45.70 + 37.88 - 21.25, summed by hand from the lines above.
    expect(c['revenue']).toBe(155.61);
    expect(c['returned_amount']).toBe(21.25);
    expect(c['aov']).toBe(155.61 / 3);
    // Lines are still what purchase days, first and last purchase are made of.
    expect(c['purchase_days']).toBe(2);
    expect(c['first_purchase_at']).toBe(ms('2010-12-01T08:26:00Z'));
    expect(c['last_purchase_at']).toBe(ms('2010-12-05T10:00:00Z'));
  });

  it('counts a free invoice as one order and an invoice of both signs as one order and one return', () => {
    expect(row(table, 'guest-1')).toMatchObject({ orders: 1, returns: 0, revenue: 0, aov: 0, purchase_days: 1 });
    expect(row(table, 17850)).toMatchObject({ orders: 1, returns: 1, revenue: 9.5, returned_amount: 2.5 });
  });

  it('counts every line as an order when the same lines come without order ids', () => {
    const lines = new Aggregator(AS_OF);
    lines.add(rowsOf(SHOP));
    const t = finalize(lines, AS_OF);
    expect(row(t, 12347)).toMatchObject({ orders: 15, returns: 2, revenue: 155.61 });
    // Only orders and returns (and aov) differ from the order-id run.
    const c = row(table, 12347);
    const l = row(t, 12347);
    for (const k of Object.keys(c)) if (!['orders', 'returns', 'aov'].includes(k)) expect([k, l[k]]).toEqual([k, c[k]]);
  });

  it('gives the same counts when the lines of one invoice are split across batches', () => {
    const split = new Aggregator(AS_OF);
    // Every batch boundary cuts an invoice: lines 0-2, 3-6, 7-11, ...
    for (let i = 0, k = 3; i < SHOP.length; i += k, k++) split.add(batchOf(SHOP.slice(i, i + k)));
    expect(finalize(split, AS_OF)).toEqual(table);
  });

  it('gives the same counts when aggregators that each saw part of an invoice are merged', () => {
    const parts = [new Aggregator(AS_OF), new Aggregator(AS_OF), new Aggregator(AS_OF)];
    SHOP.forEach((line, i) => {
      parts[i % 3]!.add(batchOf([line]));
    });
    expect(byId(combine(parts, AS_OF))).toEqual(byId(table));
  });

  it('adds rows without an order id (e.g. live events) as one order each', () => {
    const mixed = new Aggregator(AS_OF);
    mixed.add(batchOf(SHOP));
    mixed.add(rowsOf([{ customer: 12347, order: 0, ts: ms('2010-12-08T10:00:00Z'), amount: 12 }, { customer: 12347, order: 0, ts: ms('2010-12-08T11:00:00Z'), amount: -2 }]));
    expect(row(finalize(mixed, AS_OF), 12347)).toMatchObject({ orders: 4, returns: 2, revenue: 165.61 });
  });

  it('counts each line without an order id as an order of its own, without room in the order set', () => {
    // Through the parser, as a CSV export with blank InvoiceNo cells would come.
    const text = (values: (string | null)[]) => ({ kind: 'text' as const, values });
    const raw: RawBatch = {
      source: 'lines.csv',
      firstRow: 1,
      length: 6,
      columns: {
        customer_id: text(['7', '7', '7', '7', '7', '7']),
        ts: text(['2010-12-01T08:26:00Z', '2010-12-01T08:26:00Z', '2010-12-02T09:00:00Z', '2010-12-02T09:00:00Z', '2010-12-03T10:00:00Z', '2010-12-03T10:00:00Z']),
        order_id: text(['536365', '536365', null, '', null, 'C536379']),
        quantity: text(['2', '1', '3', '1', '-1', '-2']),
        price: text(['2.55', '3.39', '1.25', '0', '4.25', '2.55']),
      },
      malformed: [],
      bytesRead: -1,
    };
    const rejects = new RejectLog();
    const agg2 = new Aggregator(AS_OF);
    agg2.add(parseBatch(raw, rejects));
    expect(rejects.total).toBe(0);
    // 536365 (2 lines) + 2 lines without an id = 3 orders; a line without an id + C536379 = 2 returns.
    expect(row(finalize(agg2, AS_OF), 7)).toMatchObject({ orders: 3, returns: 2, revenue: 2.89 }); // 5.10 + 3.39 + 3.75 + 0 - 4.25 - 5.10
    expect(agg2.state.orderSet.size).toBe(2);
  });

  it('keeps the orders of two customers apart even when they share an order id', () => {
    const agg2 = new Aggregator(AS_OF);
    agg2.add(batchOf([
      { customer: 1, order: 'A-1', ts: ms('2010-12-01'), amount: 5 },
      { customer: 2, order: 'A-1', ts: ms('2010-12-01'), amount: 5 },
      { customer: 2, order: 'A-1', ts: ms('2010-12-02'), amount: 7 },
    ]));
    const t = finalize(agg2, AS_OF);
    expect([row(t, 1)['orders'], row(t, 2)['orders']]).toEqual([1, 1]);
  });
});

// Lines drawn from few customers and few orders, so orders repeat within and across batches,
// some after as_of (future rows, left out); quarter amounts keep float sums exact whatever the order of additions.
const lineArb = fc.record({
  customer: fc.oneof(fc.integer({ min: 0, max: 12 }), fc.constantFrom('a', 'b', '07')),
  order: fc.oneof(fc.integer({ min: -3, max: 25 }), fc.constantFrom('C1', 'C2', 'x', '')),
  ts: fc.integer({ min: 0, max: 200 }).map((d) => ms('2010-06-01') + d * 86_400_000 + 3_600_000),
  amount: fc.integer({ min: -40, max: 400 }).map((q) => q / 4),
});

/** The distinct orders per customer up to as_of, counted the obvious way. */
function expectedCounts(lines: readonly Line[]): Map<string, { orders: number; returns: number }> {
  const sides = new Map<string, { pos: Set<string>; neg: Set<string> }>();
  for (const l of lines) {
    if (l.ts > AS_OF) continue; // a future row
    const k = String(l.customer);
    if (!sides.has(k)) sides.set(k, { pos: new Set(), neg: new Set() });
    const key = `${typeof l.order}:${l.order}`;
    (l.amount >= 0 ? sides.get(k)!.pos : sides.get(k)!.neg).add(key);
  }
  return new Map([...sides].map(([k, s]) => [k, { orders: s.pos.size, returns: s.neg.size }]));
}

describe('the order set', () => {
  it('counts distinct orders per customer and merges exactly under any split', () => {
    fc.assert(
      fc.property(fc.array(lineArb, { maxLength: 250 }), fc.array(fc.nat(), { maxLength: 4 }), (lines, cuts) => {
        const whole = new Aggregator(AS_OF);
        whole.add(batchOf(lines));
        const want = finalize(whole, AS_OF);
        const counts = expectedCounts(lines);
        want.customerId.forEach((id, c) => {
          expect([id, want.fields.orders[c], want.fields.returns[c]]).toEqual([id, counts.get(id)!.orders, counts.get(id)!.returns]);
        });
        // Cut into pieces, aggregate apart, combine in reverse order.
        const at = [...new Set(cuts.map((x) => (lines.length ? x % (lines.length + 1) : 0)))].sort((a, b) => a - b);
        const bounds = [0, ...at, lines.length];
        const parts = bounds.slice(1).map((end, i) => {
          const p = new Aggregator(AS_OF);
          p.add(batchOf(lines.slice(bounds[i]!, end)));
          return p;
        });
        const got = combine(parts.reverse(), AS_OF);
        expect(byId(got)).toEqual(byId(want));
      }),
      { numRuns: 200 },
    );
  });

  it('keeps long and non-BMP text ids exactly and gives them back', () => {
    const set = new OrderSet();
    const long = `INV-${'é😀'.repeat(3000)}`;
    const ids = ['C536379', long, '', '\ud800', `${long}x`];
    for (const id of ids) expect(set.add(4, id, true)).toBe(true);
    for (const id of ids) expect(set.add(4, id, true)).toBe(false);
    const back: unknown[] = [];
    for (let s = 0; s < set.capacity; s++) if (set.cust[s] !== -1) back.push(set.orderAt(s));
    expect(new Set(back)).toEqual(new Set(ids));
  });

  it('tells a numeric order id from text, and keeps entries exact past many growths', () => {
    const set = new OrderSet();
    expect(set.add(0, 7, false)).toBe(true);
    expect(set.add(0, '7x', false)).toBe(true);
    expect(set.add(0, 7, true)).toBe(true);
    expect(set.add(0, 7, false)).toBe(false);
    expect(set.add(0, -0, false)).toBe(true);
    expect(set.add(0, 0, false)).toBe(false);
    expect(set.add(0, 2 ** 53 - 1, false)).toBe(true);
    expect(set.add(0, 2 ** 53 - 1 - 2 ** 32, false)).toBe(true);
    for (let c = 0; c < 3000; c++) for (let o = 0; o < 20; o++) set.add(c, o % 2 === 0 ? c * 100 + o : `t${o}`, o % 3 === 0);
    for (let c = 0; c < 3000; c++) for (let o = 0; o < 20; o++) expect(set.add(c, o % 2 === 0 ? c * 100 + o : `t${o}`, o % 3 === 0)).toBe(false);
    const orders = new Float64Array(3000);
    const returns = new Float64Array(3000);
    set.countInto(orders, returns);
    // Customer 0 holds 7, '7x', 0, 2^53-1 and 2^53-1-2^32 on the purchase side and 7 on the return side besides.
    expect([orders[0], returns[0]]).toEqual([13 + 5, 7 + 1]);
    expect([orders[2999], returns[2999]]).toEqual([13, 7]);
  });
});
