/**
 * `amount = quantity * price` for line items, exact in units of 1/MONEY_SCALE (0.0001): both
 * factors as integers at their own decimal scale, multiplied exactly (in doubles while the product
 * stays within 2^53, else BigInt), then rounded half away from zero to four decimals.
 */
import { MONEY_SCALE, toUnits } from '../aggregate/money.js';

const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];
const SCALE_DIGITS = Math.round(Math.log10(MONEY_SCALE));
const MAX_UNITS = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * The fewest decimals `k` (<= 10) at which `x * 10^k` is the integer whose decimal text `x` was
 * read from. A value with more (a float32 price, 2.549999952316284) is rounded at the most
 * decimals, up to 10, that keep `x * 10^k` a safe integer: it was never a short decimal, and that
 * rounding is far below the 0.0001 of the result. -1 when not even `k = 0` fits.
 */
function decimalsOf(x: number): number {
  let fits = -1;
  for (let k = 0; k <= 10; k++) {
    const scaled = x * POW10[k]!;
    if (Math.abs(scaled) > Number.MAX_SAFE_INTEGER) return fits;
    fits = k;
    if (Math.round(scaled) / POW10[k]! === x) return k;
  }
  return fits;
}

/** Rounds `num / 10^shift` half away from zero; both safe integers. */
function divRound(num: number, shift: number): number {
  const d = POW10[shift]!;
  const rem = num % d;
  const base = (num - rem) / d;
  return 2 * Math.abs(rem) >= d ? base + Math.sign(num) : base;
}

function bigDivRound(num: bigint, shift: number): bigint {
  const d = 10n ** BigInt(shift);
  const rem = num % d;
  const base = (num - rem) / d;
  const absRem = rem < 0n ? -rem : rem;
  return 2n * absRem >= d ? base + (num < 0n ? -1n : 1n) : base;
}

/** quantity * price rounded to 0.0001, or NaN when the result is not money the sums carry exactly. */
export function lineAmount(quantity: number, price: number): number {
  const kq = decimalsOf(quantity);
  const kp = decimalsOf(price);
  if (kq < 0 || kp < 0) return Number.NaN;
  const q = Math.round(quantity * POW10[kq]!);
  const p = Math.round(price * POW10[kp]!);
  const shift = kq + kp - SCALE_DIGITS;
  const prod = q * p;
  let units: number;
  if (Math.abs(prod) <= Number.MAX_SAFE_INTEGER) {
    units = shift > 0 ? divRound(prod, shift) : prod * POW10[-shift]!;
    if (shift <= 0 && Math.abs(units) > Number.MAX_SAFE_INTEGER) return Number.NaN;
  } else {
    let big = BigInt(q) * BigInt(p);
    big = shift > 0 ? bigDivRound(big, shift) : big * 10n ** BigInt(-shift);
    if (big > MAX_UNITS || big < -MAX_UNITS) return Number.NaN;
    units = Number(big);
  }
  // The amount travels as a double and is summed as toUnits(amount): beyond about 2^39 units a
  // double cannot carry all four decimals, and such a line is bad_amount rather than rounded again.
  const amount = (units === 0 ? 0 : units) / MONEY_SCALE;
  return toUnits(amount) === units ? amount : Number.NaN;
}
