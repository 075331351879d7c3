/**
 * Money as shops write it: a currency sign before or after (any Unicode currency symbol, \p{Sc}),
 * spaces (also no-break and narrow no-break), a decimal point or a decimal comma, and thousands
 * separators only where they cannot be taken for the decimal mark: `1,234.50` under `.`,
 * `1.234,50` under `,`, groups of exactly three digits, and spaces under either.
 * Plain `12.34` never comes here: parse-values.ts tries its fast path first.
 */

/** The decimal mark of text numbers. */
export type DecimalMark = '.' | ',';

// After trimming: sign? currency? sign? body currency?, at most one space between the parts, a
// space inside the body only before a digit. Every part is optional or a distinct class, so the
// regex cannot backtrack more than a few steps, whatever the text (no ReDoS on a 1 MB field).
const SHAPE = /^([+\-\u2212]?)\s?(\p{Sc}?)\s?([+\-\u2212]?)\s?([0-9](?:[0-9.,]|\s(?=[0-9]))*|[.,][0-9]+)\s?(\p{Sc}?)$/u;
/** No money text is longer; longer text is not money. */
const MAX_MONEY_TEXT = 100;
const SPACES = /\s/g;
const DOT_BODY = /^(?:\d+|\d{1,3}(?:,\d{3})+)(?:\.\d*)?$|^\.\d+$/;
const COMMA_BODY = /^(?:\d+|\d{1,3}(?:\.\d{3})+)(?:,\d*)?$|^,\d+$/;
const SPACE_GROUPS = /^\d{1,3}(?:\s\d{3})+(?:[.,]\d*)?$/;

/**
 * The number a text holds under `mark`, or NaN. The caller bounds it (MAX_MONEY). A sign given
 * twice, two currency signs, letters, `Infinity` and `NaN` are NaN.
 */
export function numberFromMarkedText(s: string, mark: DecimalMark): number {
  if (s.length > MAX_MONEY_TEXT) return Number.NaN;
  const m = SHAPE.exec(s.trim());
  if (m === null) return Number.NaN;
  const [, sign1, cur1, sign2, rawBody, cur2] = m as unknown as [string, string, string, string, string, string];
  if ((sign1 !== '' && sign2 !== '') || (cur1 !== '' && cur2 !== '')) return Number.NaN;
  let body = rawBody;
  if (/\s/.test(body)) {
    if (!SPACE_GROUPS.test(body)) return Number.NaN;
    body = body.replace(SPACES, '');
  }
  let plain: string;
  if (mark === '.') {
    if (!DOT_BODY.test(body)) return Number.NaN;
    plain = body.includes(',') ? body.replace(/,/g, '') : body;
  } else {
    if (!COMMA_BODY.test(body)) return Number.NaN;
    plain = body.replace(/\./g, '').replace(',', '.');
  }
  if (plain === '.') return Number.NaN;
  const v = Number(plain);
  if (Number.isNaN(v)) return Number.NaN;
  return sign1 === '' && sign2 === '' ? v : sign1 === '+' || sign2 === '+' ? v : -v;
}

/**
 * What one text value says about the decimal mark: `,` when a comma is its last separator with one
 * or two digits after it (`5,30`, `€ 1.234,50`), `.` when a point is, with other than three digits
 * after it or after a comma (`12.34`, `1,234.5`, `1,234.567`); null when it cannot tell (`1,234`, `1.234`, `12`).
 */
export function decimalVote(s: string): DecimalMark | null {
  const lastComma = s.lastIndexOf(',');
  const lastDot = s.lastIndexOf('.');
  if (lastComma < 0 && lastDot < 0) return null;
  const last = Math.max(lastComma, lastDot);
  let digits = 0;
  for (let i = last + 1; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
    else break;
  }
  if (last === lastComma) {
    if (lastDot >= 0) return digits !== 3 ? ',' : null;
    return digits === 1 || digits === 2 ? ',' : null;
  }
  if (lastComma >= 0) return '.';
  return digits !== 3 ? '.' : null;
}
