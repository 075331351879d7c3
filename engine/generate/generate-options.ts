/**
 * The options of `generate` and their one-time validation (undici-style: an unknown or misspelt
 * option is an error that names the option meant).
 */

import { ArgumentError } from '../errors.js';
import { MS_PER_DAY } from '../parse/parse-timestamp.js';
import { type MiniProgram, type MiniProgramOptions, resolveMiniProgram } from './mini-program.js';

/** Output formats the generator writes. */
export const GENERATE_FORMATS = ['csv', 'ndjson', 'arrow', 'parquet'] as const;

/** One of the output formats. */
export type GenerateFormat = (typeof GENERATE_FORMATS)[number];

/** Options of `generate`. */
export interface GenerateOptions {
  /** Number of distinct customers, >= 1. */
  customers: number;
  /** Number of rows, >= customers (every customer has at least one purchase). */
  transactions: number;
  /** Output format. */
  format: GenerateFormat;
  /** Seed: same seed and options give a byte-identical file. */
  seed: number;
  /** Output path, or `-` for standard output. */
  out: string;
  /** Last day of the history, `YYYY-MM-DD` (UTC); default `2026-06-30`. */
  endDate?: string;
  /** Called after each chunk with the number of rows handed to the writer so far. */
  onProgress?: (rowsWritten: number) => void;
  /** Simulate a loyalty mini-program (mini-program.ts); none by default. */
  program?: MiniProgramOptions;
}

/** What `generate` wrote. */
export interface GenerateResult {
  /** Rows written (equals `transactions`). */
  rows: number;
  /** Distinct customers written (equals `customers`). */
  customers: number;
  /** Bytes written to the output. */
  bytes: number;
  /** The mini-program, when one was simulated: its days and the ids of its participants. */
  program?: { from: string; to: string; participants: number[] };
}

/** Validated options, with the end date resolved to the last millisecond of that UTC day. */
export interface ResolvedGenerateOptions {
  readonly customers: number;
  readonly transactions: number;
  readonly format: GenerateFormat;
  readonly seed: number;
  readonly out: string;
  readonly endMs: number;
  readonly onProgress: ((rowsWritten: number) => void) | undefined;
  readonly program: MiniProgram | null;
}

/** Default last day of the generated history. */
export const DEFAULT_END_DATE = '2026-06-30';

// Ids are written as Int32 in Arrow and Parquet.
const MAX_CUSTOMERS = 2 ** 31 - 1;
const KNOWN_KEYS = new Set(['customers', 'transactions', 'format', 'seed', 'out', 'endDate', 'onProgress', 'program']);
const HINTS: Record<string, string> = {
  customer: 'customers',
  rows: 'transactions',
  transaction: 'transactions',
  output: 'out',
  path: 'out',
  end: 'endDate',
  end_date: 'endDate',
  progress: 'onProgress',
};

function positiveInteger(name: string, value: unknown, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw new ArgumentError(`${name} must be an integer from 1 to ${max}, got ${String(value)}`);
  }
  return value;
}

function parseEndDate(value: unknown): number {
  const text = value === undefined ? DEFAULT_END_DATE : value;
  const match = typeof text === 'string' ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(text) : null;
  if (match === null) {
    throw new ArgumentError(`endDate must be a date YYYY-MM-DD, got ${String(value)}`);
  }
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const startMs = Date.UTC(year, month - 1, day);
  const check = new Date(startMs);
  // Date.UTC rolls 2026-02-30 over into March; a rolled date is a typo, not a wish.
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) {
    throw new ArgumentError(`endDate is not a calendar date: ${String(text)}`);
  }
  if (year < 1972) throw new ArgumentError(`endDate must be 1972-01-01 or later, got ${String(text)}`);
  return startMs + MS_PER_DAY - 1;
}

/** Checks `generate`'s options once; throws `ArgumentError` naming the first wrong one. */
export function resolveGenerateOptions(opts: GenerateOptions): ResolvedGenerateOptions {
  if (typeof opts !== 'object' || opts === null) throw new ArgumentError('generate options must be an object');
  for (const key of Object.keys(opts)) {
    if (!KNOWN_KEYS.has(key)) {
      const hint = HINTS[key];
      throw new ArgumentError(`unknown generate option ${key}${hint === undefined ? '' : `, use ${hint} instead`}`);
    }
  }
  const customers = positiveInteger('customers', opts.customers, MAX_CUSTOMERS);
  const transactions = positiveInteger('transactions', opts.transactions, Number.MAX_SAFE_INTEGER);
  if (transactions < customers) {
    throw new ArgumentError(
      `transactions (${transactions}) must be at least customers (${customers}): every customer has at least one purchase`,
    );
  }
  if (!(GENERATE_FORMATS as readonly unknown[]).includes(opts.format)) {
    throw new ArgumentError(`format must be one of ${GENERATE_FORMATS.join(', ')}, got ${String(opts.format)}`);
  }
  if (typeof opts.seed !== 'number' || !Number.isSafeInteger(opts.seed) || opts.seed < 0) {
    throw new ArgumentError(`seed must be a non-negative integer, got ${String(opts.seed)}`);
  }
  if (typeof opts.out !== 'string' || opts.out.length === 0) {
    throw new ArgumentError('out must be a file path or - for standard output');
  }
  if (opts.onProgress !== undefined && typeof opts.onProgress !== 'function') {
    throw new ArgumentError('onProgress must be a function');
  }
  const endMs = parseEndDate(opts.endDate);
  return {
    customers,
    transactions,
    format: opts.format,
    seed: opts.seed,
    out: opts.out,
    endMs,
    onProgress: opts.onProgress,
    program: opts.program === undefined ? null : resolveMiniProgram(opts.program, endMs),
  };
}
