/**
 * A small seeded pseudo-random generator: xoshiro128** (Blackman & Vigna, public domain), seeded
 * through splitmix32 so that nearby seeds give unrelated streams. 32-bit integer arithmetic only,
 * so it is fast in V8 and gives the same sequence on every platform — the generator's output files
 * must be byte-identical for the same seed.
 */

const TWO_POW_32 = 4294967296;

/** splitmix32 step: returns the next mixed word of `state` and the advanced state. */
function splitmix32(state: number): [word: number, state: number] {
  const next = (state + 0x9e3779b9) | 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return [(z ^ (z >>> 16)) >>> 0, next];
}

/** Seeded xoshiro128** generator with uniform, normal and gamma draws. */
export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  /** Second Box–Muller value, kept so each pair of uniforms yields two normals. */
  private spareNormal = Number.NaN;

  /** `seed` is any safe integer; `stream` picks an independent sequence for the same seed. */
  constructor(seed: number, stream = 0) {
    // Fold both 32-bit halves of the seed (seeds up to 2^53) and the stream number into one word.
    const lo = seed >>> 0;
    const hi = Math.floor(seed / TWO_POW_32) >>> 0;
    let s = (lo ^ Math.imul(hi, 0x27d4eb2f) ^ Math.imul(stream + 1, 0x165667b1)) | 0;
    let w: number;
    [w, s] = splitmix32(s);
    this.a = w;
    [w, s] = splitmix32(s);
    this.b = w;
    [w, s] = splitmix32(s);
    this.c = w;
    [w, s] = splitmix32(s);
    // xoshiro's state must not be all zero; splitmix32 never gives four zero words, but be sure.
    this.d = w === 0 && this.a === 0 && this.b === 0 && this.c === 0 ? 1 : w;
  }

  /** Next uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const b = this.b;
    const r = Math.imul(b, 5);
    const result = Math.imul((r << 7) | (r >>> 25), 9) >>> 0;
    const t = b << 9;
    this.c ^= this.a;
    this.d ^= b;
    this.b = b ^ this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = (this.d << 11) | (this.d >>> 21);
    return result;
  }

  /** Uniform in the open interval (0, 1): never 0 nor 1, so `log(u)` and `u ** k` are safe. */
  uniform(): number {
    return (this.nextUint32() + 0.5) / TWO_POW_32;
  }

  /** Uniform integer in `[0, n)` for `n <= 2^32` (multiply-shift; the bias is below 2^-32 * n). */
  below(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** Standard normal draw (Box–Muller, both values used). */
  normal(): number {
    const spare = this.spareNormal;
    if (!Number.isNaN(spare)) {
      this.spareNormal = Number.NaN;
      return spare;
    }
    const r = Math.sqrt(-2 * Math.log(this.uniform()));
    const theta = 2 * Math.PI * this.uniform();
    this.spareNormal = r * Math.sin(theta);
    return r * Math.cos(theta);
  }

  /** Gamma(shape, 1) draw (Marsaglia–Tsang; shapes below 1 via the `U^(1/shape)` boost). */
  gamma(shape: number): number {
    if (shape < 1) return this.gamma(shape + 1) * this.uniform() ** (1 / shape);
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = this.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = this.uniform();
      if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
    }
  }
}
