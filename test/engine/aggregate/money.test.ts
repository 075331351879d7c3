import { describe, expect, it } from 'vitest';
import { Aggregator } from '../../../engine/aggregate/aggregator.js';
import { combine } from '../../../engine/aggregate/finalize.js';
import { MONEY_SCALE, toUnits } from '../../../engine/aggregate/money.js';
import { txBatch } from '../../helpers/rows.js';

describe('exact money sums', () => {
  it('gives the same revenue whatever the order of the rows and however they are split', () => {
    const amounts = Array.from({ length: 2000 }, (_, i) => ((i * 7919) % 100_003) / 100 - 50.07);
    const rows = amounts.map((amount, i) => ({ customer_id: 1, ts: 1_700_000_000_000 + i * 3_600_000, amount, margin: amount / 3 }));
    const sumOf = (parts: (typeof rows)[]) => {
      const sinks = parts.map((part) => {
        const a = new Aggregator();
        a.add(txBatch(part));
        return a;
      });
      const t = combine(sinks, 1_800_000_000_000);
      return [t.fields.revenue[0], t.fields.margin[0], t.fields.revenue_365d[0], t.fields.returned_amount[0]];
    };
    const forward = sumOf([rows]);
    expect(sumOf([[...rows].reverse()])).toEqual(forward);
    expect(sumOf([rows.slice(0, 777), rows.slice(777, 1500), rows.slice(1500)])).toEqual(forward);
    // The exact decimal sum, which plain float addition misses in the last bits.
    const cents = amounts.reduce((s, a) => s + Math.round(a * 100), 0);
    expect(forward[0]).toBe(cents / 100);
    let naive = 0;
    for (const a of amounts) naive += a;
    expect(naive).not.toBe(cents / 100);
  });

  it('rounds half up to 4 decimals, the same way for negative amounts', () => {
    expect(toUnits(12.34)).toBe(123_400);
    expect(toUnits(0.00005)).toBe(1);
    expect(toUnits(-0.00005)).toBe(0);
    expect(toUnits(-2.5 / MONEY_SCALE)).toBe(-2);
    expect(toUnits(19.99)).toBe(199_900);
  });
});
