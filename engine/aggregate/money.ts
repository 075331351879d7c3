/**
 * Money is summed exactly: every amount and margin is turned into a whole number of units of
 * 0.0001 (the scale of SQL's `money` type) before it is added, so sums of doubles that hold
 * integers below 2^53 are exact and do not depend on the order of additions. A customer's
 * revenue comes out the same on one thread, on any number of workers and in the native kernel,
 * and prints as the decimal it is (58483.89, not 58483.890000000014). Limits: amounts are rounded
 * to 4 decimals, and a customer's sums must stay below 2^53 units (about 900 billion).
 */

/** Units per unit of money. */
export const MONEY_SCALE = 10_000;

/** An amount as a whole number of units (round half up; `floor(x + 0.5)` is what Rust computes too). */
export function toUnits(amount: number): number {
  return Math.floor(amount * MONEY_SCALE + 0.5);
}

/** Units back to money, in place. */
export function unitsToMoney(values: Float64Array): Float64Array {
  for (let i = 0; i < values.length; i++) values[i] = values[i]! / MONEY_SCALE;
  return values;
}
