import { describe, expect, it } from 'vitest';
import { IdPermutation } from '../../../engine/generate/id-permutation.js';
import { Prng } from '../../../engine/generate/index.js';

describe('Prng', () => {
  it('repeats its sequence for the same seed and stream, and differs otherwise', () => {
    const take = (rng: Prng) => Array.from({ length: 8 }, () => rng.nextUint32());
    expect(take(new Prng(1))).toEqual(take(new Prng(1)));
    expect(take(new Prng(1))).not.toEqual(take(new Prng(2)));
    expect(take(new Prng(1, 0))).not.toEqual(take(new Prng(1, 1)));
    expect(take(new Prng(2 ** 40))).not.toEqual(take(new Prng(0)));
  });

  it('draws uniforms strictly inside (0, 1) with mean 1/2', () => {
    const rng = new Prng(5);
    let sum = 0;
    let outside = 0;
    for (let i = 0; i < 100_000; i++) {
      const u = rng.uniform();
      if (!(u > 0 && u < 1)) outside++;
      sum += u;
    }
    expect(outside).toBe(0);
    expect(sum / 100_000).toBeCloseTo(0.5, 2);
  });

  it('draws normals with mean 0 and variance 1, and gammas with mean equal to the shape', () => {
    const rng = new Prng(6);
    const n = 100_000;
    let sum = 0;
    let squares = 0;
    let gammas = 0;
    for (let i = 0; i < n; i++) {
      const z = rng.normal();
      sum += z;
      squares += z * z;
      gammas += rng.gamma(0.6);
    }
    expect(sum / n).toBeCloseTo(0, 1);
    expect(squares / n).toBeCloseTo(1, 1);
    expect(gammas / n).toBeCloseTo(0.6, 1);
  });
});

describe('IdPermutation', () => {
  it.each([1, 2, 3, 1000, 65_537])('is a bijection of [0, %i)', (n) => {
    const permutation = new IdPermutation(n, new Prng(7));
    const seen = new Uint8Array(n);
    let bad = 0;
    for (let i = 0; i < n; i++) {
      const x = permutation.at(i);
      if (!(x >= 0 && x < n && seen[x] === 0)) bad++;
      seen[x] = 1;
    }
    expect(bad).toBe(0);
  });

  it('shuffles: few values stay in place', () => {
    const permutation = new IdPermutation(10_000, new Prng(8));
    let fixed = 0;
    for (let i = 0; i < 10_000; i++) if (permutation.at(i) === i) fixed++;
    expect(fixed).toBeLessThan(20);
  });
});
