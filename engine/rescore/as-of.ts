import { ArgumentError } from '../errors.js';
import { endOfDay } from '../aggregate/finalize.js';
import { isValidTimestamp, parseTimestamp } from '../parse/parse-timestamp.js';

/**
 * `--as-of`: a bare date means the end (23:59:59.999 UTC) of that day; a date-time is taken as
 * the instant it names. Anything else, or an instant outside the `Date` range (which no manifest
 * or export could write), is an ArgumentError.
 */
export function parseAsOf(text: string): number {
  const t = text.trim();
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(t) ? endOfDay(parseTimestamp(t)) : parseTimestamp(t);
  if (!isValidTimestamp(ms) || !/^\d{4}-/.test(t)) {
    const shown = t.length > 40 ? `${JSON.stringify(t.slice(0, 40))}…` : JSON.stringify(t);
    throw new ArgumentError(`--as-of ${shown} is not a date (YYYY-MM-DD) or an ISO-8601 date-time within the years 0000-9999`);
  }
  return ms;
}
