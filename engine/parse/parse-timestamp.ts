/**
 * Timestamps as DESIGN "Data in" defines them, to epoch milliseconds (NaN when invalid):
 * a bare ISO date is UTC midnight, a date-time without an offset is UTC, offsets are honoured,
 * an integer is epoch milliseconds. Hand-written because `Date.parse` reads offset-less
 * date-times as local time and allocates; this parser allocates nothing.
 */

/** Milliseconds in a day; `day(t) = floor(t / MS_PER_DAY)`. */
export const MS_PER_DAY = 86_400_000;

/**
 * The range of timestamps a row may have: `Date`'s (±8.64e15 ms, ECMA-262 §21.4.1.1), short of its
 * very last millisecond, so that the end of a row's UTC day (the default as-of) is a `Date` too.
 * Beyond it `new Date(t)` is Invalid Date and `toISOString` throws, so such a value would break
 * every later listing, export and manifest of that customer; it is a `bad_ts` row instead.
 */
export const MIN_TIMESTAMP_MS = -8.64e15;
/** See MIN_TIMESTAMP_MS. */
export const MAX_TIMESTAMP_MS = 8.64e15 - 1;

/** True when `ms` is an integral instant inside [MIN_TIMESTAMP_MS, MAX_TIMESTAMP_MS]. */
export function isValidTimestamp(ms: number): boolean {
  return Number.isInteger(ms) && ms >= MIN_TIMESTAMP_MS && ms <= MAX_TIMESTAMP_MS;
}

/** The UTC day number of an instant. */
export function dayOf(ms: number): number {
  return Math.floor(ms / MS_PER_DAY);
}

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Reads `len` ASCII digits at `pos`, or -1 if any is not a digit. */
function digits(s: string, pos: number, len: number): number {
  let v = 0;
  for (let i = pos; i < pos + len; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

const INTEGER = /^[+-]?\d{1,16}$/;

/**
 * Parses `YYYY-MM-DD`, `YYYY-MM-DD[T ]HH:MM[:SS[.fff…]][Z|±HH[:]MM|±HH]` or an integer
 * (epoch milliseconds within isValidTimestamp's range). Fractions beyond milliseconds are truncated.
 * Returns NaN otherwise.
 */
export function parseTimestamp(text: string): number {
  const s = text.trim();
  const n = s.length;
  if (n >= 10 && s.charCodeAt(4) === 45 /* - */ && s.charCodeAt(7) === 45) return parseIso(s, n);
  if (INTEGER.test(s)) {
    const v = Number(s);
    return isValidTimestamp(v) ? v : Number.NaN;
  }
  return Number.NaN;
}

/** ISO-8601 text only (what `auto` reads in a column decided as ISO): an integer is NaN here. */
export function parseIsoTimestamp(text: string): number {
  const s = text.trim();
  const n = s.length;
  return n >= 10 && s.charCodeAt(4) === 45 && s.charCodeAt(7) === 45 ? parseIso(s, n) : Number.NaN;
}

function parseIso(s: string, n: number): number {
  const year = digits(s, 0, 4);
  const month = digits(s, 5, 2);
  const day = digits(s, 8, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return Number.NaN;
  let ms = daysFromCivil(year, month, day) * MS_PER_DAY;
  if (n === 10) return ms;
  const sep = s.charCodeAt(10);
  if ((sep !== 84 /* T */ && sep !== 116 /* t */ && sep !== 32) || n < 16 || s.charCodeAt(13) !== 58) return Number.NaN;
  const hour = digits(s, 11, 2);
  const minute = digits(s, 14, 2);
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59) return Number.NaN;
  ms += hour * 3_600_000 + minute * 60_000;
  let pos = 16;
  if (pos < n && s.charCodeAt(pos) === 58 /* : */) {
    const second = digits(s, pos + 1, 2);
    if (second < 0 || second > 59) return Number.NaN;
    ms += second * 1000;
    pos += 3;
    if (pos < n && (s.charCodeAt(pos) === 46 /* . */ || s.charCodeAt(pos) === 44 /* , */)) {
      pos++;
      const start = pos;
      let frac = 0;
      while (pos < n) {
        const c = s.charCodeAt(pos) - 48;
        if (c < 0 || c > 9) break;
        if (pos - start < 3) frac = frac * 10 + c;
        pos++;
      }
      if (pos === start) return Number.NaN;
      for (let k = pos - start; k < 3; k++) frac *= 10;
      ms += frac;
    }
  }
  if (pos === n) return ms;
  const z = s.charCodeAt(pos);
  if ((z === 90 /* Z */ || z === 122) && pos + 1 === n) return ms;
  if (z !== 43 /* + */ && z !== 45 /* - */) return Number.NaN;
  const sign = z === 43 ? 1 : -1;
  const oh = digits(s, pos + 1, 2);
  let om = 0;
  const rest = n - pos - 3;
  if (rest === 3 && s.charCodeAt(pos + 3) === 58) om = digits(s, pos + 4, 2);
  else if (rest === 2) om = digits(s, pos + 3, 2);
  else if (rest !== 0) return Number.NaN;
  if (oh < 0 || oh > 23 || om < 0 || om > 59) return Number.NaN;
  // A local time at +02:00 is two hours ahead of UTC, so UTC = local - offset.
  return ms - sign * (oh * 3_600_000 + om * 60_000);
}

/** ISO-8601 text of an epoch-millisecond instant, in UTC (`2026-03-01T12:00:00.000Z`). */
export function formatTimestamp(ms: number): string {
  return new Date(ms).toISOString();
}
