import { describe, expect, it } from 'vitest';
import { IdIndex } from '../../../engine/aggregate/id-index.js';
import type { CustomerKey } from '../../../engine/parse/parse-values.js';
import { mulberry32 } from '../../helpers/random.js';

describe('IdIndex over its sixteen Maps', () => {
  it('numbers 200,000 mixed keys densely in order of first sight, as one Map would', () => {
    const random = mulberry32(20261202);
    const reference = new Map<CustomerKey, number>();
    const index = new IdIndex();
    for (let i = 0; i < 200_000; i++) {
      const n = Math.floor(random() * 60_000);
      // Text of every length (short ones read past their start), integers of both signs and beyond 2^32.
      const key: CustomerKey = random() < 0.5 ? (n % 7 === 0 ? String(n % 10) : `C${n}`) : n % 3 === 0 && n > 0 ? -n : n * 4_294_967_296 + n;
      if (!reference.has(key)) reference.set(key, reference.size);
      expect(index.intern(key)).toBe(reference.get(key));
    }
    expect(index.size).toBe(reference.size);
    expect(index.keys).toEqual([...reference.keys()]);
    for (const [key, n] of reference) expect(index.find(key)).toBe(n);
  });

  it('keeps the keys a Map keeps apart apart, and together what it keeps together', () => {
    const index = new IdIndex();
    const zero = index.intern(0);
    expect(index.intern(-0)).toBe(zero);
    expect(index.intern('0')).not.toBe(zero);
    expect(index.intern('')).toBe(2);
    expect(index.intern('é')).toBe(3);
    expect(index.find('')).toBe(2);
    expect(index.find('00')).toBe(-1);
    expect(index.find(1)).toBe(-1);
  });
});
