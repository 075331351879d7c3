import { describe, expect, it } from 'vitest';
import { bgnbdExpectedPurchases } from '../../../engine/model/bgnbd.js';
import { clv, clvOne, clvSchedule } from '../../../engine/model/clv.js';

// The published CDNOW fit, converted to days (alpha × 7).
const DAILY = { r: 0.2426, alpha: 4.4135 * 7, a: 0.7929, b: 2.4258 };

describe('clv', () => {
  it("equals lifetimes' customer_lifetime_value over 12 monthly steps at the equivalent monthly rate", () => {
    // Reference: lifetimes' _customer_lifetime_value(time=12, freq="D",
    // discount_rate=1.1^(30/365) − 1) with scipy's hyp2f1, monetary value 24.65.
    const schedule = clvSchedule({ horizonDays: 360, annualDiscountRate: 0.1 });
    const cases: [number, number, number, number][] = [
      [2, 213, 272, 36.31746702469658],
      [0, 0, 272, 5.853537710975053],
      [0, 0, 0, 33.87393137448988],
      [5, 100, 101, 183.40700746861802],
    ];
    for (const [x, tx, T, want] of cases) expect(clvOne(DAILY, x, tx, T, 24.65, schedule) / want).toBeCloseTo(1, 10);
  });

  it('ends the last step at the horizon: 365 days are 12 steps of 30 and one of 5', () => {
    const { ends, discounts } = clvSchedule({ horizonDays: 365, annualDiscountRate: 0.1 });
    expect(Array.from(ends)).toEqual([30, 60, 90, 120, 150, 180, 210, 240, 270, 300, 330, 360, 365]);
    expect(discounts[12]).toBeCloseTo(1 / 1.1, 14);
  });

  it('is the order value times the expected purchases when nothing is discounted', () => {
    const schedule = clvSchedule({ horizonDays: 365, annualDiscountRate: 0 });
    const value = clvOne(DAILY, 3, 150, 200, 10, schedule);
    expect(value).toBeCloseTo(10 * bgnbdExpectedPurchases(DAILY, 365, 3, 150, 200), 10);
  });

  it('computes a vector of customers like the scalar function and keeps NaN order values as NaN', () => {
    const x = Float64Array.of(0, 2, 7);
    const tx = Float64Array.of(0, 40, 300);
    const T = Float64Array.of(10, 90, 320);
    const aov = Float64Array.of(20, Number.NaN, 55);
    const out = new Float64Array(3);
    const opts = { horizonDays: 365, annualDiscountRate: 0.1 };
    clv(DAILY, x, tx, T, aov, opts, out);
    const schedule = clvSchedule(opts);
    expect(out[0]).toBe(clvOne(DAILY, 0, 0, 10, 20, schedule));
    expect(out[1]).toBeNaN();
    expect(out[2]).toBe(clvOne(DAILY, 7, 300, 320, 55, schedule));
    expect(out[0]).toBeGreaterThan(0);
  });
});
