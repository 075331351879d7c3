import { describe, expect, it } from 'vitest';
import { digamma, digammaDifference, gammaln, gammalnRatio, hyp2f1 } from '../../../engine/model/special-functions.js';

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

describe('gammalnRatio and digammaDifference', () => {
  it('match mpmath where the difference of two log-gammas keeps few digits or none', () => {
    // [z, q, ln Γ(z+q) − ln Γ(z), ψ(z+q) − ψ(z)] from mpmath at 50 digits, rounded to doubles.
    const cases: [number, number, number, number][] = [
      [10000, 0.5, 4.605157685988097, 0.000050001249999998436],
      [10000, 36, 331.63517897316154, 0.0035937148704223575],
      [12345.678, 0.5, 4.710520535645088, 0.0000405008234461341],
      [12345.678, 36, 339.209188728616, 0.0029118747151753457],
      [1000000, 0.5, 6.907755153982137, 5.00000125e-7],
      [1000000, 36, 497.359010079259, 0.0000359993700149096],
      [1000000000000, 0.5, 13.81551055796415, 5.00000000000125e-13],
      [1000000000000, 36, 994.7167601740578, 3.599999999937e-11],
      [5000000000000000, 0.5, 18.074107153672394, 1.0000000000000001e-16],
      [5000000000000000, 36, 1301.3357150644124, 7.199999999999975e-15],
    ];
    for (const [z, q, lg, psi] of cases) {
      expect(Math.abs(gammalnRatio(z, q) / lg - 1), `ln Γ ratio at ${z}, ${q}`).toBeLessThan(1e-15);
      expect(Math.abs(digammaDifference(z, q) / psi - 1), `ψ difference at ${z}, ${q}`).toBeLessThan(1e-15);
    }
    // The plain difference at 10¹² keeps four digits at most: what the series replaces.
    expect(Math.abs(gammaln(1e12 + 0.5) - gammaln(1e12) - 13.81551055796415)).toBeGreaterThan(1e-6);
  });

  it('are the difference of the stdlib values below STIRLING_FROM, to the bit', () => {
    for (const z of [0.3, 1, 7.5, 180, 9999.99]) {
      for (const q of [0.25, 3.7446, 40]) {
        expect(gammalnRatio(z, q)).toBe(gammaln(z + q) - gammaln(z));
        expect(digammaDifference(z, q)).toBe(digamma(z + q) - digamma(z));
      }
    }
  });
});
