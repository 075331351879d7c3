import { describe, expect, it } from 'vitest';
import { gammaln, hyp2f1 } from '../../../engine/model/special-functions.js';

describe('hyp2f1', () => {
  it('matches closed forms: -ln(1-z)/z, arcsin(√z)/√z, (1-z)^-a', () => {
    for (const z of [0.1, 0.5, 0.9, 0.99]) {
      expect(hyp2f1(1, 1, 2, z)).toBeCloseTo(-Math.log(1 - z) / z, 12);
      expect(hyp2f1(0.5, 0.5, 1.5, z)).toBeCloseTo(Math.asin(Math.sqrt(z)) / Math.sqrt(z), 12);
      expect(hyp2f1(2.5, 7, 7, z) / (1 - z) ** -2.5).toBeCloseTo(1, 12);
    }
  });

  it('matches mpmath reference values across the transformations', () => {
    // mpmath.hyp2f1 at 30 digits, rounded to the nearest double.
    const cases: [number, number, number, number, number][] = [
      [0.2426, 2.4258, 2.2187, 0.9, 1.9456694622144448],
      [2.2426, 4.4258, 4.2187, 0.45, 4.113172781035718],
      [-3, 2, 1.5, 0.7, -0.0752],
      [1.5, 2.5, 3.5, -0.8, 0.5204817897411397],
      [3, 4, 5, 0.99, 19634.999360690475],
      [20.2426, 22.4258, 22.2187, 0.6, 135759412.26199532],
      [1, 1, 2, -0.5, 0.8109302162163288],
    ];
    for (const [a, b, c, z, want] of cases) expect(hyp2f1(a, b, c, z) / want).toBeCloseTo(1, 12);
  });

  it('returns NaN outside -1 < z < 1 and at a non-positive integer c', () => {
    expect(hyp2f1(1, 1, 2, 1)).toBeNaN();
    expect(hyp2f1(1, 1, 2, -1.5)).toBeNaN();
    expect(hyp2f1(1, 1, -2, 0.5)).toBeNaN();
  });
});

describe('gammaln', () => {
  it('is ln Γ from stdlib', () => {
    expect(gammaln(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 14);
    expect(gammaln(10)).toBeCloseTo(Math.log(362880), 12);
  });
});
