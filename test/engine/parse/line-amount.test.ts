import { describe, expect, it } from 'vitest';
import { lineAmount } from '../../../engine/parse/line-amount.js';

describe('lineAmount (quantity * price)', () => {
  it.each([
    [6, 2.55, 15.3], // 6 x 2.55: 1530 cents, where 6 * 2.55 in doubles is 15.299999999999999
    [3, 0.1, 0.3],
    [-12, 0.29, -3.48], // a cancellation line
    [0, 1.95, 0],
    [25, 0, 0],
    [0.333, 0.125, 0.0416], // 0.041625 -> 0.0416 (the dropped 25 is under half)
    [0.5, 0.00015, 0.0001], // 0.000075 -> 0.0001 (half away from zero)
    [-0.5, 0.00015, -0.0001],
    [1.5, 0.00005, 0.0001], // 0.000075
    [0.5, 0.0001, 0.0001], // 0.00005: exactly half, away from zero
    [-0.5, 0.0001, -0.0001],
    [80995, 2.08, 168469.6], // the largest line of the UCI export
    [1e5, 1e6, 1e11],
  ])('%d x %d = %d', (q, p, want) => {
    expect(lineAmount(q, p)).toBe(want);
  });

  it('reads a float32 price (a Parquet FLOAT column) as the decimal it stood for', () => {
    expect(lineAmount(6, Math.fround(2.55))).toBe(15.3); // 2.549999952316284 x 6 = 15.2999997..., to 0.0001
    expect(lineAmount(Math.fround(0.1), 3)).toBe(0.3);
  });

  it('is bad where the product is not money the sums carry exactly', () => {
    expect(lineAmount(1e6, 1e6)).toBeNaN(); // 1e12 > MAX_MONEY
    expect(lineAmount(123456789.123, 9999.9999)).toBeNaN();
    expect(lineAmount(0.1234567, 3)).toBe(0.3704); // 0.3703701: more decimals in than out is fine
  });
});
