/**
 * The nightly job: read every input, parse, aggregate per customer, score, segment, fit the
 * models and publish a snapshot atomically. Any failure before the publish leaves the live
 * snapshot as it was.
 */
import { endOfDay, finalize } from '../aggregate/finalize.js';
import type { Config } from '../config/config-schema.js';
import { configHash, parseConfig } from '../config/load-config.js';
import type { TxBatch } from '../parse/parse-batch.js';
import type { RejectLog } from '../parse/reject-log.js';
import { listInputSet, STDIN_PATH } from '../read/open-input.js';
import { buildColumnMap, describeColumnMap } from '../read/column-map.js';
import { checkTsFormat, InputDialect, type InputOptions } from '../parse/input-dialect.js';
import { ColumnsSeen, decideFromHead, inputDecisions } from './input-decisions.js';
import { aggregateParallel } from '../pool/parallel-aggregate.js';
import { type KernelMode, loadKernels } from '../kernels/load-kernels.js';
import type { ColumnMap, InputFormat, ReadProgress } from '../read/raw-batch.js';
import { countBy } from '../segment/categorical.js';
import { buildCustomersTable, buildCustomerVectors, type CustomerColumn, encodeCustomerChunks, stageCustomers } from '../snapshot/customers-file.js';
import { StagedFile } from '../snapshot/staged-file.js';
import type { Vector } from 'apache-arrow';
import { PREDICTION_COLUMNS } from '../segment/scored-base.js';
import { ModelThread, rulesReadPredictions } from './model-thread.js';
import { type Manifest, isoTime } from '../snapshot/manifest.js';
import { aggregateInputs } from './aggregate-inputs.js';
import { openEventFold } from '../wal/event-fold.js';
import { writeFoldedMarker } from '../wal/folded-marker.js';
import type { HoldoutCheck } from '../model/holdout.js';
import { degenerateFitWarnings } from '../model/degenerate-fit.js';
import { modelTableOf } from './model-table.js';
import { MS_PER_DAY } from '../parse/parse-timestamp.js';
import { type BeforePublishHook, keepRefused, openDataDir, publishSnapshot } from '../snapshot/snapshot-publisher.js';
import { currentSnapshotId, loadSnapshot, newSnapshotId, type SnapshotFiles, snapshotsDir } from '../snapshot/snapshot-store.js';
import { capMessage, PublishRefusedError, type SegError } from '../errors.js';
import { MAX_TIMESTAMP_MS } from '../parse/parse-timestamp.js';
import { checkPublish } from './publish-guard.js';
import { parseAsOf } from './as-of.js';
import { previousState } from './previous-state.js';
import { type Predictions, type ScoredBase, scoreBase } from './score-base.js';

/** Progress of a running rescore (defined by the readers, so the stages below need not import this module). */
export type RescoreProgress = ReadProgress;

/** Options of {@link rescore}. */
export interface RescoreOptions {
  /** A file, a folder of files, or `-` for standard input. */
  readonly input: string;
  readonly dataDir: string;
  readonly config?: Config;
  /** `YYYY-MM-DD` (end of that UTC day) or an ISO date-time; default: end of the latest transaction's day. */
  readonly asOf?: string;
  /** Source columns; default: the config's `input.columns` over the identity map (column-map.ts buildColumnMap). */
  readonly columns?: ColumnMap;
  /** `--ts-format`: `auto` or a strftime-style pattern; default: the config's `input.ts_format`. */
  readonly tsFormat?: string;
  /** `--decimal`: `auto`, `.` or `,`; default: the config's `input.decimal`. */
  readonly decimal?: InputOptions['decimal'];
  readonly format?: InputFormat;
  readonly batchSize?: number;
  /** Valid rows from elsewhere (the real-time log) folded in after the files. */
  readonly extra?: AsyncIterable<TxBatch> | Iterable<TxBatch>;
  /**
   * A server job: the live event log's folder and the last sealed segment to fold in. Every
   * rescore folds the event archive `DATA/events/` in; a job also the sealed segments above it.
   */
  readonly wal?: { readonly dir: string; readonly through: number };
  readonly onProgress?: (p: RescoreProgress) => void;
  /** Worker threads for read → aggregate (engine/pool); absent: all on this thread. Stdin always reads here. */
  readonly workers?: number;
  /** Runs read → aggregate → finalize elsewhere with the pool's contract (the cluster: engine/cluster/distributed-aggregate.ts) instead of the pool. */
  readonly aggregateWith?: typeof aggregateParallel;
  /** Aggregation kernels: `native` needs the addon, `auto` (default) uses it when it loads. */
  readonly engine?: KernelMode;
  /** Test hook: runs after the snapshot files are written, before they are published. */
  readonly beforePublish?: BeforePublishHook;
  /** Publish even when the publishing guard fails (`--force`); the manifest lists the checks overridden. */
  readonly force?: boolean;
}

/** What a rescore reports (the CLI's `--json`). */
export interface RescoreSummary {
  readonly snapshot: string;
  readonly as_of: string;
  readonly rows: Manifest['rows'];
  readonly rejects: Manifest['rejects'];
  readonly customers: number;
  readonly purchasing_customers: number;
  /** Total revenue of the base (net of returns). */
  readonly revenue: number;
  /** How the input was read (the manifest's `input.decisions`). */
  readonly input: NonNullable<Manifest['input']>['decisions'];
  readonly segments: Record<string, number>;
  readonly spend_bands: Manifest['spend_bands'];
  readonly tiers: Record<string, number>;
  readonly lifecycle: Record<string, number>;
  readonly win_back: number;
  readonly warnings: string[];
  readonly timings_ms: Record<string, number>;
  readonly rows_per_second: number;
  /** Worker threads that read and aggregated (0: the calling thread). */
  readonly workers: number;
  readonly engine: 'native' | 'js';
  /** Peak resident memory of the process, worker threads included. */
  readonly peak_rss_bytes: number;
  /** False when the publishing guard refused the run (the snapshot is then under `DATA/refused/`). */
  readonly published: boolean;
  /** The failed checks that stopped the publish; empty when published. */
  readonly refused: string[];
  /** The failed checks `force` published over; empty otherwise. */
  readonly forced: string[];
  /** Rejected rows over rows read, both without missing ids (checked against publish.max_reject_share). */
  readonly reject_share: number;
  /** Rows rejected for a missing id (anonymous purchases) over rows read. */
  readonly anonymous_share: number;
}

/** What a run adds to its manifest in the summary (rescore.ts and the cluster's rescore). */
export interface RunFacts {
  readonly decisions: RescoreSummary['input'];
  readonly warnings: string[];
  /** The run's stage timings; `write` (since `writeFrom`) and `total` (since `t0`) are added here. */
  readonly timings: Record<string, number>;
  readonly t0: number;
  readonly writeFrom: number;
  readonly rowsRead: number;
  readonly workers: number;
  readonly engine: RescoreSummary['engine'];
  readonly refused: string[];
  readonly forced: string[];
  readonly verdict: { readonly reject_share: number; readonly anonymous_share: number };
}

/** The summary `--json` prints, from the manifest and the run's facts, measured now. */
export function rescoreSummary(id: string, manifest: Manifest, run: RunFacts, published: boolean): RescoreSummary {
  const total = performance.now() - run.t0;
  return {
    snapshot: id,
    as_of: manifest.as_of,
    rows: manifest.rows,
    rejects: manifest.rejects,
    customers: manifest.customers,
    purchasing_customers: manifest.purchasing_customers,
    revenue: manifest.revenue,
    input: run.decisions,
    segments: manifest.segments,
    spend_bands: manifest.spend_bands,
    tiers: manifest.tiers,
    lifecycle: manifest.lifecycle,
    win_back: manifest.win_back,
    warnings: run.warnings,
    timings_ms: { ...run.timings, write: round(performance.now() - run.writeFrom), total: round(total) },
    rows_per_second: Math.round(run.rowsRead / (total / 1000)),
    workers: run.workers,
    engine: run.engine,
    peak_rss_bytes: process.resourceUsage().maxRSS * 1024,
    published,
    refused: run.refused,
    forced: run.forced,
    reject_share: run.verdict.reject_share,
    anonymous_share: run.verdict.anonymous_share,
  };
}

/** The kept rejected rows as the snapshot's rejects.ndjson. */
export function rejectsNdjson(rejects: RejectLog): string {
  return rejects.kept.map((r) => JSON.stringify(r)).join('\n') + (rejects.kept.length ? '\n' : '');
}

/** A rescore the publishing guard refused; `summary` is what `--json` prints (`published: false`). */
export class RescoreRefusedError extends PublishRefusedError {
  constructor(
    message: string,
    readonly summary: RescoreSummary,
  ) {
    super(message);
  }
}

/** Runs a whole rescore and publishes the snapshot. */
export async function rescore(opts: RescoreOptions): Promise<RescoreSummary> {
  const config = opts.config ?? parseConfig({});
  // With worker threads to read, the models get a thread too (model-thread.ts), started now (or
  // taken from the CLI, which starts it with the pool) so that it is up before the fit; not when
  // a rule reads a prediction (scoring waits for the fit).
  const modelThread = config.models.enabled && (opts.workers ?? 0) > 0 && !rulesReadPredictions(config) ? ModelThread.start() : null;
  try {
    return await runRescore({ ...opts, config }, modelThread);
  } finally {
    modelThread?.close();
  }
}

async function runRescore(opts: RescoreOptions, modelThread: ModelThread | null): Promise<RescoreSummary> {
  const t0 = performance.now();
  let tScoreOwn = 0;
  const config = opts.config ?? parseConfig({});
  const asOfGiven = opts.asOf !== undefined ? parseAsOf(opts.asOf) : undefined;
  // DESIGN's as_of rule: by default never later than the end of the current UTC day, so one row
  // dated 2099 is a future row (warned about) and cannot turn the whole base `lost`.
  const readCutMs = asOfGiven ?? Math.min(endOfDay(Date.now()), MAX_TIMESTAMP_MS);
  const columns = opts.columns ?? buildColumnMap(config.input.columns);
  const inputOptions: InputOptions = { tsFormat: opts.tsFormat ?? config.input.ts_format, decimal: opts.decimal ?? config.input.decimal };
  checkTsFormat(inputOptions.tsFormat);
  const { files, skipped } = await listInputSet(opts.input, { columnNames: Object.values(describeColumnMap(columns)) });
  // Fail on an unwritable data folder now, not after the whole read; a new folder's fsyncs run
  // beside the read and are awaited before the snapshot is written.
  const dataDir = await openDataDir(opts.dataDir);
  const readOptions = { columns, batchSize: opts.batchSize ?? 65_536, ...(opts.format ? { format: opts.format } : {}) };
  const dialect = new InputDialect(inputOptions);
  const seen = new ColumnsSeen();

  // Loaded here first so `native` without the addon fails before any work, and `auto` says once that it falls back.
  const kernels = loadKernels(opts.engine ?? 'auto');
  const engine = kernels.name;
  const parallel = (opts.workers !== undefined || opts.aggregateWith !== undefined) && !files.some((f) => f.path === STDIN_PATH);
  // Acknowledged events folded into earlier snapshots live on in the archive (engine/wal/event-fold.ts).
  const fold = await openEventFold({ dataDir: opts.dataDir, ...(opts.wal ? { wal: opts.wal } : {}), supersededByInput: config.live_events.superseded_by_input });
  const stageOptions = {
    ...(opts.format ? { format: opts.format } : {}),
    ...(opts.extra || !fold.empty ? { extra: (inputMaxTs: number) => fold.batches(inputMaxTs, opts.extra) } : {}),
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
  };
  let stage: { table: ReturnType<typeof finalize>; rejects: RejectLog; inputs: Manifest['inputs']; rowsRead: number; validRows: number; futureRows: number; timings_ms?: Record<string, number> };
  // The dialect is decided once, here, and every worker reads by it.
  if (parallel) seen.observeNames(await decideFromHead(files[0]!, readOptions, dialect));
  // The fit's modules (with the special functions' ~150 small packages, ~110 ms of CPU) load on
  // this thread only where it needs them: to fit here (no model thread) or for the holdout check.
  // Loaded during the read, they took a worker's core at two workers on two cores. They load after
  // the sniff the workers wait for; a failure to load surfaces where they are awaited.
  const fitModule = config.models.enabled && modelThread === null ? import('./fit-predictions.js') : null;
  const holdoutModule = config.models.enabled && config.models.holdout_days > 0 ? import('../model/holdout.js') : null;
  for (const loading of [fitModule, holdoutModule]) loading?.catch(() => {});
  if (parallel) {
    stage = await (opts.aggregateWith ?? aggregateParallel)(files, readOptions, {
      workers: opts.workers ?? 1,
      engine,
      windowDays: [config.tiers.window_days],
      ...(asOfGiven !== undefined ? { asOfMs: asOfGiven } : {}),
      readCutMs,
      dialect: dialect.decisions,
      ...stageOptions,
    });
  } else {
    const { agg, rejects, inputs, rowsRead } = await aggregateInputs(files, readOptions, { asOfMs: readCutMs, kernels, dialect, seen, ...stageOptions });
    // Clamped: the end of the day of a row on the Date range's last day lies beyond the range.
    const asOfMs = asOfGiven ?? (agg.state.rows > 0 ? Math.min(endOfDay(agg.state.maxTs), MAX_TIMESTAMP_MS) : endOfDay(Date.now()));
    stage = { table: finalize(agg, asOfMs, [config.tiers.window_days]), rejects, inputs, rowsRead, validRows: agg.state.rows, futureRows: agg.futureRows };
  }
  const { table, rejects, inputs, rowsRead } = stage;
  const tRead = performance.now();

  const warnings: string[] = [];
  if (skipped.length > 0) {
    const names = skipped.slice(0, 5).map((f) => f.path).join(', ');
    warnings.push(`skipped ${skipped.length} file${skipped.length === 1 ? '' : 's'} of the input folder that ${skipped.length === 1 ? 'is' : 'are'} not data: ${names}${skipped.length > 5 ? ', ...' : ''} (listed in the manifest's input.decisions.skipped)`);
  }
  if (stage.futureRows > 0) {
    const cut = asOfGiven !== undefined ? `after as_of ${isoTime(table.asOfMs)}` : `after today (${isoTime(readCutMs).slice(0, 10)}, UTC)`;
    warnings.push(`${stage.futureRows} valid row${stage.futureRows === 1 ? ' is' : 's are'} dated ${cut}: left out as future rows`);
  }
  const decisions = inputDecisions(columns, inputOptions, dialect.decisions, seen, files, skipped);
  if (fold.superseded > 0) warnings.push(`live_events.superseded_by_input: left out ${fold.superseded} live events dated at or before the input's latest row (the input carries them)`);
  // Read before the models: the live snapshot's converged parameters warm-start their fit.
  const previousId = await currentSnapshotId(opts.dataDir);
  const previous = previousId ? await loadSnapshot(opts.dataDir, previousId) : null;
  let models: Manifest['models'] = null;
  let predictions: Predictions | null = null;
  const modelWarnings: string[] = [];
  let holdout: HoldoutCheck | null = null;
  const fitOptions = { engine, previousModels: previous?.manifest.models };
  // On the model thread the fit runs while this thread scores and encodes the other columns.
  const fitting = config.models.enabled && modelThread !== null ? modelThread.fit({ table: modelTableOf(table), config, opts: fitOptions }) : null;
  let scored: ScoredBase | null = null;
  let early: Partial<Record<CustomerColumn, Vector>> = {};
  // customers.arrow but its predictions, written while the fit runs (staged-file.ts); null where it failed.
  let staged: Promise<StagedFile | null> | null = null;
  try {
    if (fitting !== null) {
      const tScoreStart = performance.now();
      scored = scoreBase(table, config, previous ? previousState(previous.customers, table.idText ?? table.customerId, engine) : null, null, kernels.quantileThresholds, engine);
      tScoreOwn = performance.now() - tScoreStart;
      early = buildCustomerVectors(scored, (name) => !PREDICTION_COLUMNS.has(name), engine);
      // A staging that fails leaves the publish to write the whole file (and report what fails there).
      staged = stageCustomers(StagedFile.pathIn(snapshotsDir(opts.dataDir)), scored, early, engine).catch(() => null);
    }
    if (config.models.enabled) {
      const fit = fitting !== null ? await fitting : (await fitModule!).fitPredictions(table, config, fitOptions);
      modelWarnings.push(...fit.warnings);
      predictions = fit.columns;
      const days = config.models.holdout_days;
      if (days > 0) {
        // The calibration base: the same files read again, up to the end of day as_of - N (opt-in: a second read).
        const calEndMs = endOfDay((table.asOfDay - days) * MS_PER_DAY);
        const cal = await aggregateInputs(files, readOptions, { asOfMs: calEndMs, kernels, dialect: new InputDialect(inputOptions, dialect.decisions) });
        const check = (await holdoutModule!).holdoutCheck(table, finalize(cal.agg, calEndMs), days);
        holdout = check.check;
        modelWarnings.push(...check.warnings);
      }
      models = { ...fit.manifest, holdout, warnings: modelWarnings };
    }
    const tModels = performance.now();

    if (scored === null) {
      scored = scoreBase(table, config, previous ? previousState(previous.customers, table.idText ?? table.customerId, engine) : null, predictions, kernels.quantileThresholds, engine);
      tScoreOwn = performance.now() - tModels;
    } else scored = { ...scored, predictions };
    // Judged once lifecycle is known; the manifest's models block holds every model warning too.
    modelWarnings.push(...degenerateFitWarnings(predictions?.p_alive ?? null, scored.lifecycle));
    warnings.push(...modelWarnings);
    const tScore = performance.now();

    const id = newSnapshotId();
    const customersChunks = await encodeCustomerChunks(buildCustomersTable(scored, early, engine));
    let customersBytes: SnapshotFiles['customers.arrow'] = customersChunks;
    const stagedFile = await staged;
    if (stagedFile !== null) {
      const done = await stagedFile.finish(customersChunks).then(() => true, () => false);
      if (done) customersBytes = { path: stagedFile.path };
    }
    const poolTimings = Object.fromEntries(Object.entries(stage.timings_ms ?? {}).map(([k, v]) => [`pool_${k}`, v]));
    const timings = {
      read_aggregate: round(tRead - t0),
      ...poolTimings,
      // With the model thread, models is the wall time until the fit is in and overlaps score.
      models: round(tModels - tRead),
      score: round(tScoreOwn),
    };
    const verdict = checkPublish(
      { rowsRead, validRows: stage.validRows, futureRows: stage.futureRows, rejected: rejects.total, rejects: rejects.counts, customers: table.size, asOf: isoTime(table.asOfMs) },
      previous ? { id: previous.id, customers: previous.manifest.customers } : null,
      config.publish,
    );
    const forced = opts.force ? verdict.failed : [];
    const refused = opts.force ? [] : verdict.failed;
    const manifest = buildManifest(id, scored, config, {
      publish: { reject_share: verdict.reject_share, anonymous_share: verdict.anonymous_share, forced },
      inputs,
      rows: { read: rowsRead, valid: stage.validRows + stage.futureRows, rejected: rejects.total, future: stage.futureRows },
      rejects: rejects.counts,
      models,
      warnings,
      timings,
      previous: previousId,
      engine,
      input: { decisions },
    });
    const rejectsText = rejectsNdjson(rejects);
    const snapshotFiles = { 'manifest.json': JSON.stringify(manifest, null, 2), 'customers.arrow': customersBytes, 'rejects.ndjson': rejectsText };
    const facts: RunFacts = { decisions, warnings, timings, t0, writeFrom: tScore, rowsRead, workers: parallel ? (opts.workers ?? 0) : 0, engine, refused, forced, verdict };
    const summarize = (published: boolean): RescoreSummary => rescoreSummary(id, manifest, facts, published);
    // The data folder's new names are on disk before anything in it is published or kept.
    await dataDir.durable;
    if (refused.length > 0) {
      let kept: string;
      try {
        await keepRefused(opts.dataDir, id, snapshotFiles);
        kept = `kept under refused/${id}`;
      } catch (error) {
        kept = `not kept (${(error as SegError).code ?? 'error'})`;
      }
      const live = previous ? `snapshot ${previous.id} stays live` : 'no snapshot is live';
      // The checks come first and the path last, so the cap on messages never cuts what failed.
      throw new RescoreRefusedError(capMessage(`refused to publish snapshot ${id}: ${refused.join('; ')}; ${live}; --force publishes it anyway; ${kept}`), summarize(false));
    }
    const markFolded = async (tmp: string): Promise<void> => {
      if (fold.foldedThrough > 0) await writeFoldedMarker(tmp, fold.foldedThrough);
      await opts.beforePublish?.(tmp);
    };
    await publishSnapshot(opts.dataDir, id, snapshotFiles, config.snapshots.keep, markFolded);
    return summarize(true);
  } finally {
    // Moved into the snapshot on success; otherwise (a failure, a refusal that could not keep it) removed.
    await (await staged)?.discard();
  }
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

function buildManifest(
  id: string,
  scored: ScoredBase,
  config: Config,
  run: Pick<Manifest, 'inputs' | 'rows' | 'rejects' | 'models' | 'warnings' | 'previous' | 'input'> & { publish: NonNullable<Manifest['publish']>; timings: Record<string, number>; engine: string },
): Manifest {
  const { table } = scored;
  let purchasing = 0;
  let revenue = 0;
  const { orders, revenue: revenues } = table.fields;
  for (let c = 0; c < table.size; c++) {
    if (orders[c]! >= 1) purchasing++;
    revenue += revenues[c]!;
  }
  let winBack = 0;
  for (const w of scored.winBack) winBack += w;
  return {
    format_version: 1,
    id,
    created_at: new Date().toISOString(),
    as_of: isoTime(table.asOfMs),
    as_of_ms: table.asOfMs,
    config_hash: configHash(config),
    config,
    inputs: run.inputs,
    rows: run.rows,
    rejects: run.rejects,
    customers: table.size,
    purchasing_customers: purchasing,
    revenue,
    thresholds: {
      ...scored.rfm.thresholds,
      spend_band: { by: scored.spendBands.by, thresholds: scored.spendBands.thresholds, edges: scored.spendBands.edges },
    },
    segments: countBy(scored.segment),
    spend_bands: scored.spendBands.table,
    tiers: countBy(scored.tier),
    lifecycle: countBy(scored.lifecycle),
    win_back: winBack,
    models: run.models,
    warnings: run.warnings,
    engine: run.engine,
    timings_ms: run.timings,
    previous: run.previous,
    publish: run.publish,
    ...(run.input ? { input: run.input } : {}),
  };
}
