import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hashBytes, hashKey } from '../../../engine/kernels/id-hash.js';
import { jsKernels } from '../../../engine/kernels/js-kernels.js';
import { expectSameBytes, kernelSets, parity } from './kernel-sets.js';
import { utf8Column } from './utf8-column.js';

describe('the shard hash', () => {
  it('is fmix32 over FNV-1a of the canonical id text (pinned values)', () => {
    expect(hashBytes(new TextEncoder().encode(''))).toBe(hashKey(''));
    expect(hashKey(42)).toBe(hashKey('42'));
    expect([hashKey(42), hashKey('042'), hashKey('é')]).toEqual([686566589, 1163317192, 2387039943]);
  });
});

describe.each(kernelSets)('hashing and partitioning, $name kernels', ({ kernels }) => {
  const test = kernels ? it : it.skip;

  test('hashes an integer id like its canonical decimal text, in every column type', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { maxLength: 50 }), fc.array(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), { maxLength: 20 }), (ints, bigs) => {
        const n = ints.length;
        const [f64, i32, text] = [new Uint32Array(n), new Uint32Array(n), new Uint32Array(n)];
        kernels!.hashIds(Float64Array.from(ints), f64);
        kernels!.hashIds(Int32Array.from(ints), i32);
        const col = utf8Column(ints.map(String));
        kernels!.hashUtf8(col.bytes, col.offsets, text);
        expectSameBytes(f64, text, 'f64');
        expectSameBytes(i32, text, 'i32');
        const [big, bigText] = [new Uint32Array(bigs.length), new Uint32Array(bigs.length)];
        kernels!.hashIds(BigInt64Array.from(bigs), big);
        const bigCol = utf8Column(bigs.map(String));
        kernels!.hashUtf8(bigCol.bytes, bigCol.offsets, bigText);
        expectSameBytes(big, bigText, 'bigint');
        expect([...text]).toEqual(ints.map((v) => hashKey(v)));
      }),
      { numRuns: 200 },
    );
  });

  test('groups rows by partition: rows of partition q have hash & (p - 1) = q, in row order, each row once', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 2 ** 32 - 1 }), { maxLength: 300 }), fc.integer({ min: 0, max: 9 }), (hs, bits) => {
        const p = 2 ** bits;
        const hashes = Uint32Array.from(hs);
        const [offsets, order] = [new Uint32Array(p + 1), new Uint32Array(hashes.length)];
        kernels!.partitionRows(hashes, p, offsets, order);
        expect(offsets[0]).toBe(0);
        expect(offsets[p]).toBe(hashes.length);
        for (let q = 0; q < p; q++) {
          const rows = [...order.subarray(offsets[q]!, offsets[q + 1]!)];
          expect(rows).toEqual([...rows].sort((x, y) => x - y));
          for (const r of rows) expect(hashes[r]! & (p - 1)).toBe(q);
        }
        expect([...order].sort((x, y) => x - y)).toEqual(hs.map((_, i) => i));
      }),
      { numRuns: 200 },
    );
  });

  test('refuses a partition count that is not a power of two', () => {
    expect(() => kernels!.partitionRows(new Uint32Array(4), 3, new Uint32Array(4), new Uint32Array(4))).toThrow(/power of two/);
  });
});

parity('hashing and partitioning', (native) => {
  it('hashes random text and odd numbers exactly as the TypeScript twin', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'grapheme', maxLength: 12 }), { maxLength: 40 }), fc.array(fc.double(), { maxLength: 40 }), (texts, nums) => {
        const col = utf8Column(texts);
        const [a, b] = [new Uint32Array(texts.length), new Uint32Array(texts.length)];
        native.hashUtf8(col.bytes, col.offsets, a);
        jsKernels.hashUtf8(col.bytes, col.offsets, b);
        expectSameBytes(a, b, 'utf8');
        const [c, d] = [new Uint32Array(nums.length), new Uint32Array(nums.length)];
        native.hashIds(Float64Array.from(nums), c);
        jsKernels.hashIds(Float64Array.from(nums), d);
        expectSameBytes(c, d, 'f64');
      }),
      { numRuns: 200 },
    );
  });

  it('partitions random hashes into the same offsets and order as the TypeScript twin', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 2 ** 32 - 1 }), { maxLength: 300 }), fc.integer({ min: 0, max: 9 }), (hs, bits) => {
        const p = 2 ** bits;
        const hashes = Uint32Array.from(hs);
        const [offsets, order] = [new Uint32Array(p + 1), new Uint32Array(hashes.length)];
        const [wantOffsets, wantOrder] = [new Uint32Array(p + 1), new Uint32Array(hashes.length)];
        native.partitionRows(hashes, p, offsets, order);
        jsKernels.partitionRows(hashes, p, wantOffsets, wantOrder);
        expectSameBytes(offsets, wantOffsets, 'offsets');
        expectSameBytes(order, wantOrder, 'order');
      }),
      { numRuns: 200 },
    );
  });
});
