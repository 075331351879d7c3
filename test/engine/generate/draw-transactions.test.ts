import { describe, expect, it } from 'vitest';
import { createTransactionChunk, TransactionDrawer, type DrawParams } from '../../../engine/generate/index.js';

const END_MS = Date.parse('2026-06-30T23:59:59.999Z');

interface Drawn {
  id: Int32Array;
  ts: Float64Array;
  amount: Float64Array;
  margin: Float64Array;
}

/** Draws everything through a small chunk, so customers straddle chunk boundaries. */
function drawAll(params: Omit<DrawParams, 'endMs'>, chunkRows = 1_000): Drawn {
  const drawer = new TransactionDrawer({ ...params, endMs: END_MS });
  const chunk = createTransactionChunk(chunkRows);
  const n = params.transactions;
  const all: Drawn = { id: new Int32Array(n), ts: new Float64Array(n), amount: new Float64Array(n), margin: new Float64Array(n) };
  let at = 0;
  for (let got = drawer.fill(chunk); got > 0; got = drawer.fill(chunk)) {
    all.id.set(chunk.customerId.subarray(0, got), at);
    all.ts.set(chunk.ts.subarray(0, got), at);
    all.amount.set(chunk.amount.subarray(0, got), at);
    all.margin.set(chunk.margin.subarray(0, got), at);
    at += got;
  }
  expect(at).toBe(n);
  return all;
}

function rowsPerCustomer(drawn: Drawn, customers: number, positiveOnly = false): Int32Array {
  const counts = new Int32Array(customers + 1);
  drawn.id.forEach((id, i) => {
    if (!positiveOnly || (drawn.amount[i] ?? 0) > 0) counts[id]! += 1;
  });
  return counts.subarray(1);
}

describe('TransactionDrawer', () => {
  const base = drawAll({ customers: 10_000, transactions: 100_000, seed: 42 });

  it('gives every customer at least one row and uses exactly the ids 1..customers', () => {
    const counts = rowsPerCustomer(base, 10_000);
    expect(Math.min(...counts)).toBeGreaterThanOrEqual(1);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(100_000);
  });

  it('does not write ids in row order', () => {
    const firstIds = Array.from(new Set(base.id)).slice(0, 100);
    expect(firstIds).not.toEqual([...firstIds].sort((a, b) => a - b));
  });

  it('makes about 3% of rows returns', () => {
    const returns = base.amount.filter((a) => a < 0).length / base.amount.length;
    expect(returns).toBeGreaterThan(0.015);
    expect(returns).toBeLessThan(0.05);
  });

  it('skews purchases: the top 10% of customers hold over 30% of rows, over 40% bought once', () => {
    const counts = Array.from(rowsPerCustomer(base, 10_000)).sort((a, b) => b - a);
    const top = counts.slice(0, 1_000).reduce((a, b) => a + b, 0);
    expect(top / 100_000).toBeGreaterThan(0.3);
    const once = rowsPerCustomer(base, 10_000, true).filter((c) => c === 1).length;
    expect(once / 10_000).toBeGreaterThan(0.4);
  });

  it('dates every return after a purchase of the same customer, within the two-year window', () => {
    const firstPurchase = new Map<number, number>();
    let outside = 0;
    let early = 0;
    base.id.forEach((id, i) => {
      const amount = base.amount[i] ?? 0;
      const ts = base.ts[i] ?? 0;
      if (ts > END_MS || ts <= END_MS - 731 * 86_400_000) outside++;
      if (amount > 0 && !firstPurchase.has(id)) firstPurchase.set(id, ts);
      if (amount < 0 && !(ts > (firstPurchase.get(id) ?? Infinity))) early++;
    });
    expect({ outside, early }).toEqual({ outside: 0, early: 0 });
  });

  it('draws lognormal amounts in whole cents with a median near 40 and margins of 15-45%', () => {
    const purchases = Array.from(base.amount.filter((a) => a > 0)).sort((a, b) => a - b);
    const median = purchases[purchases.length >> 1] ?? 0;
    expect(median).toBeGreaterThan(32);
    expect(median).toBeLessThan(50);
    const bad = { fractionalCents: 0, marginOutOfRange: 0, marginSign: 0, negativeZero: 0 };
    base.amount.forEach((amount, i) => {
      const margin = base.margin[i] ?? 0;
      if (Math.round(amount * 100) / 100 !== amount) bad.fractionalCents++;
      const rate = Math.abs(margin) / Math.abs(amount);
      // Half a cent of rounding either way on the margin.
      if (rate < 0.15 - 0.005 / Math.abs(amount) || rate > 0.45 + 0.005 / Math.abs(amount)) bad.marginOutOfRange++;
      if (margin !== 0 && Math.sign(margin) !== Math.sign(amount)) bad.marginSign++;
      if (Object.is(margin, -0) || Object.is(amount, -0)) bad.negativeZero++;
    });
    expect(bad).toEqual({ fractionalCents: 0, marginOutOfRange: 0, marginSign: 0, negativeZero: 0 });
  });

  it('draws the same rows whatever the chunk size', () => {
    const params = { customers: 300, transactions: 5_000, seed: 9 };
    expect(drawAll(params, 7)).toEqual(drawAll(params, 4_096));
  });

  it.each([
    { customers: 1, transactions: 1 },
    { customers: 1, transactions: 50_000 },
    { customers: 5_000, transactions: 5_000 },
    { customers: 3, transactions: 4 },
    { customers: 40_000, transactions: 40_001 },
  ])('allocates exactly $transactions rows to $customers customers', (params) => {
    const drawn = drawAll({ ...params, seed: 3 });
    const counts = rowsPerCustomer(drawn, params.customers);
    expect(Math.min(...counts)).toBeGreaterThanOrEqual(1);
    // A customer's first row is a purchase, so with one row each there is no return.
    if (params.customers === params.transactions) expect(drawn.amount.every((a) => a > 0)).toBe(true);
  });
});
