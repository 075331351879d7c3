import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsKernels } from '../../../engine/kernels/js-kernels.js';
import { expectSameBytes, kernelSets, parity } from './kernel-sets.js';

/** The definition itself: sort ascending (Float64Array order: -0 before 0, NaN last), take v[floor(i*n/k)]. */
function byDefinition(values: Float64Array, k: number): Float64Array {
  const v = Float64Array.from(values).sort();
  return v.length === 0 ? new Float64Array(0) : Float64Array.from({ length: k - 1 }, (_, i) => v[Math.floor(((i + 1) * v.length) / k)]!);
}

const value = fc.oneof(fc.double(), fc.integer({ min: -3, max: 3 }), fc.constantFrom(0, -0, Number.NaN));

describe.each(kernelSets)('quantileThresholds, $name kernels', ({ kernels }) => {
  const test = kernels ? it : it.skip;

  test('follows t_i = v[floor(i*n/k)] on a known list', () => {
    expect([...kernels!.quantileThresholds(Float64Array.of(5, 3, 1, 4, 2, 0, -0, 9), 5)]).toEqual([0, 2, 3, 5]);
    expect(kernels!.quantileThresholds(new Float64Array(0), 5).length).toBe(0);
    expect(kernels!.quantileThresholds(Float64Array.of(1, 2), 1).length).toBe(0);
  });

  test('picks what sorting and indexing pick, with ties, -0 and NaN, and leaves the input unchanged', () => {
    fc.assert(
      fc.property(fc.array(value, { maxLength: 200 }), fc.integer({ min: 1, max: 12 }), (vs, k) => {
        const values = Float64Array.from(vs);
        const before = Float64Array.from(values);
        expectSameBytes(kernels!.quantileThresholds(values, k), byDefinition(values, k), 'thresholds');
        expectSameBytes(values, before, 'input left unchanged');
      }),
      { numRuns: 300 },
    );
  });
});

parity('quantileThresholds', (native) => {
  it('picks the same thresholds, bit for bit, on random values with ties, -0 and NaN', () => {
    fc.assert(
      fc.property(fc.array(value, { maxLength: 200 }), fc.integer({ min: 1, max: 12 }), (vs, k) => {
        const values = Float64Array.from(vs);
        expectSameBytes(native.quantileThresholds(values, k), jsKernels.quantileThresholds(values, k), 'thresholds');
      }),
      { numRuns: 500 },
    );
  });

  it('agrees on 1M values', () => {
    let seed = 7;
    const values = Float64Array.from({ length: 1_000_000 }, () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed % 5000) / 7;
    });
    expectSameBytes(native.quantileThresholds(values, 10), jsKernels.quantileThresholds(values, 10));
  });
});
