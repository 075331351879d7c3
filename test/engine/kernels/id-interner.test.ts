import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IdIndex } from '../../../engine/aggregate/id-index.js';
import { jsKernels } from '../../../engine/kernels/js-kernels.js';
import type { IdInterner } from '../../../engine/kernels/kernels.js';
import { customerKeyFromText } from '../../../engine/parse/parse-values.js';
import { expectSameBytes, kernelSets, parity } from './kernel-sets.js';
import { utf8Column } from './utf8-column.js';

const TEXTS = ['42', '-7', '0', '042', '-0', '+1', ' 1', '', 'é', 'a b', 'x', '9007199254740991', '9007199254740992', '-9007199254740991', '12345678901234567', '7'];
const NUMBERS = [42, -7, 0, -0, 7, 1.5, Number.NaN, Infinity, 2 ** 53, 2 ** 53 - 1, -(2 ** 53 - 1), 1e20];
const BIGS = [42n, -7n, 0n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n, -(2n ** 63n), 2n ** 63n - 1n, 7n];

/** One call on an interner: a column of one of the three kinds. */
const column = fc.oneof(
  fc.array(fc.constantFrom(...TEXTS), { maxLength: 30 }).map((v) => ({ kind: 'utf8' as const, v })),
  fc.array(fc.constantFrom(...NUMBERS), { maxLength: 30 }).map((v) => ({ kind: 'f64' as const, v })),
  fc.array(fc.integer({ min: -20, max: 50 }), { maxLength: 30 }).map((v) => ({ kind: 'i32' as const, v })),
  fc.array(fc.constantFrom(...BIGS), { maxLength: 30 }).map((v) => ({ kind: 'i64' as const, v })),
);
type Column = typeof column extends fc.Arbitrary<infer T> ? T : never;

function feed(t: IdInterner, cols: readonly Column[]): Int32Array[] {
  return cols.map((c) => {
    const out = new Int32Array(c.v.length);
    if (c.kind === 'utf8') {
      const { bytes, offsets } = utf8Column(c.v);
      t.internUtf8(bytes, offsets, out);
    } else if (c.kind === 'f64') t.internIds(Float64Array.from(c.v), out);
    else if (c.kind === 'i32') t.internIds(Int32Array.from(c.v), out);
    else t.internIds(BigInt64Array.from(c.v), out);
    return out;
  });
}

describe.each(kernelSets)('id interning, $name kernels', ({ kernels }) => {
  const test = kernels ? it : it.skip;

  test('meets integer and canonical text ids, and numbers like IdIndex over parsed keys', () => {
    const t = kernels!.createInterner();
    const out = new Int32Array(6);
    const { bytes, offsets } = utf8Column(['42', '042', 'ab', '', '7', '9007199254740993']);
    t.internUtf8(bytes, offsets, out);
    expect([...out]).toEqual([0, 1, 2, -1, 3, 4]);
    const ids = new Int32Array(3);
    t.internIds(Float64Array.of(7, 42, 0.5), ids);
    expect([...ids]).toEqual([3, 0, -1]);
    t.internIds(BigInt64Array.of(9007199254740993n), ids.subarray(0, 1));
    expect(ids[0]).toBe(4);
    const index = new IdIndex();
    for (const s of ['42', '042', 'ab', '7', '9007199254740993']) index.intern(customerKeyFromText(s)!);
    expect(t.keys()).toEqual(index.keys);
  });

  test('interns 200k distinct ids through table growth and finds them again', () => {
    const t = kernels!.createInterner();
    const ids = Float64Array.from({ length: 200_000 }, (_, i) => (i * 7919) % 1_000_003);
    const first = new Int32Array(ids.length);
    const again = new Int32Array(ids.length);
    t.internIds(ids, first);
    t.internIds(ids, again);
    expect(t.size).toBe(200_000);
    expectSameBytes(again, first);
    expect(first[199_999]).toBe(199_999);
  });
});

parity('id interning', (native) => {
  it('numbers ids exactly as the TypeScript twin, over mixed integer and text columns', () => {
    fc.assert(
      fc.property(fc.array(column, { maxLength: 8 }), (cols) => {
        const [got, want] = [native.createInterner(), jsKernels.createInterner()];
        const [a, b] = [feed(got, cols), feed(want, cols)];
        for (const [i, out] of a.entries()) expectSameBytes(out, b[i]!, `column ${i}`);
        expect(got.size).toBe(want.size);
        expect(got.keys()).toEqual(want.keys());
        expect(got.keys(1, 3)).toEqual(want.keys(1, 3));
      }),
      { numRuns: 300 },
    );
  });
});
