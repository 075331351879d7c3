/**
 * The coordinator's side of the cluster rescore's tail (DESIGN "Beyond one machine"): thresholds
 * and model fits from what the shards send (shard-stats.ts), then every shard scored where it was
 * merged (shard-score.ts). No customer row comes to the coordinator.
 *
 *   stats of every shard (sketches, groups, Gamma-Gamma rows) ──► brackets ──► select tasks
 *   runs of every shard ──► thresholds (exact)        groups ──► BG/NBD fit, Gamma-Gamma rows ──► its fit
 *   score tasks (thresholds, fits) ──► each shard's customers.arrow + sums ──► the manifest's numbers
 */
import type { Config } from '../config/config-schema.js';
import { degenerateFitWarnings } from '../model/holdout.js';
import { fitBgNbdGroups } from '../model/bgnbd.js';
import { fitModels, type ModelResult } from '../model/fit-models.js';
import { fitGammaGamma } from '../model/gamma-gamma.js';
import { modelKernels } from '../model/model-kernels.js';
import { warmStartOf } from '../rescore/fit-predictions.js';
import type { Manifest } from '../snapshot/manifest.js';
import { waitFor } from './distributed-aggregate.js';
import type { NatsCluster } from './nats-connection.js';
import { getRequired, openPartialStore, partialName } from './partial-store.js';
import type { ScoredRecord, ScoreTaskMsg, SelectRecord, SelectTaskMsg } from './rescore-node.js';
import { type BaseThresholds, type Brackets, decodeSelect, decodeShardStats } from './shard-score.js';
import { bracketRanks, mergeGammaGamma, mergeGroups, type ShardModelData, type Sketch, THRESHOLD_FIELDS, type ThresholdField, thresholdRanks, valueAtRank } from './shard-stats.js';
import type { ShardTasks } from './shard-tasks.js';
import { jobBucket, jobKey } from './task-queue.js';

/** What the tail needs of the job. */
export interface TailJob {
  readonly job: string;
  /** Shards that have customers (the merge's). */
  readonly shards: readonly number[];
  readonly asOfMs: number;
  readonly config: Config;
  readonly engine: 'js' | 'native';
  /** The live snapshot's job when it has the same shard count (tiers' grace, `reactivated`), and its manifest's models (warm start). */
  readonly previousJob: string | null;
  readonly previousModels: unknown;
  readonly timeoutMs: number;
  /** The shards' owners for this job (the merges'). */
  readonly shardTasks: ShardTasks;
}

/** The tail's result: the manifest's numbers and what each shard stored. */
export interface TailResult {
  readonly thresholds: Manifest['thresholds'];
  /** The models' manifest block (without holdout and warnings) and warnings; null when the models are off. */
  readonly models: ModelResult | null;
  /** Warnings of a degenerate fit (holdout.ts), judged on the whole base. */
  readonly degenerate: string[];
  readonly scored: ScoredRecord[];
  readonly timings_ms: Record<string, number>;
}

/** Runs the tail across the cluster. */
export async function scoreAcrossCluster(cluster: NatsCluster, t: TailJob): Promise<TailResult> {
  const t0 = performance.now();
  const store = await openPartialStore(cluster);
  const kv = await jobBucket(cluster);
  const { config, job } = t;
  const sb = config.spend_bands;
  const bandBy = sb.edges ? null : sb.by;
  const wait = <T>(keys: string[]): Promise<T[]> => waitFor<T>(kv, job, keys, { job, timeoutMs: t.timeoutMs, onMissing: (missing) => t.shardTasks.rescue(missing) });

  // Round 1: every shard's sketches and model data, stored by its merge.
  const stats: Array<{ sketches: Record<ThresholdField, Sketch>; model: ShardModelData }> = [];
  for (const shard of t.shards) stats.push(decodeShardStats(await getRequired(store, partialName.stats(job, shard))));
  const bins: Record<ThresholdField, number> = { r: config.scores.bins, f: config.scores.bins, m: config.scores.bins, band: bandBy === null ? 1 : sb.quantiles };
  const ranks = {} as Record<ThresholdField, number[]>;
  const brackets: Brackets = {};
  for (const f of THRESHOLD_FIELDS) {
    const sketches = stats.map((s) => s.sketches[f]).filter((s) => s.n > 0);
    ranks[f] = thresholdRanks(sketches.reduce((n, s) => n + s.n, 0), bins[f]);
    if (ranks[f].length > 0) brackets[f] = bracketRanks(sketches, ranks[f]);
  }
  const tStats = performance.now();

  // Round 2: each shard's values in the brackets.
  for (const shard of t.shards) {
    const task: SelectTaskMsg = { kind: 'select', job, shard, asOfMs: t.asOfMs, bandBy, brackets };
    await t.shardTasks.publish('select', shard, task, jobKey.select(job, shard));
  }
  await wait<SelectRecord>(t.shards.map((s) => jobKey.select(job, s)));
  const replies: Array<ReturnType<typeof decodeSelect>> = [];
  for (const shard of t.shards) replies.push(decodeSelect(await getRequired(store, partialName.select(job, shard))));
  const thresholds = {} as BaseThresholds;
  for (const f of THRESHOLD_FIELDS) thresholds[f] = ranks[f].map((r, i) => valueAtRank(r, replies.map((reply) => reply[f]![i]!)));
  const tSelect = performance.now();

  // The fits, on the whole base's groups and Gamma-Gamma rows.
  let models: ModelResult | null = null;
  let fitted: ScoreTaskMsg['fitted'] = null;
  if (config.models.enabled) {
    const data = stats.map((s) => s.model);
    const repeatCustomers = data.reduce((n, d) => n + d.repeatCustomers, 0);
    fitted = { repeatCustomers, bgnbd: null, gammaGamma: null };
    if (repeatCustomers > 0) {
      // fit-predictions.ts's kernels and warm start, given as fit-models.ts gives them.
      const kernels = modelKernels(t.engine);
      const warm = warmStartOf(t.previousModels);
      const gg = mergeGammaGamma(data);
      fitted = {
        repeatCustomers,
        bgnbd: fitBgNbdGroups(mergeGroups(data), { kernels, ...(warm.bgnbd ? { start: warm.bgnbd } : {}) }),
        gammaGamma: fitGammaGamma(gg.x, gg.mx, { kernels, ...(warm.gammaGamma ? { start: warm.gammaGamma } : {}) }),
      };
    }
    // The manifest block and warnings of these fits, by fit-models.ts itself (no customer to predict here).
    const none = new Float64Array(0);
    models = fitModels({ purchaseDays: none, firstDay: none, lastDay: none, asOfDay: 0, meanRepeatValue: none }, { horizonDays: config.models.horizon_days, annualDiscountRate: config.models.annual_discount_rate, fitted });
  }
  const tModels = performance.now();

  // Every shard scored where it is held; its part of customers.arrow stored by its node.
  for (const shard of t.shards) {
    const task: ScoreTaskMsg = { kind: 'score', job, shard, asOfMs: t.asOfMs, config, thresholds, fitted, engine: t.engine, previousJob: t.previousJob };
    await t.shardTasks.publish('score', shard, task, jobKey.scored(job, shard));
  }
  const scored = await wait<ScoredRecord>(t.shards.map((s) => jobKey.scored(job, s)));
  let lost = 0;
  let alive = 0;
  for (const s of scored) {
    lost += s.lost.lost;
    alive += s.lost.alive;
  }
  // holdout.ts's judgement on the whole base's counts (lost customers with a p_alive, and those above 0.95).
  const degenerate = models ? degenerateFitWarnings(Float64Array.from({ length: lost }, (_, i) => (i < alive ? 1 : 0)), { codes: new Uint16Array(lost), names: ['lost'] }) : [];
  const ms = (a: number, b: number): number => Math.round((b - a) * 10) / 10;
  return {
    thresholds: { bins: config.scores.bins, r: thresholds.r, f: thresholds.f, m: thresholds.m, spend_band: { by: sb.by, thresholds: thresholds.band, edges: sb.edges ? [...sb.edges] : null } },
    models,
    degenerate,
    scored,
    timings_ms: { stats: ms(t0, tStats), select: ms(tStats, tSelect), models: ms(tSelect, tModels), score: ms(tModels, performance.now()) },
  };
}

/** The manifest's counts and sums from every shard's (spend-bands.ts bandTable's rows, summed per shard). */
export function baseSums(scored: readonly ScoredRecord[]): Pick<Manifest, 'customers' | 'purchasing_customers' | 'revenue' | 'segments' | 'spend_bands' | 'tiers' | 'lifecycle' | 'win_back'> {
  const add = (into: Record<string, number>, from: Record<string, number>): Record<string, number> => {
    for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
    return into;
  };
  let customers = 0;
  let purchasing = 0;
  let revenue = 0;
  let winBack = 0;
  const segments: Record<string, number> = {};
  const tiers: Record<string, number> = {};
  const lifecycle: Record<string, number> = {};
  const bands = scored[0]?.bands.customers.length ?? 1;
  const k = new Array<number>(bands).fill(0);
  const rev = new Array<number>(bands).fill(0);
  const spend = new Array<number>(bands).fill(0);
  const min = new Array<number | null>(bands).fill(null);
  const max = new Array<number | null>(bands).fill(null);
  for (const s of scored) {
    customers += s.customers;
    purchasing += s.purchasing;
    revenue += s.revenue;
    winBack += s.winBack;
    add(segments, s.segments);
    add(tiers, s.tiers);
    add(lifecycle, s.lifecycle);
    for (let b = 1; b < bands; b++) {
      k[b]! += s.bands.customers[b]!;
      rev[b]! += s.bands.revenue[b]!;
      spend[b]! += s.bands.spend[b]!;
      const lo = s.bands.min[b]!;
      const hi = s.bands.max[b]!;
      if (lo !== null && (min[b] === null || lo < min[b]!)) min[b] = lo;
      if (hi !== null && (max[b] === null || hi > max[b]!)) max[b] = hi;
    }
  }
  let totalCustomers = 0;
  let totalRevenue = 0;
  for (let b = 1; b < bands; b++) {
    totalCustomers += k[b]!;
    totalRevenue += rev[b]!;
  }
  const spendBands: Manifest['spend_bands'] = [];
  for (let b = 1; b < bands; b++) {
    const n = k[b]!;
    spendBands.push({
      band: b,
      customers: n,
      share_customers: totalCustomers ? n / totalCustomers : 0,
      revenue: rev[b]!,
      share_revenue: totalRevenue ? rev[b]! / totalRevenue : 0,
      mean_weekly_spend: n ? spend[b]! / n : 0,
      min: n ? min[b]! : null,
      max: n ? max[b]! : null,
    });
  }
  return { customers, purchasing_customers: purchasing, revenue, segments, spend_bands: spendBands, tiers, lifecycle, win_back: winBack };
}
