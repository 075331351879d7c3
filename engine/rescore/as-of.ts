import { ArgumentError } from '../errors.js';
import { endOfDay } from '../aggregate/finalize.js';
import { parseTimestamp } from '../parse/parse-timestamp.js';

/**
 * `--as-of`: a bare date means the end (23:59:59.999 UTC) of that day; a date-time is taken as
 * the instant it names.
 */
export function parseAsOf(text: string): number {
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(text.trim()) ? endOfDay(parseTimestamp(text)) : parseTimestamp(text);
  if (Number.isNaN(ms) || !/^\d{4}-/.test(text.trim())) {
    throw new ArgumentError(`--as-of ${JSON.stringify(text)} is not a date (YYYY-MM-DD) or an ISO-8601 date-time`);
  }
  return ms;
}
