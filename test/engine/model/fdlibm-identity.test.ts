/**
 * The native model kernels' ln, ln(1 + x) and e^x (native/src/model/fdlibm.rs) against V8's
 * `Math.log`, `Math.log1p` and `Math.exp`, bit for bit (issue 10: both kernel sets publish the
 * same snapshot). glibc's functions, which Rust's `f64::ln` / `ln_1p` / `exp` call, round a few
 * arguments in a thousand the other way, so this fails when one of them is put back.
 */
import { describe, expect } from 'vitest';
import { nativeBinding } from '../../../engine/kernels/native-binding.js';
import { itNative } from '../kernels/kernel-sets.js';

/** A deterministic generator (mulberry32), so a failure names the same arguments every run. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const N = 1_000_000;

/** Edge arguments of all three: zeros, ±1, infinities, NaN, the smallest and largest doubles, the ends of the branches. */
const EDGES = [
  0, -0, 1, -1, 2, 0.5, -0.5, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN, Number.MIN_VALUE, -Number.MIN_VALUE,
  Number.MAX_VALUE, -Number.MAX_VALUE, 2.2250738585072014e-308, Number.EPSILON, -Number.EPSILON, 1 + Number.EPSILON, 1 - Number.EPSILON / 2,
  Math.SQRT2, Math.SQRT1_2, Math.SQRT1_2 - 1, Math.SQRT2 - 1, -0.2928932188134524, 0.41421356237309503, 2 ** -29, 2 ** -54, -(2 ** -54), 2 ** 53, 2 ** 1023,
  709.782712893384, 709.7827128933841, -745.1332191019411, -745.1332191019412, -708.4, -1022 * Math.LN2, Math.LN2 / 2, -Math.LN2 / 2, 1.5 * Math.LN2, -1.5 * Math.LN2,
  2 ** -28, -(2 ** -28), 1e-300, -1e-300, 1e300,
];

/** `N` arguments: the edges, then in turn a uniform one in `[lo, hi)`, a log-uniform one over `decades` and a double of random bits. */
function argumentsFor(seed: number, lo: number, hi: number, decades: number): Float64Array {
  const next = random(seed);
  const x = new Float64Array(N);
  const bits = new Uint32Array(x.buffer);
  x.set(EDGES);
  for (let i = EDGES.length; i < N; i++) {
    const kind = i % 3;
    if (kind === 0) x[i] = lo + (hi - lo) * next();
    else if (kind === 1) x[i] = (next() < 0.5 ? -1 : 1) * 10 ** ((next() - 0.5) * decades);
    else {
      bits[2 * i] = (next() * 4294967296) >>> 0;
      bits[2 * i + 1] = (next() * 4294967296) >>> 0;
    }
  }
  return x;
}

const binding = nativeBinding();

describe('the model kernels\' elementary functions', () => {
  const cases = [
    { fn: 0, name: 'ln', math: Math.log, args: argumentsFor(1, 0, 1000, 600) },
    { fn: 1, name: 'ln(1 + x)', math: Math.log1p, args: argumentsFor(2, -1, 2, 40) },
    { fn: 2, name: 'e^x', math: Math.exp, args: argumentsFor(3, -750, 750, 6) },
  ] as const;
  for (const { fn, name, math, args } of cases) {
    itNative(`give V8's ${name} to the bit over ${N.toLocaleString('en')} arguments`, () => {
      expect(binding?.modelMath, 'the addon loads without modelMath: run npm run build:native').toBeDefined();
      const out = new Float64Array(N);
      binding!.modelMath!(fn, args, out);
      const got = new BigUint64Array(out.buffer);
      const want = new BigUint64Array(Float64Array.from(args, math).buffer);
      const wrong: string[] = [];
      for (let i = 0; i < N; i++) {
        // Every NaN is the same value to the snapshot (null); anything else must match to the bit.
        if (got[i] !== want[i] && !(Number.isNaN(out[i]) && Number.isNaN(math(args[i]!)))) wrong.push(`${name}(${args[i]}) = ${out[i]}, V8 ${math(args[i]!)}`);
      }
      expect(wrong.slice(0, 5), `${wrong.length} of ${N} differ`).toEqual([]);
    });
  }
});
