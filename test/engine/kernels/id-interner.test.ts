import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IdIndex } from '../../../engine/aggregate/id-index.js';
import { jsKernels } from '../../../engine/kernels/js-kernels.js';
import { BAD_ID, type IdInterner, JUDGE_ONLY, MISSING_ID, UNSEEN_ENTRY } from '../../../engine/kernels/kernels.js';
import { customerKeyFromText } from '../../../engine/parse/parse-values.js';
import { expectSameBytes, kernelSets, parity } from './kernel-sets.js';
import { utf8Column } from './utf8-column.js';

const TEXTS = ['42', '-7', '0', '042', '-0', '+1', ' 1', '', 'é', 'a b', 'x', '9007199254740991', '9007199254740992', '-9007199254740991', '12345678901234567', '7',
  // DESIGN "Data in": missing-value tokens and blanks are no id, an integral decimal is the integer, 1,025 bytes is too long.
  'NA', ' n/a ', 'NULL', 'None', 'nan', 'NaN', 'nA\t', '  ', '\u3000', '\u00a0x', 'NAN0', 'N/A/', '13085.0', '42.00', '-0.0', '042.0', '1.', '1.5', '-7.0', '😀', 'x'.repeat(1025), 'é'.repeat(512), 'é'.repeat(513)];
const NUMBERS = [42, -7, 0, -0, 7, 1.5, Number.NaN, Infinity, 2 ** 53, 2 ** 53 - 1, -(2 ** 53 - 1), 1e20];
const BIGS = [42n, -7n, 0n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n, -(2n ** 63n), 2n ** 63n - 1n, 7n];

/** The mask a row enters a masked intern with: number it, judge it only, or leave it. */
const mask = fc.constantFrom(0, 0, 0, JUDGE_ONLY, MISSING_ID);

/** One call on an interner: a column of one of the kinds, with a mask per row. */
const column = fc.oneof(
  fc.array(fc.constantFrom(...TEXTS), { maxLength: 30 }).map((v) => ({ kind: 'utf8' as const, v })),
  fc.array(fc.constantFrom(...TEXTS), { maxLength: 30 }).map((v) => ({ kind: 'dict' as const, v })),
  fc.array(fc.constantFrom(...NUMBERS), { maxLength: 30 }).map((v) => ({ kind: 'f64' as const, v })),
  fc.array(fc.integer({ min: -20, max: 50 }), { maxLength: 30 }).map((v) => ({ kind: 'i32' as const, v })),
  fc.array(fc.constantFrom(...BIGS), { maxLength: 30 }).map((v) => ({ kind: 'i64' as const, v })),
);
type Column = typeof column extends fc.Arbitrary<infer T> ? T : never;

function feed(t: IdInterner, cols: readonly (readonly [Column, number[]])[]): Int32Array[] {
  return cols.map(([c, masks]) => {
    const out = Int32Array.from({ length: c.v.length }, (_, i) => masks[i % masks.length] ?? 0);
    if (c.kind === 'utf8') {
      const { bytes, offsets } = utf8Column(c.v);
      t.internUtf8(bytes, offsets, out);
    } else if (c.kind === 'dict') {
      // The dictionary is TEXTS itself; rows pick entries, some of them many times.
      const { bytes, offsets } = utf8Column(TEXTS);
      const mapping = new Int32Array(TEXTS.length).fill(UNSEEN_ENTRY);
      t.internDict(bytes, offsets, Int32Array.from(c.v, (v) => TEXTS.indexOf(v)), mapping, out);
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
    expect([...out]).toEqual([0, 1, 2, MISSING_ID, 3, 4]);
    const ids = new Int32Array(3);
    t.internIds(Float64Array.of(7, 42, 0.5), ids);
    expect([...ids]).toEqual([3, 0, BAD_ID]);
    t.internIds(BigInt64Array.of(9007199254740993n), ids.subarray(0, 1));
    expect(ids[0]).toBe(4);
    const index = new IdIndex();
    for (const s of ['42', '042', 'ab', '7', '9007199254740993']) index.intern(customerKeyFromText(s)!);
    expect(t.keys()).toEqual(index.keys);
  });

  test('judges every text as customerKeyFromText does: missing tokens, blanks, integral decimals, 1,024 bytes', () => {
    const t = kernels!.createInterner();
    const out = new Int32Array(TEXTS.length);
    const { bytes, offsets } = utf8Column(TEXTS);
    t.internUtf8(bytes, offsets, out);
    const keys = t.keys();
    TEXTS.forEach((text, i) => {
      const want = customerKeyFromText(text);
      const got = out[i]! >= 0 ? keys[out[i]!] : out[i] === MISSING_ID ? undefined : out[i] === BAD_ID ? null : 'other';
      expect([text.slice(0, 20), got]).toEqual([text.slice(0, 20), want]);
    });
  });

  test('numbers dictionary entries in the order rows first need them, once each, and judges future rows without numbering them', () => {
    const t = kernels!.createInterner();
    const { bytes, offsets } = utf8Column(['C1', 'C2', 'NA', '7', 'C3']);
    const mapping = new Int32Array(5).fill(UNSEEN_ENTRY);
    const out = Int32Array.of(0, 0, 0, 0, JUDGE_ONLY, 0, MISSING_ID, 0);
    t.internDict(bytes, offsets, Int32Array.of(1, 0, 1, 2, 4, 3, 0, 9), mapping, out);
    expect([...out]).toEqual([0, 1, 0, MISSING_ID, JUDGE_ONLY, 2, MISSING_ID, BAD_ID]);
    expect(t.keys()).toEqual(['C2', 'C1', 7]);
    expect([...mapping]).toEqual([1, 0, MISSING_ID, 2, UNSEEN_ENTRY]);
    // A later batch of the same dictionary maps through the slots.
    const again = new Int32Array(2);
    t.internDict(bytes, offsets, Int32Array.of(4, 1), mapping, again);
    expect([...again]).toEqual([3, 0]);
  });

  test('interns parsed keys (numbers and text) as the same customers as their columns', () => {
    const t = kernels!.createInterner();
    const out = new Int32Array(4);
    t.internKeys([42, 'C1', 9007199254740993n.toString(), 7], out);
    const cols = new Int32Array(3);
    const { bytes, offsets } = utf8Column(['42.0', 'C1', '9007199254740993']);
    t.internUtf8(bytes, offsets, cols);
    expect([...cols]).toEqual([0, 1, 2]);
    expect(t.size).toBe(4);
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
      fc.property(fc.array(fc.tuple(column, fc.array(mask, { minLength: 1, maxLength: 5 })), { maxLength: 8 }), (cols) => {
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
