/**
 * Integer timestamps told apart by magnitude (DESIGN "Real exports"): `YYYYMMDD` (a valid date in
 * 19000101–21001231), epoch seconds (1e9–1e10) and epoch milliseconds (1e11–1e13). The ranges do
 * not overlap, so one value names its kind; a column's kind is decided once, and a value outside it
 * is NaN (a `bad_ts` row) — never an instant in 1970.
 */
import { MS_PER_DAY, daysFromCivil, isValidTimestamp } from './parse-timestamp.js';

/** How a column's integers are read. */
export type IntTsKind = 'yyyymmdd' | 'epoch_s' | 'epoch_ms';

const INTEGER_TEXT = /^\s*[+-]?\d{1,16}\s*$/;
const EPOCH_S_TEXT = /^\s*\d{10}(\.\d{1,9})?\s*$/;

function isValidYmd(v: number): boolean {
  if (!Number.isInteger(v) || v < 19000101 || v > 21001231) return false;
  const y = Math.floor(v / 10000);
  const m = Math.floor(v / 100) % 100;
  const d = v % 100;
  if (m < 1 || m > 12 || d < 1) return false;
  const dim = m === 2 ? ((y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28) : m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
  return d <= dim;
}

/** The kind an integer (or an epoch-seconds number with a fraction) belongs to, or null for none. */
export function intKindOf(v: number): IntTsKind | null {
  if (v >= 1e9 && v < 1e10) return 'epoch_s';
  if (!Number.isInteger(v)) return null;
  if (v >= 1e11 && v < 1e13) return 'epoch_ms';
  return isValidYmd(v) ? 'yyyymmdd' : null;
}

/** A number read as `kind`, to epoch milliseconds, or NaN when it is outside that kind. */
export function timestampOfInt(v: number, kind: IntTsKind): number {
  switch (kind) {
    case 'epoch_ms':
      return Number.isInteger(v) && v >= 1e11 && v < 1e13 ? v : Number.NaN;
    case 'epoch_s': {
      if (!(v >= 1e9 && v < 1e10)) return Number.NaN;
      const ms = Math.round(v * 1000);
      return isValidTimestamp(ms) ? ms : Number.NaN;
    }
    default:
      return isValidYmd(v)
        ? daysFromCivil(Math.floor(v / 10000), Math.floor(v / 100) % 100, v % 100) * MS_PER_DAY
        : Number.NaN;
  }
}

/** The number a text holds when it looks like an integer timestamp (or epoch seconds with a fraction), else NaN. */
export function intFromText(s: string): number {
  return INTEGER_TEXT.test(s) || EPOCH_S_TEXT.test(s) ? Number(s) : Number.NaN;
}

/** A JSON/Arrow value or text read as `kind`. */
export function timestampOfIntValue(v: unknown, kind: IntTsKind): number {
  switch (typeof v) {
    case 'number':
      return timestampOfInt(v, kind);
    case 'bigint':
      return timestampOfInt(Number(v), kind);
    case 'string':
      return timestampOfInt(intFromText(v), kind);
    default:
      return Number.NaN;
  }
}
