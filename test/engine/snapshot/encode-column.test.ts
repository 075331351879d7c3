import fc from 'fast-check';
import { expect, it } from 'vitest';
import { ENCODE_INTEGER, ENCODE_NUMBER, ENCODE_TIMESTAMP, type EncodeKind, encodeColumn, encodeColumnJs } from '../../../engine/snapshot/encode-column.js';
import { itNative } from '../kernels/kernel-sets.js';

// A Float64 column's Arrow buffers: the addon's one pass against the TypeScript loops, byte for
// byte (nulls, -0, fractions, values past int32 and past the Date range).
const value = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: -3_000_000_000, max: 3_000_000_000 }) },
  { weight: 3, arbitrary: fc.double({ noNaN: false }) },
  { weight: 2, arbitrary: fc.integer({ min: -8_640_000_000_000_001, max: 8_640_000_000_000_001 }).map(Number) },
  { weight: 1, arbitrary: fc.constantFrom(Number.NaN, -0, 0.5, -2.5, 8.64e15, -8.64e15, 8.64e15 - 1, Number.POSITIVE_INFINITY) },
);

function encode(f: typeof encodeColumnJs, kind: EncodeKind, values: Float64Array): { data: Uint8Array; bitmap: Uint8Array; nulls: number } {
  const data = new Uint8Array(values.length * (kind === ENCODE_TIMESTAMP ? 8 : kind === ENCODE_INTEGER ? 4 : 0));
  const bitmap = new Uint8Array((values.length + 7) >> 3);
  return { data, bitmap, nulls: f(kind, values, data, bitmap) };
}

itNative('writes the bytes of the TypeScript reference for numbers, integers and timestamps', () => {
  expect(encodeColumn('native')).not.toBe(encodeColumnJs);
  fc.assert(
    fc.property(fc.array(value, { maxLength: 200 }), fc.constantFrom(ENCODE_NUMBER, ENCODE_INTEGER, ENCODE_TIMESTAMP) as fc.Arbitrary<EncodeKind>, (values, kind) => {
      const column = Float64Array.from(values);
      expect(encode(encodeColumn('native'), kind, column)).toEqual(encode(encodeColumnJs, kind, column));
    }),
    { numRuns: 500 },
  );
});

it('marks NaN null, writes v | 0 for integers and nulls an instant outside the Date range', () => {
  const ints = encode(encodeColumnJs, ENCODE_INTEGER, Float64Array.of(1, Number.NaN, -2.7, 2 ** 32 + 5));
  expect([ints.nulls, [...ints.bitmap], [...new Int32Array(ints.data.buffer)]]).toEqual([1, [0b1101], [1, 0, -2, 5]]);
  const ts = encode(encodeColumnJs, ENCODE_TIMESTAMP, Float64Array.of(-86_400_000, 8.64e15, 1.5));
  expect([ts.nulls, [...ts.bitmap], [...new BigInt64Array(ts.data.buffer)]]).toEqual([2, [0b1], [-86_400_000n, 0n, 0n]]);
});
