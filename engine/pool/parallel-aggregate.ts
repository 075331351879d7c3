/**
 * The read → parse → aggregate → finalize stage on a worker pool: two-phase, radix-partitioned
 * aggregation. The main thread plans shares and routes transferred buffers; it never touches a
 * row, and on the native kernels not a customer either.
 *
 *   phase 1  worker: share s ──read/parse/aggregate──► state s ──cut by hash(key) % P──► packs s.0 … s.P-1
 *   phase 2  worker: packs 0.p, 1.p, … (share order) ──merge──► partition p ──finalize(as_of)──► part p
 *            native: the P tasks then copy the base's rows from every part, range by range
 *            (native/src/partial/shared_base.rs); TypeScript: the main thread merges the parts
 *   main:    the base (parts 0 … P-1 merged on first appearance), then scoring as usual
 *
 * `as_of` needs the latest timestamp of all shares, known only after phase 1, which is why
 * finalizing waits for the merge. Scores need the whole distribution: they run on the combined
 * base with the single-threaded code, so thresholds are the same by construction.
 */
import { Aggregator } from '../aggregate/aggregator.js';
import type { CustomerTable } from '../aggregate/customer-table.js';
import { endOfDay, windowList } from '../aggregate/finalize.js';
import { type KernelMode, loadKernels } from '../kernels/load-kernels.js';
import { jsKernels } from '../kernels/js-kernels.js';
import type { Kernels } from '../kernels/kernels.js';
import { dayOf, MAX_TIMESTAMP_MS } from '../parse/parse-timestamp.js';
import type { DialectDecisions } from '../parse/input-dialect.js';
import type { TxBatch } from '../parse/parse-batch.js';
import { RejectLog, type RejectReason } from '../parse/reject-log.js';
import type { InputFile } from '../read/open-input.js';
import type { InputFormat, ReadOptions, ReadProgress } from '../read/raw-batch.js';
import { type ExtraBatches, extraBatches } from '../aggregate/extra-batches.js';
import type { ManifestInput } from '../snapshot/manifest.js';
import { type Share, planShares } from './plan-shares.js';
import { packBuffers, packPartitions } from '../aggregate/partial-pack.js';
import { combineParts, type TablePart } from './table-pack.js';
import { retirePool, runTask, takePool } from './worker-pool.js';
import type { ShareResult } from './worker-tasks.js';

/** Options of {@link aggregateParallel}. */
export interface ParallelAggregateOptions {
  readonly workers: number;
  /** Aggregation kernels of the workers (default `auto`). */
  readonly engine?: KernelMode;
  /** The `as_of` asked for; default: end of the latest transaction's day. */
  readonly asOfMs?: number;
  /** Without `asOfMs`: rows after this instant are future rows (DESIGN: the default as_of is never later than today). */
  readonly readCutMs?: number;
  /** The input's dialect, decided on the main thread (engine/parse/input-dialect.ts): every worker reads by it. */
  readonly dialect?: DialectDecisions;
  /** Revenue windows beyond 90 and 365 days. */
  readonly windowDays: readonly number[];
  readonly format?: InputFormat;
  readonly extra?: ExtraBatches;
  readonly onProgress?: (p: ReadProgress) => void;
  /** Smallest CSV/NDJSON byte range worth a share (tests lower it to split small files). */
  readonly minShareBytes?: number;
}

/** The finalized base and the bookkeeping of its inputs. */
export interface ParallelAggregated {
  readonly table: CustomerTable;
  readonly rejects: RejectLog;
  readonly inputs: ManifestInput[];
  readonly rowsRead: number;
  readonly validRows: number;
  readonly futureRows: number;
  readonly shares: number;
  /** Milliseconds of each step: plan, start (pool), read_aggregate (phase 1), merge_finalize (phase 2), combine. */
  readonly timings_ms: Record<string, number>;
}

/** Reads, parses, aggregates and finalizes every input on `workers` worker threads. */
export async function aggregateParallel(files: readonly InputFile[], readOptions: ReadOptions, opts: ParallelAggregateOptions): Promise<ParallelAggregated> {
  const workers = Math.max(1, Math.floor(opts.workers));
  const partitions = workers;
  const bytesTotal = files.reduce((s, f) => s + f.size, 0);
  const t0 = performance.now();
  const shares = await planShares(files, workers, opts.format, opts.minShareBytes);
  const tPlan = performance.now();
  const asOfRead = opts.asOfMs ?? opts.readCutMs ?? Number.POSITIVE_INFINITY;
  let rowsDone = 0;
  let bytesDone = 0;
  const progress = (rows: number, bytes: number): void => {
    rowsDone += rows;
    bytesDone += bytes;
    opts.onProgress?.({ rows: rowsDone, bytesRead: bytesDone, bytesTotal });
  };
  // Started already when the CLI began the rescore (worker-pool.ts prestartPool).
  const pool = takePool(workers);
  const tStart = performance.now();
  // Every native sink published by a task, the redone and the failed stage's included: freed at the end.
  const sinks: number[] = [];
  const kept: number[] = [];
  const kernels = loadKernels(opts.engine ?? 'auto');
  // One customer table for every native sink of the stage: a customer is interned once, not once per share.
  let customers: number | null = null;
  try {
    customers = kernels.sinks?.customers() ?? null;
    const runShare = async (share: Share): Promise<ShareResult> => {
      const table = customers !== null ? { customers } : {};
      const msg = await runTask(pool, { kind: 'aggregate', share, partitions, asOfMs: asOfRead, read: readOptions, engine: opts.engine ?? 'auto', ...(opts.dialect ? { dialect: opts.dialect } : {}), ...table }, [], progress);
      if (msg.type !== 'share') throw new Error(`pool: unexpected ${msg.type} message`);
      if (msg.result.sink != null) sinks.push(msg.result.sink);
      return msg.result;
    };
    const redone = await redoQuotedSplits(shares, await Promise.all(shares.map(runShare)), runShare);
    const ordered = redone.shares;
    const results = redone.results;
    // The input files' latest timestamp, for live_events.superseded_by_input (aggregate-inputs.ts).
    const inputMaxTs = results.reduce((m, r) => (r.validRows > 0 && r.maxTs > m ? r.maxTs : m), Number.NEGATIVE_INFINITY);
    const extra = opts.extra ? await aggregateExtra(extraBatches(opts.extra, inputMaxTs), asOfRead, ordered.length, partitions, kernels, customers) : null;
    if (extra?.result.sink != null) sinks.push(extra.result.sink);
    const all = extra ? [...results, extra.result] : results;
    const tRead = performance.now();

    let validRows = 0;
    let futureRows = 0;
    let maxTs = Number.NEGATIVE_INFINITY;
    let hasMargin = false;
    for (const r of all) {
      validRows += r.validRows;
      futureRows += r.futureRows;
      if (r.maxTs > maxTs) maxTs = r.maxTs;
      hasMargin ||= r.hasMargin;
    }
    // Clamped: the end of the day of a row on the Date range's last day lies beyond the range.
    const asOfMs = opts.asOfMs ?? (validRows > 0 ? Math.min(endOfDay(maxTs), MAX_TIMESTAMP_MS) : endOfDay(Date.now()));

    const native = all.every((r) => r.sink != null);
    if (!native && all.some((r) => r.sink != null)) throw new Error('pool: shares aggregated by different kernel sets');
    const shareIndex = [...ordered.map((s) => s.index), ordered.length];
    const windows = windowList(opts.windowDays);
    // The merge tasks put the base together themselves, each copying rows of it once all their
    // partitions are in: nothing is merged or copied here afterwards (native/src/partial/shared_base.rs).
    const base = native ? kernels.sinks!.base(partitions) : null;
    if (base !== null) kept.push(base);
    const merged = await Promise.all(
      Array.from({ length: partitions }, async (_, p): Promise<TablePart | number> => {
        const packs = native ? [] : all.map((r) => r.packs[p]!);
        const merging = native ? { ids: all.map((r) => r.sink!), shares: all.map((_, k) => shareIndex[k]!), partition: p, partitions, ...(base !== null ? { base } : {}) } : null;
        const msg = await runTask(
          pool,
          { kind: 'merge', packs, sinks: merging, asOfMs, hasMargin, windowDays: [...opts.windowDays] },
          packs.flatMap(packBuffers),
          progress,
        );
        if (msg.type === 'kept') {
          if (msg.id !== base) kept.push(msg.id);
          return msg.id;
        }
        if (msg.type !== 'part') throw new Error(`pool: unexpected ${msg.type} message`);
        return msg.part;
      }),
    );
    const tMerge = performance.now();
    let table: CustomerTable;
    if (native) {
      // Every partition is in the addon, derived by its merge task: in the base the tasks put
      // together (or, from an addon without, kept apart to be put in order here); its ids as UTF-8.
      table = kernels.sinks!.gather(kept.splice(0), windows, asOfMs, hasMargin);
    } else table = combineParts(merged as TablePart[], asOfMs, dayOf(asOfMs));
    const { rejects, inputs, rowsRead } = bookkeeping(files, ordered, results, opts.format);
    if (extra) inputs.push({ path: '(event log)', format: 'wal', bytes: 0, rows: extra.rows });
    const ms = (a: number, b: number): number => Math.round((b - a) * 10) / 10;
    const timings_ms = { plan: ms(t0, tPlan), start: ms(tPlan, tStart), read_aggregate: ms(tStart, tRead), merge_finalize: ms(tRead, tMerge), combine: ms(tMerge, performance.now()) };
    return { table, rejects, inputs, rowsRead: rowsRead + (extra?.rows ?? 0), validRows, futureRows, shares: ordered.length, timings_ms };
  } finally {
    if (sinks.length > 0 || kept.length > 0 || customers !== null) kernels.sinks?.free(sinks, kept, customers !== null ? [customers] : []);
    // Its threads end in the background: the stage's result does not wait for them.
    retirePool(pool);
  }
}

/** A CSV split into ranges whose bytes held a quote is read again as one share (read-share.ts). */
async function redoQuotedSplits(
  shares: Share[],
  results: ShareResult[],
  runShare: (s: Share) => Promise<ShareResult>,
): Promise<{ shares: Share[]; results: ShareResult[] }> {
  const redo = new Set<number>();
  shares.forEach((s, i) => {
    if (s.part.kind === 'bytes' && s.format === 'csv' && results[i]!.quoted) redo.add(s.file);
  });
  if (redo.size === 0) return { shares, results };
  const outShares: Share[] = [];
  const outResults: Promise<ShareResult>[] = [];
  shares.forEach((s, i) => {
    if (!redo.has(s.file)) {
      outShares.push(s);
      outResults.push(Promise.resolve(results[i]!));
    } else if (s.part.kind === 'bytes' && s.part.start === 0) {
      // The first share's index keeps the file's place in input order.
      const whole: Share = { ...s, bytes: 0, part: { kind: 'whole' } };
      outShares.push(whole);
      outResults.push(runShare(whole));
    }
  });
  return { shares: outShares, results: await Promise.all(outResults) };
}

/** The real-time log's batches, aggregated here (they are already parsed) as the last share; its sink joins the stage's `customers` table. */
export async function aggregateExtra(
  extra: AsyncIterable<TxBatch> | Iterable<TxBatch>,
  asOfMs: number,
  index: number,
  partitions: number,
  kernels: Kernels = jsKernels,
  customers: number | null = null,
): Promise<{ result: ShareResult; rows: number }> {
  const agg = new Aggregator(asOfMs, kernels);
  if (customers !== null) agg.sink?.join(customers);
  let rows = 0;
  for await (const batch of extra) {
    rows += batch.length;
    agg.add(batch);
  }
  const sink = agg.sink?.publish() ?? null;
  const result: ShareResult = {
    packs: sink === null ? packPartitions(agg, index, partitions) : [],
    sink,
    rows,
    validRows: agg.state.rows,
    futureRows: agg.futureRows,
    maxTs: agg.state.maxTs,
    hasMargin: agg.hasMargin,
    rejects: { total: 0, counts: {}, kept: [] },
    quoted: false,
  };
  return { result, rows };
}

/** Rejects in (source, row) order with file-wide row numbers, and the manifest's input list. */
export function bookkeeping(files: readonly InputFile[], shares: readonly Share[], results: readonly ShareResult[], format: InputFormat | undefined) {
  const rejects = new RejectLog(1000);
  const fileRows = files.map(() => 0);
  let rowsRead = 0;
  shares.forEach((share, i) => {
    const r = results[i]!;
    const offset = fileRows[share.file]!;
    fileRows[share.file] = offset + r.rows;
    rowsRead += r.rows;
    rejects.total += r.rejects.total;
    for (const [reason, n] of Object.entries(r.rejects.counts) as [RejectReason, number][]) {
      rejects.counts[reason] = (rejects.counts[reason] ?? 0) + n;
    }
    for (const row of r.rejects.kept) {
      if (rejects.kept.length < rejects.keep) rejects.kept.push({ ...row, row: row.row + offset });
    }
  });
  const inputs: ManifestInput[] = files.map((f, i) => ({ path: f.path, format: f.format ?? format ?? 'detected', bytes: f.size, rows: fileRows[i]! }));
  return { rejects, inputs, rowsRead };
}
