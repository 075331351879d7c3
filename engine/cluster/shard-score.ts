/**
 * A shard's side of the cluster rescore's tail, on the node that merged it (or, after a
 * redelivery, on any node that reads its part back). Three steps, each a task of the work queue:
 *
 *   merge  ──► the shard's finalized customers stay on the node ──► stats blob (sketches, model data)
 *   select ──► the shard's values in the coordinator's brackets   ──► select blob (runs)
 *   score  ──► the single machine's scoreBase on the shard, on the base's thresholds and fits
 *              ──► the shard's part of customers.arrow in the snapshot bucket + its sums for the manifest
 *
 * Only sketches, runs, model data and sums travel to the coordinator; the customers stay where
 * they were merged and their snapshot part is written there.
 */
import type { Table } from 'apache-arrow';
import type { CustomerTable } from '../aggregate/customer-table.js';
import type { Config } from '../config/config-schema.js';
import { fitPredictions, type FitPredictionsOptions } from '../rescore/fit-predictions.js';
import { previousState } from '../rescore/previous-state.js';
import { scoreBase } from '../rescore/score-base.js';
import type { ThresholdsFn } from '../score/rfm-scorer.js';
import { countBy } from '../segment/categorical.js';
import { buildCustomersTable, encodeCustomers } from '../snapshot/customers-file.js';
import { decodeColumns, encodeColumns } from './partial-store.js';
import { type BracketRuns, bracketRuns, type ShardModelData, type Sketch, shardModelData, sketchOf, THRESHOLD_FIELDS, type ThresholdField, thresholdValues } from './shard-stats.js';

/** A merged shard held for the tail. */
export interface HeldShard {
  readonly table: CustomerTable;
  /** Each customer's first-appearance key (for the Gamma-Gamma data's order). */
  readonly order: Float64Array;
  /** The sorted values of the threshold fields. */
  readonly values: Record<ThresholdField, Float64Array>;
}

/** What the merge needs to know of the tail: the spend band's field (null: money edges, no thresholds) and the sketch size. */
export interface TailParams {
  readonly bandBy: string | null;
  readonly points: number;
}

/** A merged shard, ready for the tail. */
export function holdShard(table: CustomerTable, order: Float64Array, bandBy: string | null): HeldShard {
  return { table, order, values: thresholdValues(table, bandBy) };
}

/** Round 1: the shard's sketches and model data. */
export function encodeShardStats(held: HeldShard, points: number): Uint8Array {
  const sketches = THRESHOLD_FIELDS.map((f) => sketchOf(held.values[f], points));
  const m = shardModelData(held.table, held.order);
  return encodeColumns({ n: sketches.map((s) => s.n), repeatCustomers: m.repeatCustomers }, [...sketches.flatMap((s) => [s.ranks, s.values]), m.x, m.tx, m.T, m.weight, m.ggOrder, m.ggX, m.ggMx]);
}

/** A shard's round-1 blob read back. */
export function decodeShardStats(blob: Uint8Array): { sketches: Record<ThresholdField, Sketch>; model: ShardModelData } {
  const { meta, columns } = decodeColumns<{ n: number[]; repeatCustomers: number }>(blob);
  const c = columns as Float64Array[];
  const sketches = {} as Record<ThresholdField, Sketch>;
  THRESHOLD_FIELDS.forEach((f, i) => {
    sketches[f] = { n: meta.n[i]!, ranks: c[2 * i]!, values: c[2 * i + 1]! };
  });
  const at = 2 * THRESHOLD_FIELDS.length;
  return { sketches, model: { repeatCustomers: meta.repeatCustomers, x: c[at]!, tx: c[at + 1]!, T: c[at + 2]!, weight: c[at + 3]!, ggOrder: c[at + 4]!, ggX: c[at + 5]!, ggMx: c[at + 6]! } };
}

/** Brackets of every field whose thresholds are wanted. */
export type Brackets = Partial<Record<ThresholdField, Array<[number, number]>>>;

/** Round 2: the shard's runs in each bracket. */
export function encodeSelect(held: HeldShard, brackets: Brackets): Uint8Array {
  const fields: Array<[ThresholdField, number]> = [];
  const below: number[] = [];
  const columns: Float64Array[] = [];
  for (const f of THRESHOLD_FIELDS) {
    const list = brackets[f];
    if (!list) continue;
    fields.push([f, list.length]);
    for (const [lo, hi] of list) {
      const runs = bracketRuns(held.values[f], lo, hi);
      below.push(runs.below);
      columns.push(runs.values, runs.counts);
    }
  }
  return encodeColumns({ fields, below }, columns);
}

/** A shard's round-2 blob read back: per field, one reply per bracket. */
export function decodeSelect(blob: Uint8Array): Partial<Record<ThresholdField, BracketRuns[]>> {
  const { meta, columns } = decodeColumns<{ fields: Array<[ThresholdField, number]>; below: number[] }>(blob);
  const out: Partial<Record<ThresholdField, BracketRuns[]>> = {};
  let k = 0;
  for (const [f, count] of meta.fields) {
    const list: BracketRuns[] = [];
    for (let i = 0; i < count; i++, k++) list.push({ below: meta.below[k]!, values: columns[2 * k] as Float64Array, counts: columns[2 * k + 1] as Float64Array });
    out[f] = list;
  }
  return out;
}

/** The base's thresholds, as the coordinator selected them (band: empty with money edges). */
export type BaseThresholds = Record<ThresholdField, number[]>;

/** What scoring a shard needs besides the shard. */
export interface ScoreParams {
  readonly config: Config;
  readonly thresholds: BaseThresholds;
  /** The base's fits; null when the models are off. */
  readonly fitted: NonNullable<FitPredictionsOptions['fitted']> | null;
  /** The job's kernels: the predictions use the single machine's (native and TypeScript ones agree to the last bits only mostly). */
  readonly engine: 'js' | 'native';
}

/** A shard's sums for the manifest. */
export interface ShardSums {
  readonly customers: number;
  readonly purchasing: number;
  readonly revenue: number;
  readonly segments: Record<string, number>;
  readonly tiers: Record<string, number>;
  readonly lifecycle: Record<string, number>;
  readonly winBack: number;
  /** Per band 1..B (index 0 unused): customers, revenue, weekly spend, and the banding field's min and max (null: empty). */
  readonly bands: { customers: number[]; revenue: number[]; spend: number[]; min: Array<number | null>; max: Array<number | null> };
  /** Lifecycle-lost customers with a p_alive, and those of them with p_alive > 0.95 (holdout.ts degenerateFitWarnings). */
  readonly lost: { readonly lost: number; readonly alive: number };
}

/**
 * Scores a shard as the single machine scores the whole base (score-base.ts): the thresholds
 * are the base's (handed to scoreRfm and assignSpendBands in their call order: R, F, M, band)
 * and the predictions use the base's fits. Returns the shard's customers.arrow and its sums.
 */
export function scoreShard(held: HeldShard, p: ScoreParams, previous: Table | null): { bytes: Uint8Array; sums: ShardSums } {
  const { table } = held;
  const { config } = p;
  const given = [p.thresholds.r, p.thresholds.f, p.thresholds.m, p.thresholds.band];
  let call = 0;
  const thresholdsOf: ThresholdsFn = (_values, k) => {
    const t = given[call++];
    if (t === undefined || (t.length !== k - 1 && t.length !== 0)) throw new Error(`cluster score: threshold call ${call} of ${given.length} (k = ${k}) has no matching thresholds`);
    return Float64Array.from(t);
  };
  const predictions = config.models.enabled ? fitPredictions(table, config, { engine: p.engine, ...(p.fitted ? { fitted: p.fitted } : {}) }).columns : null;
  const scored = scoreBase(table, config, previous ? previousState(previous, table.customerId) : null, predictions, thresholdsOf);
  const sb = config.spend_bands;
  const bandCount = sb.edges ? sb.edges.length + 1 : sb.quantiles;
  const values = table.fields[sb.by as keyof typeof table.fields];
  const bands = { customers: new Array<number>(bandCount + 1).fill(0), revenue: new Array<number>(bandCount + 1).fill(0), spend: new Array<number>(bandCount + 1).fill(0), min: new Array<number | null>(bandCount + 1).fill(null), max: new Array<number | null>(bandCount + 1).fill(null) };
  let purchasing = 0;
  let revenue = 0;
  for (let c = 0; c < table.size; c++) {
    if (table.fields.orders[c]! >= 1) purchasing++;
    revenue += table.fields.revenue[c]!;
    const b = scored.spendBands.band[c]!;
    if (b === 0) continue;
    bands.customers[b]!++;
    bands.revenue[b]! += table.fields.revenue[c]!;
    bands.spend[b]! += table.fields.weekly_spend[c]!;
    const v = values[c]!;
    if (bands.min[b] === null || v < bands.min[b]!) bands.min[b] = v;
    if (bands.max[b] === null || v > bands.max[b]!) bands.max[b] = v;
  }
  let winBack = 0;
  for (const w of scored.winBack) winBack += w;
  const lostCode = scored.lifecycle.names.indexOf('lost');
  let lost = 0;
  let alive = 0;
  if (predictions) {
    for (let c = 0; c < table.size; c++) {
      if (scored.lifecycle.codes[c] !== lostCode || Number.isNaN(predictions.p_alive[c]!)) continue;
      lost++;
      if (predictions.p_alive[c]! > 0.95) alive++;
    }
  }
  return {
    bytes: encodeCustomers(buildCustomersTable(scored)),
    sums: { customers: table.size, purchasing, revenue, segments: countBy(scored.segment), tiers: countBy(scored.tier), lifecycle: countBy(scored.lifecycle), winBack, bands, lost: { lost, alive } },
  };
}
