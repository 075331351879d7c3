/**
 * Value rules of DESIGN "Data in", one small pure function per (column, encoding), wired once
 * per batch in parse-batch.ts rather than switched on inside the row loop.
 * Numbers and timestamps come back as NaN when they do not parse; `isBlank` tells missing from bad.
 */
import { MONEY_SCALE } from '../aggregate/money.js';
import { type DecimalMark, numberFromMarkedText } from './money-text.js';
import { isValidTimestamp, parseTimestamp } from './parse-timestamp.js';

/**
 * Longest customer id, in UTF-8 bytes. Longer text is a `bad_customer_id` row: no shop's id is
 * that long, and every id is kept in memory, hashed, logged and exported, so one 1 MB "id" would
 * cost more than a million ordinary customers.
 */
export const MAX_ID_BYTES = 1024;

/**
 * Largest |amount| or |margin|: money is summed exactly in units of 1/MONEY_SCALE (money.ts), which
 * a double holds exactly only up to 2^53, so |x| * MONEY_SCALE must stay within it (about 9.007e11).
 * Beyond it (1e308, Infinity) the row is `bad_amount` / `bad_margin`.
 */
export const MAX_MONEY = Number.MAX_SAFE_INTEGER / MONEY_SCALE;

/** True when `x` is money the sums can hold exactly (finite, |x| <= MAX_MONEY). */
export function isValidMoney(x: number): boolean {
  return x >= -MAX_MONEY && x <= MAX_MONEY;
}

function utf8Length(s: string): number {
  // A UTF-16 code unit takes 1 to 3 UTF-8 bytes, so only the middle range needs counting.
  if (s.length * 3 <= MAX_ID_BYTES) return s.length;
  if (s.length > MAX_ID_BYTES) return s.length;
  return Buffer.byteLength(s, 'utf8');
}

/** A canonical customer key: a safe integer as a number, any other text exactly as given. */
export type CustomerKey = number | string;

function isCanonicalInteger(s: string): boolean {
  const n = s.length;
  let i = s.charCodeAt(0) === 45 /* - */ ? 1 : 0;
  if (i === n || n - i > 16) return false;
  // No leading zeros ("042" stays text), and "-0" is not the canonical text of 0.
  if (s.charCodeAt(i) === 48 && (n - i > 1 || i === 1)) return false;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/**
 * Result of reading a customer id: the key, `undefined` when the id is missing, `null` when it
 * has a type no id can have (a fraction, a boolean, an object).
 */
export type KeyResult = CustomerKey | undefined | null;

/** True for the texts that say "no value": `NA`, `N/A`, `NULL`, `None`, `nan`, any case, trimmed. */
function isMissingToken(s: string): boolean {
  const t = isSpaceCode(s.charCodeAt(0)) || isSpaceCode(s.charCodeAt(s.length - 1)) ? s.trim() : s;
  if (t.length < 2 || t.length > 4) return false;
  switch (t.toLowerCase()) {
    case 'na':
    case 'n/a':
    case 'null':
    case 'none':
    case 'nan':
      return true;
    default:
      return false;
  }
}

/** JavaScript's white space and line terminators (what `String.prototype.trim` removes). */
function isSpaceCode(c: number): boolean {
  if (c <= 32) return c === 32 || (c >= 9 && c <= 13);
  if (c < 0xa0) return false;
  return (
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

/** `13085.0`, `13085.00`: an integral decimal (pandas writes integer ids of a column with gaps so). */
const INTEGRAL_DECIMAL = /^(-?(?:0|[1-9]\d{0,15}))\.0+$/;

/**
 * Customer (or order) id from text: canonical integers become numbers so `42` and `"42"` meet,
 * and so does an integral decimal (`13085.0` is 13085); blank text and the missing-value tokens
 * (`NA`, `NULL`, ...) are no id (undefined); text longer than MAX_ID_BYTES is a bad id (null);
 * any other text is kept exactly as given.
 */
export function customerKeyFromText(s: string | null | undefined): KeyResult {
  if (s === null || s === undefined || s === '') return undefined;
  if (s.length * 3 > MAX_ID_BYTES && utf8Length(s) > MAX_ID_BYTES) return null;
  if (isCanonicalInteger(s)) {
    const v = Number(s);
    if (Number.isSafeInteger(v)) return v;
    return s;
  }
  if (isSpaceCode(s.charCodeAt(0)) || isSpaceCode(s.charCodeAt(s.length - 1))) {
    if (s.trim() === '') return undefined;
  }
  if (isMissingToken(s)) return undefined;
  if (s.charCodeAt(s.length - 1) === 48 /* 0 */) {
    const m = INTEGRAL_DECIMAL.exec(s);
    if (m !== null && m[1] !== '-0') {
      const v = Number(m[1]);
      if (Number.isSafeInteger(v)) return v;
    }
  }
  return s;
}

/** Customer (or order) id from a JSON or Arrow value; a float NaN (pandas' missing value) is no id. */
export function customerKeyFromValue(v: unknown): KeyResult {
  switch (typeof v) {
    case 'string':
      return customerKeyFromText(v);
    case 'number':
      if (Number.isSafeInteger(v)) return v === 0 ? 0 : v;
      return Number.isNaN(v) ? undefined : null;
    case 'bigint':
      // Beyond 2^53 the canonical decimal text is the key, as it would be for the same id in a CSV.
      return v >= MIN_SAFE && v <= MAX_SAFE ? Number(v) : v.toString();
    default:
      return v === null || v === undefined ? undefined : null;
  }
}

const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

// One way to match any text (`\d+(\.\d*)?`, not `\d+\.?\d*`): the old form split a run of digits
// between its two \d in every way before failing, quadratic in the field (51 s for 100,000 digits and an x).
const DECIMAL = /^\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\s*$/;

/**
 * A money amount from text, decimal point: plain decimal notation first (the common path), then
 * currency signs, spaces and `1,234.50` grouping (money-text.ts); within ±MAX_MONEY.
 */
export function numberFromText(s: string | null | undefined): number {
  if (s === null || s === undefined || s === '') return Number.NaN;
  const v = DECIMAL.test(s) ? Number(s) : numberFromMarkedText(s, '.');
  return isValidMoney(v) ? v : Number.NaN;
}

/** A money amount from text with a decimal comma (`5,30`, `€ 1.234,50`); within ±MAX_MONEY. */
export function numberFromCommaText(s: string | null | undefined): number {
  if (s === null || s === undefined || s === '') return Number.NaN;
  const v = numberFromMarkedText(s, ',');
  return isValidMoney(v) ? v : Number.NaN;
}

/** The text reader for a decimal mark. */
export function numberTextReader(mark: DecimalMark): (s: string | null | undefined) => number {
  return mark === ',' ? numberFromCommaText : numberFromText;
}

/** True when a raw value counts as missing rather than bad. */
export function isBlank(raw: unknown): boolean {
  return (
    raw === null ||
    raw === undefined ||
    raw === '' ||
    (typeof raw === 'string' && isSpaceCode(raw.charCodeAt(0)) && raw.trim() === '')
  );
}

/** A money amount from a JSON or Arrow value, within ±MAX_MONEY; text by the decimal mark. */
export function numberFromValue(v: unknown, mark: DecimalMark = '.'): number {
  switch (typeof v) {
    case 'number':
      return isValidMoney(v) ? v : Number.NaN;
    case 'bigint': {
      const n = Number(v);
      return isValidMoney(n) ? n : Number.NaN;
    }
    case 'string':
      return mark === ',' ? numberFromCommaText(v) : numberFromText(v);
    default:
      return Number.NaN;
  }
}

/**
 * A timestamp from a JSON or Arrow value: numbers are epoch milliseconds, text is ISO-8601; an
 * instant outside the `Date` range (isValidTimestamp) is NaN.
 */
export function timestampFromValue(v: unknown): number {
  switch (typeof v) {
    case 'number':
      return isValidTimestamp(v) ? v : Number.NaN;
    case 'bigint': {
      const n = Number(v);
      return isValidTimestamp(n) ? n : Number.NaN;
    }
    case 'string':
      return parseTimestamp(v);
    case 'object':
      return v instanceof Date && isValidTimestamp(v.getTime()) ? v.getTime() : Number.NaN;
    default:
      return Number.NaN;
  }
}

/** A timestamp from a text field. */
export function timestampFromText(s: string | null | undefined): number {
  return s === null || s === undefined || s === '' ? Number.NaN : parseTimestamp(s);
}
