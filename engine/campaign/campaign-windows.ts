/**
 * The two windows of a campaign (DESIGN "Campaigns"), in whole UTC days, both ends inclusive:
 * the campaign `C = [start, end]` and the baseline `P`, the `pre_days` days just before `start`
 * (default: as many days as `C`).
 */
import { ArgumentError } from '../errors.js';
import { MS_PER_DAY } from '../parse/parse-timestamp.js';

/** One window: first and last day (day numbers, `floor(ms / 86_400_000)`) and its length. */
export interface CampaignWindow {
  readonly fromDay: number;
  readonly toDay: number;
  readonly days: number;
}

/** Both windows. */
export interface CampaignWindows {
  readonly P: CampaignWindow;
  readonly C: CampaignWindow;
}

/** Longest baseline or campaign accepted: 100 years of days is no campaign anyone runs. */
const MAX_DAYS = 36_500;

/** A `YYYY-MM-DD` date as its day number; anything else (2021-02-30 included) is an ArgumentError naming the flag. */
export function parseDay(text: string, flag: string): number {
  const t = text.trim();
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(t);
  const ms = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : Number.NaN;
  // Date.UTC rolls 02-30 over into March: a real date reads back as itself.
  if (!m || Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== t) {
    const shown = t.length > 40 ? `${JSON.stringify(t.slice(0, 40))}…` : JSON.stringify(t);
    throw new ArgumentError(`${flag} ${shown} is not a date (YYYY-MM-DD)`);
  }
  return Math.floor(ms / MS_PER_DAY);
}

/** A day number as `YYYY-MM-DD`. */
export function dayText(day: number): string {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}

/** The windows of a campaign from `start` to `end` with `preDays` days of baseline (default: the campaign's length). */
export function campaignWindows(start: string, end: string, preDays?: number): CampaignWindows {
  const s = parseDay(start, '--start');
  const e = parseDay(end, '--end');
  if (e < s) throw new ArgumentError(`--end ${dayText(e)} is before --start ${dayText(s)}`);
  const days = e - s + 1;
  if (days > MAX_DAYS) throw new ArgumentError(`the campaign runs ${days} days; at most ${MAX_DAYS}`);
  const pre = preDays ?? days;
  if (!Number.isInteger(pre) || pre < 1 || pre > MAX_DAYS) throw new ArgumentError(`--pre-days must be a whole number of days from 1 to ${MAX_DAYS}`);
  return { P: { fromDay: s - pre, toDay: s - 1, days: pre }, C: { fromDay: s, toDay: e, days } };
}
