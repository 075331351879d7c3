import fc from 'fast-check';
import { expect, it } from 'vitest';
import { quantileThresholds } from '../../../engine/score/quantile-thresholds.js';
import { scoreColumn, scoreColumnJs } from '../../../engine/score/score-column.js';
import { itNative } from '../kernels/kernel-sets.js';

// Scores by thresholds: the addon's branch-free count against the TypeScript binary search, on
// the same doubles (ties, NaN, -0, infinities, customers without orders), for R's negated values too.
const value = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: -50, max: 50 }).map((v) => v / 4) },
  { weight: 1, arbitrary: fc.constantFrom(Number.NaN, -0, 0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e300) },
);

itNative('gives the scores of the TypeScript reference, into bytes and into 16-bit bands', () => {
  expect(scoreColumn('native')).not.toBe(scoreColumnJs);
  fc.assert(
    fc.property(fc.array(fc.tuple(value, fc.constantFrom(0, 1, 2, 0.5, Number.NaN)), { maxLength: 300 }), fc.integer({ min: 2, max: 12 }), fc.constantFrom(1, -1) as fc.Arbitrary<1 | -1>, (rows, k, sign) => {
      const values = Float64Array.from(rows, (r) => r[0]);
      const orders = Float64Array.from(rows, (r) => r[1]);
      const t = quantileThresholds(Float64Array.from(values, (v) => sign * v), k);
      for (const make of [(n: number) => new Uint8Array(n), (n: number) => new Uint16Array(n)]) {
        const [want, got] = [make(rows.length), make(rows.length)];
        scoreColumnJs(values, sign, orders, t, want);
        scoreColumn('native')(values, sign, orders, t, got);
        expect(got).toEqual(want);
      }
    }),
    { numRuns: 300 },
  );
});

it('leaves the customers without an order at 0 and scores ties alike', () => {
  const out = new Uint8Array(5);
  scoreColumnJs(Float64Array.of(5, 10, 11, 10, 40), 1, Float64Array.of(1, 1, 1, 1, 0), Float64Array.of(5, 10, 20), out);
  expect([...out]).toEqual([1, 2, 3, 2, 0]);
});
