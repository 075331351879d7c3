/**
 * strftime-style timestamp patterns (`%m/%d/%Y %H:%M`, `%d.%m.%Y`, `%Y%m%d`), compiled once to a
 * table of small ops that one allocation-free loop walks per value. The result is epoch
 * milliseconds in UTC (or at the `%z` offset), NaN when the text does not fit the pattern.
 *
 * Numeric fields take up to their width in digits and at least one (`12/1/2010 8:26` fits
 * `%m/%d/%Y %H:%M`), except when another numeric field is next to them (`%Y%m%d`): then exactly
 * their width. A space in the pattern matches one or more spaces.
 */
import { ArgumentError } from '../errors.js';
import { MS_PER_DAY, daysFromCivil, isValidTimestamp } from './parse-timestamp.js';

/** Ops of a compiled pattern (numbers, so the parse loop compares small integers). */
const OP_YEAR4 = 1;
const OP_YEAR2 = 2;
const OP_MONTH = 3;
const OP_DAY = 4;
const OP_DAY_SPACE = 5;
const OP_HOUR24 = 6;
const OP_HOUR12 = 7;
const OP_MINUTE = 8;
const OP_SECOND = 9;
const OP_AM_PM = 10;
const OP_MONTH_NAME = 11;
const OP_FRACTION = 12;
const OP_ZONE = 13;
const OP_LITERAL = 14;
const OP_SPACE = 15;
type Op = number;

/** A compiled pattern: `parse(text)` gives epoch milliseconds or NaN. */
export interface TsPattern {
  readonly source: string;
  /** True when the pattern reads a day before a month (`%d/%m/%Y`). */
  readonly dayFirst: boolean;
  /** The same pattern with `%d` and `%m` swapped, or null when it has not both. */
  readonly swapped: string | null;
  parse(text: string): number;
}

const MONTH_NAMES = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];

const DIRECTIVES: Readonly<Record<string, Op>> = {
  Y: OP_YEAR4,
  y: OP_YEAR2,
  m: OP_MONTH,
  d: OP_DAY,
  e: OP_DAY_SPACE,
  H: OP_HOUR24,
  I: OP_HOUR12,
  M: OP_MINUTE,
  S: OP_SECOND,
  p: OP_AM_PM,
  b: OP_MONTH_NAME,
  B: OP_MONTH_NAME,
  h: OP_MONTH_NAME,
  f: OP_FRACTION,
  z: OP_ZONE,
};

const WIDTH: Readonly<Record<number, number>> = {
  [OP_YEAR4]: 4,
  [OP_YEAR2]: 2,
  [OP_MONTH]: 2,
  [OP_DAY]: 2,
  [OP_DAY_SPACE]: 2,
  [OP_HOUR24]: 2,
  [OP_HOUR12]: 2,
  [OP_MINUTE]: 2,
  [OP_SECOND]: 2,
};

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 0xa0 || c === 0x202f;
}

/** Reads a month name (abbreviated or full, English, any case) at `pos`; returns month*100+length or -1. */
function monthName(s: string, pos: number): number {
  for (let m = 0; m < 12; m++) {
    const full = MONTH_NAMES[m]!;
    let k = 0;
    while (k < full.length && pos + k < s.length && (s.charCodeAt(pos + k) | 32) === full.charCodeAt(k)) k++;
    if (k === full.length) return (m + 1) * 100 + k;
    // "Sep" and "Sept" as well as "September": the letters that matched, at least the abbreviation.
    if (k >= 3) return (m + 1) * 100 + k;
  }
  return -1;
}

/**
 * Compiles a pattern; an unknown directive or a pattern without year, month and day is an
 * ArgumentError naming it.
 */
export function compileTsPattern(pattern: string): TsPattern {
  const ops: number[] = [];
  const widths: number[] = [];
  const lits: number[] = [];
  let hasYear = false;
  let hasMonth = false;
  let hasDay = false;
  let has12 = false;
  let hasAmPm = false;
  let dayPos = -1;
  let monthPos = -1;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern.charCodeAt(i);
    if (c === 37 /* % */) {
      const d = pattern[i + 1];
      i++;
      if (d === '%') {
        ops.push(OP_LITERAL);
        lits.push(37);
        continue;
      }
      const op = d === undefined ? undefined : DIRECTIVES[d];
      if (op === undefined) {
        throw new ArgumentError(
          `ts format ${JSON.stringify(pattern)}: unknown directive %${d ?? ''} (use %Y %y %m %d %e %H %I %M %S %p %b %B %f %z)`,
        );
      }
      if (op === OP_YEAR4 || op === OP_YEAR2) hasYear = true;
      if (op === OP_MONTH || op === OP_MONTH_NAME) {
        hasMonth = true;
        monthPos = i;
      }
      if (op === OP_DAY || op === OP_DAY_SPACE) {
        hasDay = true;
        dayPos = i;
      }
      if (op === OP_HOUR12) has12 = true;
      if (op === OP_AM_PM) hasAmPm = true;
      ops.push(op);
      lits.push(0);
    } else if (c === 32) {
      if (ops[ops.length - 1] !== OP_SPACE) {
        ops.push(OP_SPACE);
        lits.push(0);
      }
    } else {
      ops.push(OP_LITERAL);
      lits.push(c);
    }
  }
  if (!hasYear || !hasMonth || !hasDay) {
    throw new ArgumentError(`ts format ${JSON.stringify(pattern)} needs a year (%Y or %y), a month (%m or %b) and a day (%d)`);
  }
  if (has12 !== hasAmPm) {
    throw new ArgumentError(`ts format ${JSON.stringify(pattern)}: %I and %p go together (or use %H for a 24-hour clock)`);
  }
  for (let k = 0; k < ops.length; k++) {
    const w = WIDTH[ops[k] as Op] ?? 0;
    const next = ops[k + 1];
    const prev = ops[k - 1];
    // Exactly the width when a numeric field is next to it; otherwise 1..width digits.
    const packed = (next !== undefined && WIDTH[next] !== undefined) || (prev !== undefined && WIDTH[prev] !== undefined);
    widths.push(packed ? -w : w);
  }
  const opArr = Int32Array.from(ops);
  const widthArr = Int32Array.from(widths);
  const litArr = Int32Array.from(lits);
  const count = opArr.length;

  function parse(text: string): number {
    let start = 0;
    let end = text.length;
    while (start < end && isSpace(text.charCodeAt(start))) start++;
    while (end > start && isSpace(text.charCodeAt(end - 1))) end--;
    let pos = start;
    let year = -1;
    let month = -1;
    let day = -1;
    let hour = 0;
    let minute = 0;
    let second = 0;
    let millis = 0;
    let pm = -1;
    let offset = 0;
    for (let k = 0; k < count; k++) {
      const op = opArr[k]!;
      if (op === OP_LITERAL) {
        if (pos >= end || text.charCodeAt(pos) !== litArr[k]) return Number.NaN;
        pos++;
        continue;
      }
      if (op === OP_SPACE) {
        if (pos >= end || !isSpace(text.charCodeAt(pos))) return Number.NaN;
        while (pos < end && isSpace(text.charCodeAt(pos))) pos++;
        continue;
      }
      const w = widthArr[k]!;
      if (w !== 0) {
        if (op === OP_DAY_SPACE && pos < end && text.charCodeAt(pos) === 32) pos++;
        const width = w < 0 ? -w : w;
        let v = 0;
        let n = 0;
        while (n < width && pos < end && isDigit(text.charCodeAt(pos))) {
          v = v * 10 + text.charCodeAt(pos) - 48;
          pos++;
          n++;
        }
        if (n === 0 || (w < 0 && n < width)) return Number.NaN;
        switch (op) {
          case OP_YEAR4:
            if (n !== 4) return Number.NaN;
            year = v;
            break;
          case OP_YEAR2:
            if (n !== 2) return Number.NaN;
            // POSIX: 69-99 are 1969-1999, 00-68 are 2000-2068.
            year = v >= 69 ? 1900 + v : 2000 + v;
            break;
          case OP_MONTH:
            month = v;
            break;
          case OP_DAY:
          case OP_DAY_SPACE:
            day = v;
            break;
          case OP_HOUR24:
            if (v > 23) return Number.NaN;
            hour = v;
            break;
          case OP_HOUR12:
            if (v < 1 || v > 12) return Number.NaN;
            hour = v;
            break;
          case OP_MINUTE:
            if (v > 59) return Number.NaN;
            minute = v;
            break;
          default:
            if (v > 59) return Number.NaN;
            second = v;
        }
        continue;
      }
      if (op === OP_FRACTION) {
        const from = pos;
        let f = 0;
        while (pos < end && isDigit(text.charCodeAt(pos))) {
          if (pos - from < 3) f = f * 10 + text.charCodeAt(pos) - 48;
          pos++;
        }
        if (pos === from) return Number.NaN;
        for (let q = pos - from; q < 3; q++) f *= 10;
        millis = f;
      } else if (op === OP_AM_PM) {
        if (pos + 1 >= end) return Number.NaN;
        const a = text.charCodeAt(pos) | 32;
        if ((a !== 97 && a !== 112) || (text.charCodeAt(pos + 1) | 32) !== 109) return Number.NaN;
        pm = a === 112 ? 1 : 0;
        pos += 2;
      } else if (op === OP_MONTH_NAME) {
        const r = monthName(text, pos);
        if (r < 0) return Number.NaN;
        month = Math.floor(r / 100);
        pos += r % 100;
      } else {
        // OP_ZONE: Z, or ±HH, ±HHMM, ±HH:MM.
        if (pos >= end) return Number.NaN;
        const z = text.charCodeAt(pos);
        if (z === 90 || z === 122) {
          pos++;
          continue;
        }
        if (z !== 43 && z !== 45) return Number.NaN;
        pos++;
        if (pos + 2 > end || !isDigit(text.charCodeAt(pos)) || !isDigit(text.charCodeAt(pos + 1))) return Number.NaN;
        const oh = (text.charCodeAt(pos) - 48) * 10 + text.charCodeAt(pos + 1) - 48;
        pos += 2;
        let om = 0;
        if (pos < end && text.charCodeAt(pos) === 58) pos++;
        if (pos + 2 <= end && isDigit(text.charCodeAt(pos)) && isDigit(text.charCodeAt(pos + 1))) {
          om = (text.charCodeAt(pos) - 48) * 10 + text.charCodeAt(pos + 1) - 48;
          pos += 2;
        } else if (text.charCodeAt(pos - 1) === 58) return Number.NaN;
        if (oh > 23 || om > 59) return Number.NaN;
        offset = (z === 43 ? 1 : -1) * (oh * 3_600_000 + om * 60_000);
      }
    }
    if (pos !== end) return Number.NaN;
    if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return Number.NaN;
    if (pm >= 0) hour = (hour % 12) + (pm === 1 ? 12 : 0);
    const ms =
      daysFromCivil(year, month, day) * MS_PER_DAY + hour * 3_600_000 + minute * 60_000 + second * 1000 + millis - offset;
    return isValidTimestamp(ms) ? ms : Number.NaN;
  }

  const dayFirst = dayPos >= 0 && monthPos >= 0 && dayPos < monthPos;
  const swapped =
    pattern.includes('%d') && pattern.includes('%m')
      ? pattern.replace(/%d|%m/g, (x) => (x === '%d' ? '%m' : '%d'))
      : null;
  return { source: pattern, dayFirst, swapped, parse };
}
