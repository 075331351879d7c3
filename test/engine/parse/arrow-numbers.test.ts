import { Float32, Float64, Int32, Int64, makeData, makeVector, TimestampMillisecond, TimestampMicrosecond, type Vector } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { arrowNumbers } from '../../../engine/parse/arrow-numbers.js';

/** The reference: each cell through Vector.get, as the generic path reads it (NaN for null). */
function reference(v: Vector): number[] {
  const out: number[] = [];
  for (let i = 0; i < v.length; i++) {
    const x = v.get(i) as number | bigint | null;
    out.push(x === null ? Number.NaN : Number(x));
  }
  return out;
}

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('arrowNumbers', () => {
  it('reads int64 ids, millisecond timestamps and doubles of random chunks as Vector.get does', () => {
    const rnd = random(7);
    for (let round = 0; round < 50; round++) {
      const n = 1 + Math.floor(rnd() * 300);
      const ints = BigInt64Array.from({ length: n }, () => BigInt(Math.floor((rnd() - 0.5) * 2 ** 53)));
      const ms = BigInt64Array.from({ length: n }, () => BigInt(Math.floor((rnd() - 0.3) * 4e12)));
      const doubles = Float64Array.from({ length: n }, () => (rnd() - 0.5) * 1e6);
      const withNulls = round % 3 === 0 ? { nullCount: 1, nullBitmap: Uint8Array.from({ length: Math.ceil(n / 8) }, (_, i) => (i === 0 ? 0xfe : 0xff)) } : {};
      const columns: Vector[] = [
        makeVector(makeData({ type: new Int64(), length: n, data: ints, ...withNulls })),
        makeVector(makeData({ type: new TimestampMillisecond(), length: n, data: ms, ...withNulls })),
        makeVector(makeData({ type: new Float64(), length: n, data: doubles, ...withNulls })),
        makeVector(makeData({ type: new Int32(), length: n, data: Int32Array.from(ints, (x) => Number(x % 1000n)) })),
        makeVector(makeData({ type: new Float32(), length: n, data: Float32Array.from(doubles) })),
      ];
      for (const v of columns) {
        expect([...arrowNumbers(v)!]).toEqual(reference(v));
        // Two chunks (the fast path per chunk, the offsets between them), and a slice.
        const two = (v as Vector<Int64>).concat(v as Vector<Int64>);
        expect([...arrowNumbers(two)!]).toEqual(reference(two));
        const part = v.slice(Math.floor(n / 3), n);
        expect([...arrowNumbers(part)!]).toEqual(reference(part));
      }
    }
  });

  it('refuses an int64 column with a value beyond 2^53, in any chunk, so ids keep their exact text', () => {
    const safe = makeVector(makeData({ type: new Int64(), length: 2, data: BigInt64Array.of(1n, 2n ** 53n - 1n) }));
    const big = makeVector(makeData({ type: new Int64(), length: 2, data: BigInt64Array.of(3n, -(2n ** 53n)) }));
    expect(arrowNumbers(safe)).not.toBeNull();
    expect(arrowNumbers(big)).toBeNull();
    expect(arrowNumbers(safe.concat(big))).toBeNull();
  });

  it('truncates microsecond timestamps to the earlier millisecond', () => {
    const v = makeVector(makeData({ type: new TimestampMicrosecond(), length: 2, data: BigInt64Array.of(1_500n, -1_500n) }));
    expect([...arrowNumbers(v)!]).toEqual([1, -2]);
  });
});
