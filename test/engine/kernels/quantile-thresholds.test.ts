import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsKernels } from '../../../engine/kernels/js-kernels.js';
import { expectSameBytes, kernelSets } from './kernel-sets.js';

describe.each(kernelSets)('quantileThresholds, $name kernels', ({ kernels }) => {
  const test = kernels ? it : it.skip;

  test('picks the same thresholds as the TypeScript twin, with ties, -0 and NaN', () => {
    const value = fc.oneof(fc.double(), fc.integer({ min: -3, max: 3 }), fc.constantFrom(0, -0, Number.NaN));
    fc.assert(
      fc.property(fc.array(value, { maxLength: 200 }), fc.integer({ min: 1, max: 12 }), (vs, k) => {
        const values = Float64Array.from(vs);
        const before = Float64Array.from(values);
        expectSameBytes(kernels!.quantileThresholds(values, k), jsKernels.quantileThresholds(values, k), 'thresholds');
        expectSameBytes(values, before, 'input left unchanged');
      }),
      { numRuns: 500 },
    );
  });

  test('follows t_i = v[floor(i*n/k)] on a known list', () => {
    expect([...kernels!.quantileThresholds(Float64Array.of(5, 3, 1, 4, 2, 0, -0, 9), 5)]).toEqual([0, 2, 3, 5]);
    expect(kernels!.quantileThresholds(new Float64Array(0), 5).length).toBe(0);
    expect(kernels!.quantileThresholds(Float64Array.of(1, 2), 1).length).toBe(0);
  });

  test('agrees on 1M values', () => {
    let seed = 7;
    const values = Float64Array.from({ length: 1_000_000 }, () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed % 5000) / 7;
    });
    expectSameBytes(kernels!.quantileThresholds(values, 10), jsKernels.quantileThresholds(values, 10));
  });
});
