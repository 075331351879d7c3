/**
 * Cuts the inputs into shares, the pieces of work a worker reads and aggregates on its own. The
 * pool only schedules: each reader says how its files split (`planSplits`: Parquet row groups,
 * Arrow IPC file record batches, CSV byte ranges; NDJSON byte ranges here, see read-share.ts) and
 * reads a split (`readSplit`); this module groups neighbouring splits into about one share per
 * worker. Shares are numbered in input order; that number orders rejects, row numbers and
 * customers as one thread would.
 */
import { planArrowSplits } from '../read/arrow-reader.js';
import { toInputError } from '../read/byte-source.js';
import { planSplits as csvSplits } from '../read/csv-reader.js';
import type { InputFile } from '../read/open-input.js';
import { planSplits as parquetSplits } from '../read/parquet-native.js';
import type { InputFormat } from '../read/raw-batch.js';

/** One piece of one input file. `part` selects rows: a byte range, row groups or record batches. */
export interface Share {
  /** Position of the share in input order (unique; orders rejects and customers). */
  readonly index: number;
  /** Index of the file in the input list. */
  readonly file: number;
  readonly path: string;
  readonly format: InputFormat;
  /** Bytes of the file this share accounts for in progress. */
  readonly bytes: number;
  /** Rows of the share when its file says so up front (Parquet's row groups), for sizing the sink; absent: unknown. */
  readonly rows?: number;
  readonly part: SharePart;
}

/** What part of its file a share reads. */
export type SharePart =
  | { readonly kind: 'whole' }
  | { readonly kind: 'bytes'; readonly start: number; readonly end: number }
  | { readonly kind: 'row-groups'; readonly from: number; readonly to: number; readonly groupBytes: readonly number[] }
  | { readonly kind: 'batches'; readonly from: number; readonly to: number };

/** Text ranges below this size are not worth a worker (tests lower it). */
export const DEFAULT_MIN_SHARE_BYTES = 4 << 20;

/** Plans the shares of `files` for `workers` workers (one share per worker's worth of bytes). */
export async function planShares(
  files: readonly InputFile[],
  workers: number,
  format: InputFormat | undefined,
  minShareBytes = DEFAULT_MIN_SHARE_BYTES,
): Promise<Share[]> {
  const total = files.reduce((s, f) => s + Math.max(0, f.size), 0);
  const target = Math.max(1, Math.ceil(total / workers));
  const shares: Share[] = [];
  for (let file = 0; file < files.length; file++) {
    const f = files[file]!;
    const fmt = format ?? f.format ?? 'csv';
    const wanted = workers === 1 ? 1 : Math.max(1, Math.round(f.size / target));
    const base = { file, path: f.path, format: fmt };
    const push = (bytes: number, part: SharePart, rows?: number): void => void shares.push({ index: shares.length, ...base, bytes, ...(rows !== undefined && rows >= 0 ? { rows } : {}), part });
    try {
      // A gzip stream has no random access: the whole file is one share.
      if (f.compression === 'gzip') push(f.size, { kind: 'whole' });
      else if ((fmt === 'csv' || fmt === 'ndjson') && wanted > 1) {
        // NDJSON cuts like CSV (a value never holds a raw newline), without a header line.
        for (const { start, end } of csvSplits(f.path, f.size, wanted, minShareBytes)) push(end - start, { kind: 'bytes', start, end });
      } else if (fmt === 'parquet') {
        // Also for one share: the footer's row counts size the worker's sink up front.
        const splits = await parquetSplits(f.path);
        const groupBytes = splits.map((split) => split.bytes);
        const groupRows = splits.map((split) => split.rows);
        if (wanted === 1 || groupBytes.length === 0) push(f.size, { kind: 'whole' }, groupRows.every((r) => r >= 0) ? sum(groupRows, 0, groupRows.length) : undefined);
        else {
          for (const [from, to] of cut(groupBytes.length, wanted)) {
            const rows = groupRows.slice(from, to);
            push(sum(groupBytes, from, to), { kind: 'row-groups', from, to, groupBytes: groupBytes.slice(from, to) }, rows.every((r) => r >= 0) ? sum(rows, 0, rows.length) : undefined);
          }
        }
      } else if (fmt === 'arrow' && wanted > 1) {
        const batches = (await planArrowSplits(f.path)).length;
        for (const [from, to] of cut(batches, wanted)) push(Math.round((f.size * (to - from)) / batches), { kind: 'batches', from, to });
        if (batches === 0) push(f.size, { kind: 'whole' });
      } else {
        push(f.size, { kind: 'whole' });
      }
    } catch (err) {
      throw toInputError(f.path, err);
    }
  }
  return shares;
}

/** `count` items cut into at most `pieces` contiguous non-empty runs `[from, to)`. */
function cut(count: number, pieces: number): Array<[number, number]> {
  const k = Math.min(count, pieces);
  const out: Array<[number, number]> = [];
  for (let i = 0; i < k; i++) out.push([Math.floor((i * count) / k), Math.floor(((i + 1) * count) / k)]);
  return out;
}

function sum(values: readonly number[], from: number, to: number): number {
  let s = 0;
  for (let i = from; i < to; i++) s += values[i]!;
  return s;
}
