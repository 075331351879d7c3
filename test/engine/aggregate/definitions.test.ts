import { describe, expect, it } from 'vitest';
import { aggregate, customer } from '../../helpers/rows.js';

const DAY = 86_400_000;
const ms = (iso: string) => Date.parse(iso);

// as_of = end of 2026-03-31 UTC; day(as_of) = D. 2026-01-01 is D-89, 2025-12-31 is D-90.
const AS_OF = '2026-03-31';

describe('per-customer fields (DESIGN "Definitions") on hand-computed cases', () => {
  const rows = [
    { customer_id: 'a', ts: '2026-03-31T10:00:00Z', amount: 100, margin: 30 },
    { customer_id: 'a', ts: '2026-03-31T20:00:00Z', amount: 50, margin: 15 },
    { customer_id: 'a', ts: '2026-01-01', amount: 30, margin: 9 },
    { customer_id: 'a', ts: '2025-12-31T12:00:00Z', amount: 7, margin: 2 },
    { customer_id: 'a', ts: '2026-03-15T08:00:00Z', amount: -20, margin: -6 },
    { customer_id: 'a', ts: '2025-03-31T00:00:00Z', amount: 1000 },
    { customer_id: 'r', ts: '2026-02-01', amount: -10 },
    { customer_id: 'z', ts: '2026-02-01', amount: 0 },
    { customer_id: 'f', ts: '2026-04-01T00:00:00Z', amount: 99 },
  ];
  const { agg, table } = aggregate(rows, AS_OF);
  const a = customer(table, 'a');

  it('counts orders as rows with amount >= 0 and purchase days as distinct UTC days', () => {
    expect(a['orders']).toBe(5);
    // 2026-03-31 (twice), 2026-01-01, 2025-12-31, 2025-03-31
    expect(a['purchase_days']).toBe(4);
  });

  it('sums revenue net of returns and counts returns with their amount as a positive number', () => {
    expect(a['revenue']).toBe(100 + 50 + 30 + 7 - 20 + 1000);
    expect(a['returns']).toBe(1);
    expect(a['returned_amount']).toBe(20);
    expect(a['margin']).toBe(30 + 15 + 9 + 2 - 6);
  });

  it('sums the 90- and 365-day windows on day(ts) > day(as_of) - w', () => {
    // 2025-12-31 is exactly D-90: outside the 90-day window, inside the 365-day one.
    expect(a['revenue_90d']).toBe(100 + 50 + 30 - 20);
    // 2025-03-31 is D-365: outside the 365-day window.
    expect(a['revenue_365d']).toBe(100 + 50 + 30 + 7 - 20);
  });

  it('derives first and last purchase, recency, tenure, aov and weekly spend', () => {
    expect(a['first_purchase_at']).toBe(ms('2025-03-31T00:00:00Z'));
    expect(a['last_purchase_at']).toBe(ms('2026-03-31T20:00:00Z'));
    expect(a['recency_days']).toBe(0);
    expect(a['tenure_days']).toBe(365);
    expect(a['aov']).toBeCloseTo(1167 / 5, 12);
    // ceil((365 + 1) / 7) = 53 weeks
    expect(a['weekly_spend']).toBeCloseTo(1167 / 53, 12);
  });

  it('gives a returns-only customer null purchase fields and negative revenue', () => {
    const r = customer(table, 'r');
    expect(r).toMatchObject({ orders: 0, purchase_days: 0, revenue: -10, returns: 1, returned_amount: 10, revenue_90d: -10 });
    for (const f of ['first_purchase_at', 'last_purchase_at', 'recency_days', 'tenure_days', 'aov', 'weekly_spend']) expect(r[f]).toBeNull();
  });

  it('counts a zero-amount row as a (free) order: only returns leave a customer without orders', () => {
    expect(customer(table, 'z')).toMatchObject({ orders: 1, returns: 0, revenue: 0, returned_amount: 0, purchase_days: 1, aov: 0, recency_days: 58 });
    const { table: t } = aggregate(
      [
        { customer_id: 'q', ts: '2026-03-01T10:00:00Z', amount: -5 },
        { customer_id: 'q', ts: '2026-03-02T10:00:00Z', amount: -5 },
        { customer_id: 'q', ts: '2026-03-02T11:00:00Z', amount: 0 },
        { customer_id: 'q', ts: '2026-03-03T10:00:00Z', amount: 12 },
      ],
      AS_OF,
    );
    // Return days are no purchase days; the free order makes 2026-03-02 one.
    expect(customer(t, 'q')).toMatchObject({ orders: 2, returns: 2, purchase_days: 2, revenue: 2, first_purchase_at: ms('2026-03-02T11:00:00Z') });
  });

  it('counts rows after as_of as future rows and leaves them out entirely', () => {
    expect(agg.futureRows).toBe(1);
    expect(table.customerId).not.toContain('f');
    expect(table.asOfMs).toBe(ms('2026-04-01T00:00:00Z') - 1);
  });

  it('has a null margin when no row carries the column', () => {
    const { table: t } = aggregate([{ customer_id: 1, ts: '2026-01-01', amount: 5 }], AS_OF);
    expect(customer(t, '1')['margin']).toBeNull();
  });
});

describe('as_of and time zones', () => {
  it('defaults as_of to the end of the UTC day of the latest transaction', () => {
    const { table, agg } = aggregate([
      { customer_id: 1, ts: '2026-01-01T05:00:00Z', amount: 5 },
      { customer_id: 2, ts: '2026-02-10T23:59:59.999Z', amount: 5 },
    ]);
    expect(table.asOfMs).toBe(ms('2026-02-11T00:00:00Z') - 1);
    expect(agg.futureRows).toBe(0);
    expect(customer(table, '1')['recency_days']).toBe(40);
  });

  it('honours offsets that move a purchase across midnight UTC', () => {
    const { table, agg } = aggregate(
      [
        // 2026-03-31T22:30Z: on day D, included.
        { customer_id: 'x', ts: '2026-04-01T00:30:00+02:00', amount: 10 },
        // 2026-04-01T01:30Z: after as_of, a future row.
        { customer_id: 'x', ts: '2026-03-31T23:30:00-02:00', amount: 10 },
        // 2026-03-30T23:00Z: the day before D although the local date says the 31st.
        { customer_id: 'x', ts: '2026-03-31T01:00:00+02:00', amount: 10 },
      ],
      AS_OF,
    );
    const x = customer(table, 'x');
    expect(agg.futureRows).toBe(1);
    expect(x['orders']).toBe(2);
    expect(x['purchase_days']).toBe(2);
    expect(x['last_purchase_at']).toBe(ms('2026-03-31T22:30:00Z'));
    expect(x['first_purchase_at']).toBe(ms('2026-03-30T23:00:00Z'));
    expect(x['tenure_days']).toBe(1);
  });

  it('reads epoch milliseconds and treats a date-time without offset as UTC', () => {
    const { table } = aggregate(
      [
        { customer_id: 'e', ts: ms('2026-03-01T12:00:00Z'), amount: 1 },
        { customer_id: 'e', ts: '2026-03-02 12:00:00', amount: 1 },
      ],
      AS_OF,
    );
    expect(customer(table, 'e')['first_purchase_at']).toBe(ms('2026-03-01T12:00:00Z'));
    expect(customer(table, 'e')['last_purchase_at']).toBe(ms('2026-03-02T12:00:00Z'));
    expect(customer(table, 'e')['recency_days']).toBe(29);
  });

  it('treats a bare --as-of date as the end of that UTC day', () => {
    const { table } = aggregate([{ customer_id: 1, ts: '2026-03-31T23:59:59.999Z', amount: 1 }], AS_OF);
    expect(table.asOfMs % DAY).toBe(DAY - 1);
    expect(customer(table, '1')['orders']).toBe(1);
  });
});

describe('customer ids', () => {
  it('makes an integer and its canonical decimal text one customer, and keeps other text as it is', () => {
    const { table } = aggregate(
      [
        { customer_id: 42, ts: '2026-01-01', amount: 1 },
        { customer_id: '42', ts: '2026-01-02', amount: 2 },
        { customer_id: '042', ts: '2026-01-03', amount: 4 },
        { customer_id: ' 42', ts: '2026-01-03', amount: 8 },
        { customer_id: 'ABC', ts: '2026-01-03', amount: 16 },
      ],
      AS_OF,
    );
    expect([...table.customerId].sort()).toEqual([' 42', '042', '42', 'ABC']);
    expect(customer(table, '42')['revenue']).toBe(3);
    expect(customer(table, '042')['revenue']).toBe(4);
  });
});
