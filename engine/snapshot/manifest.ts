/** The `manifest.json` of a snapshot: what was read, how it was scored, what came out. */
import { InternalError } from '../errors.js';
import { MAX_TIMESTAMP_MS, isValidTimestamp } from '../parse/parse-timestamp.js';
import type { RejectReason } from '../parse/reject-log.js';
import type { RfmThresholds } from '../score/rfm-scorer.js';
import type { SpendBandRow } from '../segment/spend-bands.js';

/** One input file of a rescore. */
export interface ManifestInput {
  readonly path: string;
  readonly format: string;
  readonly bytes: number;
  readonly rows: number;
}

/**
 * How the input was read (DESIGN "Real exports"): every decision the parser made, so a number
 * can be traced to how its rows were read.
 */
export interface InputDecisions {
  /** Source column of each contract column read. */
  readonly columns: Record<string, string>;
  /** `amount` read from its column, or computed as `quantity * price` (exact in units of 0.0001). */
  readonly amount: 'column' | 'quantity*price';
  /** Whether `order_id` was read: orders and returns then count distinct orders. */
  readonly order_id: boolean;
  /** What was asked (`--ts-format` / `input.ts_format`, `--decimal` / `input.decimal`). */
  readonly ts_format: string;
  readonly decimal_option: string;
  /** How `ts` was read: `iso`, `yyyymmdd`, `epoch_s`, `epoch_ms`, `pattern` (with the pattern), `native` or `undecided`; given or sniffed. */
  readonly ts: { readonly kind: string; readonly pattern?: string; readonly source: string };
  /** The integer kind of integer timestamps (`yyyymmdd`, `epoch_s`, `epoch_ms`), null when they are not integers. */
  readonly ts_integer_kind: string | null;
  /** The decimal mark of text numbers, and whether it was given, sniffed or the default. */
  readonly decimal: { readonly mark: string; readonly source: string };
  /** Input files read through gunzip. */
  readonly gzip: string[];
  /** Files of an input folder left out, with why. */
  readonly skipped: Array<{ readonly path: string; readonly reason: string }>;
}

/** Everything recorded about a snapshot. */
export interface Manifest {
  readonly format_version: 1;
  readonly id: string;
  readonly created_at: string;
  readonly as_of: string;
  readonly as_of_ms: number;
  readonly config_hash: string;
  readonly config: unknown;
  readonly inputs: ManifestInput[];
  readonly rows: { readonly read: number; readonly valid: number; readonly rejected: number; readonly future: number };
  readonly rejects: Partial<Record<RejectReason, number>>;
  readonly customers: number;
  readonly purchasing_customers: number;
  readonly revenue: number;
  readonly thresholds: RfmThresholds & { readonly spend_band: { readonly by: string; readonly thresholds: number[]; readonly edges: number[] | null } };
  readonly segments: Record<string, number>;
  readonly spend_bands: SpendBandRow[];
  readonly tiers: Record<string, number>;
  readonly lifecycle: Record<string, number>;
  readonly win_back: number;
  readonly models: unknown;
  readonly warnings: string[];
  readonly engine: string;
  readonly timings_ms: Record<string, number>;
  readonly previous: string | null;
  /**
   * The publishing guard's shares (DESIGN "A bad run never goes live") and the failed checks
   * `--force` published over; absent in snapshots written before the guard.
   */
  readonly publish?: { readonly reject_share: number; readonly anonymous_share: number; readonly forced: string[] };
  /** How the input was read; absent in snapshots written before it was recorded. */
  readonly input?: { readonly decisions: InputDecisions };
}

/**
 * An instant as ISO-8601 text. Inputs are validated to the `Date` range before they get here, so
 * a value outside it is a bug: say so with a code instead of `Date`'s bare "Invalid time value".
 */
export function isoTime(ms: number): string {
  if (!isValidTimestamp(ms)) throw new InternalError(`timestamp ${ms} is outside the Date range (±${MAX_TIMESTAMP_MS} ms)`);
  return new Date(ms).toISOString();
}
