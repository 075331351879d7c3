import { describe, expect, it } from 'vitest';
import { hashKey, partitionOf } from '../../../engine/aggregate/partition-key.js';
import { hashKey as kernelHash } from '../../../engine/kernels/id-hash.js';

describe('partitionOf', () => {
  it('gives the same partition for the same key on every call', () => {
    const keys = [0, 1, 42, 2 ** 40 + 7, -5, Number.MAX_SAFE_INTEGER, 'c-81', '042', 'émile', ''];
    for (const key of keys) for (const p of [1, 2, 3, 7, 16]) expect(partitionOf(key, p)).toBe(partitionOf(key, p));
  });

  it('is fixed across processes and releases: known keys keep their hashes', () => {
    expect([1, 42, 'c-81', 2 ** 40 + 7].map(hashKey)).toMatchInlineSnapshot(`
      [
        1428125071,
        686566589,
        2157659426,
        2961057467,
      ]
    `);
  });

  it('is the shard hash of the kernels, so the pool and the native partitioner agree', () => {
    for (const key of [7, 123456789, 'c-81', 'émile']) expect(hashKey(key)).toBe(kernelHash(key));
  });

  it('keeps a number and its text apart only when they are different keys', () => {
    expect(hashKey(42)).not.toBe(hashKey('042'));
  });

  it('spreads sequential ids evenly over the partitions', () => {
    const counts = new Array<number>(8).fill(0);
    for (let id = 1; id <= 80_000; id++) counts[partitionOf(id, 8)]!++;
    for (const n of counts) expect(Math.abs(n - 10_000)).toBeLessThan(500);
  });

  it('puts every key in a partition from 0 to P-1', () => {
    for (let id = 0; id < 1000; id++) {
      const p = partitionOf(`id-${id}`, 5);
      expect(p >= 0 && p < 5 && Number.isInteger(p)).toBe(true);
    }
  });
});
