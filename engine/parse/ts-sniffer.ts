/**
 * Sniffs which known text pattern a column's dates follow: every candidate that fails a value
 * drops out, until one remains. Day-first and month-first twins (`%d/%m/%Y`, `%m/%d/%Y`) both
 * remain while every day seen is <= 12; then the caller must ask the user (`--ts-format`).
 */
import { type TsPattern, compileTsPattern } from './ts-pattern.js';

const DATES = [
  '%m/%d/%Y',
  '%d/%m/%Y',
  '%m/%d/%y',
  '%d/%m/%y',
  '%d.%m.%Y',
  '%d.%m.%y',
  '%d-%m-%Y',
  '%m-%d-%Y',
  '%Y/%m/%d',
  '%Y.%m.%d',
  '%d %b %Y',
  '%d-%b-%Y',
  '%d-%b-%y',
  '%b %d %Y',
  '%b %d, %Y',
];
const TIMES = ['', ' %H:%M', ' %H:%M:%S', ' %H:%M:%S.%f', ' %I:%M %p', ' %I:%M:%S %p', 'T%H:%M:%S'];

/** The patterns `auto` tries on text that is neither ISO-8601 nor an integer, in order of preference. */
export const KNOWN_TS_PATTERNS: readonly string[] = DATES.flatMap((d) => TIMES.map((t) => d + t));

let compiled: TsPattern[] | null = null;

/** Outcome of a sniff so far. */
export type SniffResult =
  | { readonly state: 'decided'; readonly pattern: string }
  | { readonly state: 'ambiguous'; readonly dayFirst: string; readonly monthFirst: string }
  | { readonly state: 'none' };

/** Candidate patterns and how many values each has failed. */
export class TsSniffer {
  private readonly patterns: TsPattern[];
  private readonly fails: Int32Array;
  private readonly fits: Int32Array;
  /** Non-blank values seen. */
  seen = 0;
  private left: number;

  constructor() {
    compiled ??= KNOWN_TS_PATTERNS.map(compileTsPattern);
    this.patterns = compiled;
    this.fails = new Int32Array(compiled.length);
    this.fits = new Int32Array(compiled.length);
    this.left = compiled.length;
  }

  /** Tries one value against the candidates still without a failure (all of them once none is left). */
  add(text: string): void {
    this.seen++;
    const anyLeft = this.left > 0;
    for (let k = 0; k < this.patterns.length; k++) {
      if (anyLeft && this.fails[k]! > 0) continue;
      if (Number.isNaN(this.patterns[k]!.parse(text))) {
        if (this.fails[k]!++ === 0) this.left--;
      } else this.fits[k]!++;
    }
  }

  private remaining(): number[] {
    const out: number[] = [];
    for (let k = 0; k < this.patterns.length; k++) if (this.fails[k] === 0) out.push(k);
    return out;
  }

  /** Where the sniff stands: one pattern, a day-first/month-first tie, or no pattern that fits anything. */
  result(): SniffResult {
    const left = this.remaining();
    if (left.length === 0) {
      // No pattern fits every value: the one that fits most, so the rest are bad_ts rows.
      let best = -1;
      for (let k = 0; k < this.patterns.length; k++) if (this.fits[k]! > 0 && (best < 0 || this.fits[k]! > this.fits[best]!)) best = k;
      return best < 0 ? { state: 'none' } : { state: 'decided', pattern: this.patterns[best]!.source };
    }
    for (const k of left) {
      const p = this.patterns[k]!;
      if (p.swapped === null) continue;
      const twin = left.find((j) => this.patterns[j]!.source === p.swapped);
      if (twin !== undefined) {
        return p.dayFirst
          ? { state: 'ambiguous', dayFirst: p.source, monthFirst: p.swapped }
          : { state: 'ambiguous', dayFirst: p.swapped, monthFirst: p.source };
      }
    }
    return { state: 'decided', pattern: this.patterns[left[0]!]!.source };
  }
}
