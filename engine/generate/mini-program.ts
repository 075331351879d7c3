/**
 * A simulated loyalty mini-program (issue 12's seeds: "a set of participants whose spend rises
 * for three months"), an option of `generate`. Off by default: without it the file is byte for
 * byte what it always was.
 *
 * Who takes part: a customer still active when the program starts (acquired before the start,
 * not yet churned) who buys more than once, each with probability `share`, drawn from a stream of
 * its own, so the program never shifts the other draws. What changes: every purchase a
 * participant makes inside the program's days is `1 + uplift` times as large. Nothing else moves
 * (no row is added or dated differently), so the same seed without the program is the exact
 * counterfactual: the injected uplift of each participant is the difference of the two files.
 */
import { ArgumentError } from '../errors.js';
import { MS_PER_DAY } from '../parse/parse-timestamp.js';
import { Prng } from './prng.js';

/** The program, as `generate` takes it. */
export interface MiniProgramOptions {
  /** First day, `YYYY-MM-DD` (default: `days` days before the history's last day, so it ends on it). */
  readonly start?: string;
  /** Length in days (default 91: three months). */
  readonly days?: number;
  /** Chance that an eligible customer takes part, 0..1 (default 0.2). */
  readonly share?: number;
  /** Spend multiplier minus one of a participant's purchases in the program (default 0.5: +50%). */
  readonly uplift?: number;
}

/** The program resolved against the history's end. */
export interface MiniProgram {
  readonly startMs: number;
  /** Last millisecond of the last day. */
  readonly endMs: number;
  readonly share: number;
  readonly uplift: number;
  /** Start and last day, `YYYY-MM-DD`. */
  readonly from: string;
  readonly to: string;
}

const KNOWN = new Set(['start', 'days', 'share', 'uplift']);
/** The program's own draws (the drawer uses streams 0-2). */
const PROGRAM_STREAM = 3;

function dayText(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Checks the program's options once; `historyEndMs` is the last millisecond of the history. */
export function resolveMiniProgram(opts: MiniProgramOptions, historyEndMs: number): MiniProgram {
  if (typeof opts !== 'object' || opts === null) throw new ArgumentError('program must be an object');
  for (const key of Object.keys(opts)) if (!KNOWN.has(key)) throw new ArgumentError(`unknown program option ${key}; known: ${[...KNOWN].join(', ')}`);
  const days = opts.days ?? 91;
  if (!Number.isInteger(days) || days < 1 || days > 3650) throw new ArgumentError(`program days must be an integer from 1 to 3650, got ${String(days)}`);
  const share = opts.share ?? 0.2;
  if (typeof share !== 'number' || !(share > 0 && share <= 1)) throw new ArgumentError(`program share must be in (0, 1], got ${String(share)}`);
  const uplift = opts.uplift ?? 0.5;
  if (typeof uplift !== 'number' || !(uplift > -1 && uplift <= 100)) throw new ArgumentError(`program uplift must be in (-1, 100], got ${String(uplift)}`);
  const lastDayStart = historyEndMs + 1 - MS_PER_DAY;
  let startMs = lastDayStart - (days - 1) * MS_PER_DAY;
  if (opts.start !== undefined) {
    const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(opts.start);
    startMs = match ? Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) : Number.NaN;
    if (Number.isNaN(startMs) || dayText(startMs) !== opts.start) throw new ArgumentError(`program start must be a date YYYY-MM-DD, got ${opts.start}`);
  }
  const endMs = startMs + days * MS_PER_DAY - 1;
  if (startMs > lastDayStart) throw new ArgumentError(`program start ${dayText(startMs)} is after the history's last day ${dayText(lastDayStart)}`);
  return { startMs, endMs, share, uplift, from: dayText(startMs), to: dayText(endMs) };
}

/** Picks the participants, customer by customer, and scales their purchases in the program. */
export class MiniProgramDraw {
  private readonly rng: Prng;
  private readonly factor: number;
  /** Ids of the participants, in drawing order. */
  readonly participants: number[] = [];
  /** Whether the customer being drawn takes part. */
  current = false;

  constructor(
    readonly program: MiniProgram,
    seed: number,
  ) {
    this.rng = new Prng(seed, PROGRAM_STREAM);
    this.factor = 1 + program.uplift;
  }

  /** Decides for the next customer; one draw per customer whatever the outcome, so choices never shift. */
  startCustomer(id: number, acquiredMs: number, lastMs: number, laterRows: number): void {
    const u = this.rng.uniform();
    this.current = laterRows > 0 && acquiredMs < this.program.startMs && lastMs >= this.program.startMs && u < this.program.share;
    if (this.current) this.participants.push(id);
  }

  /** A purchase of `cents` at `ts` of the current customer, as the program makes it. */
  purchase(cents: number, ts: number): number {
    return this.current && ts >= this.program.startMs && ts <= this.program.endMs ? Math.round(cents * this.factor) : cents;
  }
}

/** The participants as an id file `segstream campaign --participants` reads (a `customer_id` column, ids ascending). */
export function participantsCsv(ids: readonly number[]): string {
  return `customer_id\n${[...ids].sort((a, b) => a - b).join('\n')}\n`;
}
