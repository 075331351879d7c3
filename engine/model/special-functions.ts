/**
 * Special functions the buy-till-you-die models need. Log-gamma and digamma come from stdlib
 * (well kept, tested against Boost); no maintained npm package offers the Gauss hypergeometric
 * function 2F1, so it is written here for the one region the models use: real parameters and
 * `-1 < z < 1`.
 */
import gammalnImpl from '@stdlib/math-base-special-gammaln';
import digammaImpl from '@stdlib/math-base-special-digamma';

/** Natural logarithm of the absolute value of the gamma function. */
export const gammaln: (x: number) => number = gammalnImpl;

/** Digamma function ψ(x) = d/dx ln Γ(x). */
export const digamma: (x: number) => number = digammaImpl;

/**
 * From this z on, {@link gammalnRatio} and {@link digammaDifference} use Stirling's series. Below
 * it the difference of two stdlib values is accurate to ~1e-12 of the result; above it that
 * difference loses digits as z grows (ln Γ(z) ≈ z ln z, the result ≈ q ln z): at z = 1e6 it
 * keeps ten, at 1e12 four, and at 5e15 none, which is where a Gamma-Gamma fit on heavy, even
 * spenders (p·x → ∞) wandered for 500 iterations. The series' first omitted terms are below
 * 1e-26 from here on, so the two ways agree to the stdlib difference's own error at the switch.
 */
export const STIRLING_FROM = 1e4;

/** Stirling's remainder ln Γ(z) − ((z − ½) ln z − z + ½ ln 2π) to O(z⁻⁷), for z >= {@link STIRLING_FROM}. */
function stirlingRemainder(z: number): number {
  const z2 = z * z;
  return (1 / 12 - (1 / 360 - 1 / 1260 / z2) / z2) / z;
}

/**
 * ln Γ(z + q) − ln Γ(z) for z > 0, q > 0. From {@link STIRLING_FROM} on it is formed from the
 * small quantities themselves, q ln z + ((z + q − ½) ln(1 + q/z) − q) + the remainders'
 * difference, so its error stays a few ulps of the result however large z is.
 */
export function gammalnRatio(z: number, q: number): number {
  if (!(z >= STIRLING_FROM)) return gammaln(z + q) - gammaln(z);
  return q * Math.log(z) + ((z + q - 0.5) * Math.log1p(q / z) - q) + (stirlingRemainder(z + q) - stirlingRemainder(z));
}

/**
 * ψ(z + q) − ψ(z) for z > 0, q > 0; from {@link STIRLING_FROM} on from the asymptotic series
 * ψ(z) = ln z − 1/(2z) − 1/(12z²) + 1/(120z⁴) − …, each term's difference written without
 * cancellation (1/w − 1/z = −q/(zw) with w = z + q), accurate to a few ulps.
 */
export function digammaDifference(z: number, q: number): number {
  if (!(z >= STIRLING_FROM)) return digamma(z + q) - digamma(z);
  const w = z + q;
  const d1 = -q / (z * w);
  const d2 = (-q * (z + w)) / (z * z * w * w);
  const d4 = d2 * (1 / (w * w) + 1 / (z * z));
  return Math.log1p(q / z) - 0.5 * d1 - d2 / 12 + d4 / 120;
}

/** Series terms allowed before 2F1 gives up and returns NaN (reached only for z within ~1e-4 of 1). */
const MAX_TERMS = 1_000_000;

/**
 * The power series Σ (a)_n (b)_n / ((c)_n n!) z^n for `0 <= z < 1`.
 *
 * Stops when the next term, times the geometric bound 1 / (1 - z) on what follows it, is below
 * the double-precision resolution of the sum: once n is past the terms' peak the ratio of
 * successive terms approaches z from one side, so this bounds the remainder.
 */
function series(a: number, b: number, c: number, z: number): number {
  let term = 1;
  let sum = 1;
  const tailFactor = 1 / (1 - z);
  for (let n = 0; n < MAX_TERMS; n++) {
    term *= ((a + n) * (b + n)) / ((c + n) * (n + 1)) * z;
    sum += term;
    if (term === 0 || Math.abs(term) * tailFactor <= 1e-17 * Math.abs(sum)) {
      // Skip the stop while terms are still rising: a ratio above one means the peak lies ahead.
      const ratio = ((a + n + 1) * (b + n + 1)) / ((c + n + 1) * (n + 2)) * z;
      if (Math.abs(ratio) < 1) return sum;
    }
  }
  return Number.NaN;
}

/**
 * Gauss hypergeometric function 2F1(a, b; c; z) for real parameters and `-1 < z < 1`.
 *
 * For `z < 0` Pfaff's transformation maps the argument into `[0, 1/2)`:
 * 2F1(a, b; c; z) = (1 - z)^(-a) 2F1(a, c - b; c; z / (z - 1)).
 * For `0 <= z < 1` the series terms fall like n^(a + b - c - 1) z^n; Euler's transformation
 * 2F1(a, b; c; z) = (1 - z)^(c - a - b) 2F1(c - a, c - b; c; z) turns that exponent into
 * c - a - b - 1, so it is used when `a + b > c` (the BG/NBD case, where it also keeps the
 * parameters small). Returns NaN outside the supported region or when c is a non-positive
 * integer.
 */
export function hyp2f1(a: number, b: number, c: number, z: number): number {
  if (!(z > -1 && z < 1) || (c <= 0 && Number.isInteger(c))) return Number.NaN;
  if (z === 0) return 1;
  if (z < 0) return (1 - z) ** -a * hyp2f1(a, c - b, c, z / (z - 1));
  // A polynomial (a or b a non-positive integer) is exact as it is.
  if ((a <= 0 && Number.isInteger(a)) || (b <= 0 && Number.isInteger(b))) return series(a, b, c, z);
  if (a + b > c) return (1 - z) ** (c - a - b) * series(c - a, c - b, c, z);
  return series(a, b, c, z);
}

/**
 * 2F1(a, b; c; ·) for fixed parameters, evaluated at many z in (0, 1): the term ratios
 * (a+n)(b+n) / ((c+n)(n+1)) of the series the transformation picks are kept, so each further z
 * costs two multiplications and an addition per term instead of a division too. The results are
 * bit-identical to {@link hyp2f1} (same branch, same ratios, same order of operations).
 */
export class Hyp2f1Fixed {
  private readonly sa: number;
  private readonly sb: number;
  private readonly c: number;
  /** Exponent of the Euler prefactor (1 − z)^e, or NaN when the series is used as it is. */
  private readonly euler: number;
  private ratios = new Float64Array(64);
  private filled = 0;

  /** Prepares 2F1(a, b; c; z) for 0 < z < 1. */
  constructor(private readonly a: number, private readonly b: number, c: number) {
    this.c = c;
    const polynomial = (a <= 0 && Number.isInteger(a)) || (b <= 0 && Number.isInteger(b));
    const useEuler = !polynomial && a + b > c;
    this.sa = useEuler ? c - a : a;
    this.sb = useEuler ? c - b : b;
    this.euler = useEuler ? c - a - b : Number.NaN;
  }

  /** 2F1(a, b; c; z); outside 0 < z < 1 (or c a non-positive integer) it defers to {@link hyp2f1}. */
  at(z: number): number {
    const c = this.c;
    if (!(z > 0 && z < 1) || (c <= 0 && Number.isInteger(c))) return hyp2f1(this.a, this.b, c, z);
    const s = this.series(z);
    return Number.isNaN(this.euler) ? s : (1 - z) ** this.euler * s;
  }

  private series(z: number): number {
    const a = this.sa;
    const b = this.sb;
    const c = this.c;
    let term = 1;
    let sum = 1;
    const tailFactor = 1 / (1 - z);
    for (let n = 0; n < MAX_TERMS; n++) {
      if (n === this.filled) this.extend();
      term *= (this.ratios[n] as number) * z;
      sum += term;
      if (term === 0 || Math.abs(term) * tailFactor <= 1e-17 * Math.abs(sum)) {
        const ratio = ((a + n + 1) * (b + n + 1)) / ((c + n + 1) * (n + 2)) * z;
        if (Math.abs(ratio) < 1) return sum;
      }
    }
    return Number.NaN;
  }

  /** Doubles the cached ratios. */
  private extend(): void {
    if (this.filled === this.ratios.length) {
      const next = new Float64Array(this.ratios.length * 2);
      next.set(this.ratios);
      this.ratios = next;
    }
    const a = this.sa;
    const b = this.sb;
    const c = this.c;
    const end = this.ratios.length;
    for (let n = this.filled; n < end; n++) this.ratios[n] = ((a + n) * (b + n)) / ((c + n) * (n + 1));
    this.filled = end;
  }
}
