/**
 * How the parser reads the cells of an Arrow column (Arrow IPC and Parquet), by the column's type:
 * numbers, timestamps and dates from their buffers (arrow-numbers.ts), text and other values as
 * apache-arrow gives them, a decimal as its value, and the types that are no id, instant or money
 * — times of day, durations, intervals — as a WrongType marker that every value parser rejects,
 * so a `time` column mapped to `ts` is `bad_ts`, never a date in 1970.
 */
import { type Decimal, Type, util, type Vector } from 'apache-arrow';
import { arrowNumbers } from './arrow-numbers.js';

/** A cell of a column whose type cannot hold the value wanted (kept for the rejects file). */
export class WrongType {
  constructor(readonly type: string) {}
}

/** Reads cell `i` of one column. */
export type CellAt = (i: number) => unknown;

const NOT_A_VALUE: ReadonlySet<Type> = new Set([Type.Time, Type.Duration, Type.Interval]);

/** The accessor of an Arrow column's cells; null cells read as null. */
export function arrowCells(vector: Vector): CellAt {
  const numbers = arrowNumbers(vector);
  if (numbers) {
    // NaN marks a null there; a NaN that is a value (a float column's NaN) stays NaN: a bad value.
    return (i) => (Number.isNaN(numbers[i]!) ? (vector.isValid(i) ? Number.NaN : null) : numbers[i]);
  }
  const typeId = vector.type.typeId;
  if (NOT_A_VALUE.has(typeId)) {
    const wrong = new WrongType(String(vector.type));
    return (i) => (vector.isValid(i) ? wrong : null);
  }
  if (typeId === Type.Decimal) {
    const scale = (vector.type as Decimal).scale;
    return (i) => {
      const v = vector.get(i);
      if (v == null) return null;
      try {
        return util.bigNumToNumber(v as Parameters<typeof util.bigNumToNumber>[0], scale);
      } catch {
        return Number.NaN; // beyond a double's exact integers: bigNumToNumber refuses, and so do we
      }
    };
  }
  // Half floats: toArray() gives their raw bits, get() the number. toArray() also drops
  // validity, so columns with nulls are read cell by cell too.
  if (vector.nullCount > 0 || typeId === Type.Float) return (i) => vector.get(i);
  const values = vector.toArray() as ArrayLike<unknown>;
  return (i) => values[i];
}
