/**
 * A seeded permutation of `[0, n)` computed on demand, so customer ids are shuffled without an
 * n-sized array (the generator's memory must not grow with the customer count beyond O(1)).
 *
 * It is a 4-round balanced Feistel network over the smallest domain `2^(2h) >= n`, with cycle
 * walking: re-encrypt until the value falls inside `[0, n)`. Every Feistel network is a bijection
 * of its domain, and cycle walking restricts a bijection to a subset, so `at` is a bijection of
 * `[0, n)`. The domain is below `4n`, so a lookup takes fewer than 4 encryptions on average.
 * (Black & Rogaway, "Ciphers with arbitrary finite domains", 2002.)
 */

import type { Prng } from './prng.js';

const ROUNDS = 4;

/** A bijection of `[0, n)` drawn from a seeded generator. */
export class IdPermutation {
  private readonly n: number;
  private readonly halfBits: number;
  private readonly mask: number;
  private readonly keys: Uint32Array;

  /** `n` in `[1, 2^32]`; the round keys come from `rng`. */
  constructor(n: number, rng: Prng) {
    this.n = n;
    const bits = Math.max(2, Math.ceil(Math.log2(n)));
    this.halfBits = Math.ceil(bits / 2);
    this.mask = (1 << this.halfBits) - 1; // halfBits <= 16 because n <= 2^32
    this.keys = new Uint32Array(ROUNDS);
    for (let r = 0; r < ROUNDS; r++) this.keys[r] = rng.nextUint32();
  }

  /** The image of `i` (`0 <= i < n`). */
  at(i: number): number {
    let x = this.encrypt(i);
    while (x >= this.n) x = this.encrypt(x);
    return x;
  }

  private encrypt(x: number): number {
    const half = this.halfBits;
    const scale = 2 ** half;
    let left = Math.floor(x / scale);
    let right = x % scale;
    for (let r = 0; r < ROUNDS; r++) {
      // Round function: a murmur3-style finalizer of the right half mixed with the round key.
      let h = Math.imul(right ^ (this.keys[r] ?? 0), 0x9e3779b1);
      h = Math.imul(h ^ (h >>> 15), 0x85ebca77);
      h ^= h >>> 13;
      const next = (left ^ h) & this.mask;
      left = right;
      right = next >>> 0;
    }
    return left * scale + right;
  }
}
