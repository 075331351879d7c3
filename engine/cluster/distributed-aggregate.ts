/**
 * The coordinator's side of the read → aggregate → finalize stage across the cluster: the same
 * sink / combine / finalize as engine/pool/parallel-aggregate.ts, with the work queue in place of
 * the thread pool and the object store in place of transferred buffers.
 *
 *   1  plan shares (the readers' planSplits) ──► aggregate tasks ──► nodes sink them, packs by shard → object store
 *   2  every share recorded: as_of = end of the latest day (unless given) ──► one merge task per shard
 *   3  every shard's part recorded: the merged shards stay on the nodes for the tail (cluster-tail.ts)
 *
 * Shares are numbered in input order and customers keep (share, first-seen) order keys, so a
 * shard's customers carry their place in the single machine's base (the Gamma-Gamma fit needs it).
 */
import type { KV } from '@nats-io/kv';
import type { ObjectStore } from '@nats-io/obj';
import { endOfDay } from '../aggregate/finalize.js';
import { extraBatches } from '../aggregate/extra-batches.js';
import { capMessage, ClusterJobError } from '../errors.js';
import { MAX_TIMESTAMP_MS } from '../parse/parse-timestamp.js';
import { aggregateExtra, bookkeeping, type ParallelAggregated, type ParallelAggregateOptions } from '../pool/parallel-aggregate.js';
import { type Share, planShares } from '../pool/plan-shares.js';
import type { ShareResult } from '../pool/worker-tasks.js';
import type { InputFile } from '../read/open-input.js';
import type { ReadOptions } from '../read/raw-batch.js';
import { type NatsCluster, retryTimeouts } from './nats-connection.js';
import { encodePack, openPartialStore, partialName, putObject } from './partial-store.js';
import type { AggregateTaskMsg, EventsTaskMsg, FailedRecord, MergeTaskMsg, PartRecord, ShareRecord } from './rescore-node.js';
import type { TailParams } from './shard-score.js';
import type { ShardFold } from './event-stream.js';
import { ShardTasks } from './shard-tasks.js';
import { jobBucket, jobKey, publishTask, taskSubject } from './task-queue.js';

/** Options of {@link aggregateCluster} beyond the pool's. */
export interface ClusterAggregateOptions {
  readonly job: string;
  /** Aggregate tasks to cut the input into (default: 4 per shard owner is too fine for small inputs; planShares decides below). */
  readonly tasks: number;
  /** Shards of the base (the cluster config's). */
  readonly shards: number;
  /** A job not done within this fails (every node gone). */
  readonly timeoutMs: number;
  /** What the merges prepare for the tail. */
  readonly tail: TailParams;
  /** Each shard's acknowledged events to fold in (archived and in its stream), one share each after the files'. */
  readonly events?: readonly ShardFold[];
  /** Called with each stage's records (the CLI's progress, tests). */
  readonly onRecord?: (key: string, value: unknown) => void;
}

/** What the cluster stage reports: the pool's result without the table (its shards stay on the nodes). */
export interface ClusterAggregated extends Omit<ParallelAggregated, 'table'> {
  readonly asOfMs: number;
  /** Shards that have customers, ascending. */
  readonly shards: number[];
  /** Their owners for this job, who took the merges and take the tail's tasks. */
  readonly shardTasks: ShardTasks;
  readonly records: { shares: ShareRecord[]; parts: PartRecord[] };
}

/** Runs the stage on the cluster; the calling process need not take tasks itself. */
export async function aggregateCluster(
  cluster: NatsCluster,
  files: readonly InputFile[],
  readOptions: ReadOptions,
  opts: ParallelAggregateOptions,
  c: ClusterAggregateOptions,
): Promise<ClusterAggregated> {
  const t0 = performance.now();
  const store = await openPartialStore(cluster);
  const kv = await jobBucket(cluster);
  const asOfRead = opts.asOfMs ?? opts.readCutMs ?? Number.POSITIVE_INFINITY;
  const engine = opts.engine ?? 'auto';
  let shares = await planShares(files, c.tasks, opts.format, opts.minShareBytes);
  const tPlan = performance.now();
  const aggregate = async (job: string, list: Share[]): Promise<ShareRecord[]> => {
    for (const share of list) {
      const task: AggregateTaskMsg = { kind: 'aggregate', job, share, shards: c.shards, asOfMs: asOfRead, read: readOptions, engine, ...(opts.dialect ? { dialect: opts.dialect } : {}) };
      await publishTask(cluster, taskSubject(job, 'aggregate', share.index), task);
    }
    const got = await waitFor<ShareRecord>(kv, job, list.map((s) => jobKey.share(job, s.index)), c);
    return got;
  };
  let records = await aggregate(c.job, shares);
  // Share `i` of `records` came from job `sources[i]` (a CSV split on a quote is read again whole, under its own job name).
  let sources = shares.map(() => c.job);
  const quotedFiles = new Set(shares.filter((s, i) => s.part.kind === 'bytes' && s.format === 'csv' && records[i]!.quoted).map((s) => s.file));
  if (quotedFiles.size > 0) {
    const redoJob = `${c.job}-whole`;
    const redo = shares.filter((s) => quotedFiles.has(s.file) && s.part.kind === 'bytes' && s.part.start === 0).map((s): Share => ({ ...s, bytes: 0, part: { kind: 'whole' } }));
    const redone = await aggregate(redoJob, redo);
    const keep = shares.map((s, i) => ({ s, r: records[i]!, job: c.job })).filter(({ s }) => !quotedFiles.has(s.file));
    for (const [i, s] of redo.entries()) keep.push({ s, r: redone[i]!, job: redoJob });
    keep.sort((a, b) => a.s.index - b.s.index);
    shares = keep.map((k) => k.s);
    records = keep.map((k) => k.r);
    sources = keep.map((k) => k.job);
  }
  const inputMaxTs = records.reduce((m, r) => (r.validRows > 0 && r.maxTs > m ? r.maxTs : m), Number.NEGATIVE_INFINITY);
  // The event log's rows are on this node: sunk here, stored as the last share.
  const extraIndex = shares.length === 0 ? 0 : shares[shares.length - 1]!.index + 1;
  const extra = opts.extra ? await aggregateExtra(extraBatches(opts.extra, inputMaxTs), asOfRead, extraIndex, c.shards) : null;
  const all: Array<{ index: number; job: string; record: Omit<ShareResult, 'packs'> & { shards: number[] } }> = shares.map((s, i) => ({ index: s.index, job: sources[i]!, record: records[i]! }));
  if (extra && extra.rows > 0) all.push({ index: extraIndex, job: c.job, record: await storeExtra(store, c.job, extraIndex, extra.result) });
  // Each shard stream's events as a share of its own, sunk by a node, after the files and the log.
  const events = (c.events ?? []).map((fold, i): EventsTaskMsg => ({ kind: 'events', job: c.job, index: extraIndex + 1 + i, fold, shards: c.shards, asOfMs: asOfRead }));
  for (const task of events) await publishTask(cluster, taskSubject(c.job, 'events', task.index), task);
  const eventRecords = await waitFor<ShareRecord>(kv, c.job, events.map((t) => jobKey.share(c.job, t.index)), c);
  let eventRows = 0;
  for (const [i, task] of events.entries()) {
    all.push({ index: task.index, job: c.job, record: eventRecords[i]! });
    eventRows += eventRecords[i]!.rows;
  }
  const tRead = performance.now();

  let validRows = 0;
  let futureRows = 0;
  let maxTs = Number.NEGATIVE_INFINITY;
  let hasMargin = false;
  for (const { record: r } of all) {
    validRows += r.validRows;
    futureRows += r.futureRows;
    if (r.maxTs > maxTs) maxTs = r.maxTs;
    hasMargin ||= r.hasMargin;
  }
  const asOfMs = opts.asOfMs ?? (validRows > 0 ? Math.min(endOfDay(maxTs), MAX_TIMESTAMP_MS) : endOfDay(Date.now()));
  const shardSources = new Map<number, Array<{ job: string; share: number }>>();
  for (const { index, job, record } of all) {
    for (const s of record.shards) {
      const list = shardSources.get(s) ?? [];
      list.push({ job, share: index });
      shardSources.set(s, list);
    }
  }
  const shardList = [...shardSources.keys()].sort((a, b) => a - b);
  // Each shard's merge, select and score on one node, its owner for this job (shard-tasks.ts).
  const shardTasks = await ShardTasks.plan(cluster, c.job, shardList, c.shards);
  for (const shard of shardList) {
    const task: MergeTaskMsg = { kind: 'merge', job: c.job, shard, sources: shardSources.get(shard)!, asOfMs, hasMargin, windowDays: [...opts.windowDays], engine, tail: c.tail };
    await shardTasks.publish('merge', shard, task, jobKey.part(c.job, shard));
  }
  const partRecords = await waitFor<PartRecord>(kv, c.job, shardList.map((s) => jobKey.part(c.job, s)), { ...c, onMissing: (missing) => shardTasks.rescue(missing) });
  const tMerge = performance.now();
  const shareResults: ShareResult[] = shares.map((_, i) => ({ ...records[i]!, packs: [] }));
  const { rejects, inputs, rowsRead } = bookkeeping(files, shares, shareResults, opts.format);
  if (extra) inputs.push({ path: '(event log)', format: 'wal', bytes: 0, rows: extra.rows });
  if (events.length > 0) inputs.push({ path: '(event streams)', format: 'nats', bytes: 0, rows: eventRows });
  const ms = (a: number, b: number): number => Math.round((b - a) * 10) / 10;
  return {
    asOfMs,
    shards: shardList,
    shardTasks,
    rejects,
    inputs,
    rowsRead: rowsRead + (extra?.rows ?? 0) + eventRows,
    validRows,
    futureRows,
    shares: shares.length,
    timings_ms: { plan: ms(t0, tPlan), read_aggregate: ms(tPlan, tRead), merge_finalize: ms(tRead, tMerge) },
    records: { shares: records, parts: partRecords },
  };
}

/** The event log's share (already cut by shard) stored like a node's. */
async function storeExtra(store: ObjectStore, job: string, index: number, result: ShareResult): Promise<ShareResult & { shards: number[]; bytes: number }> {
  const stored: number[] = [];
  let bytes = 0;
  for (let s = 0; s < result.packs.length; s++) {
    if (result.packs[s]!.size === 0) continue;
    const blob = encodePack(result.packs[s]!);
    bytes += blob.byteLength;
    await putObject(store, partialName.pack(job, index, s), blob);
    stored.push(s);
  }
  return { ...result, shards: stored, bytes };
}

/** How often a wait looks at the keys still missing (`onMissing`: a gone owner's tasks handed on). */
const MISSING_CHECK_MS = 1000;

/**
 * Waits until every key is in the job bucket (or the job failed, or time ran out); values in key
 * order. `onMissing` is given the keys still missing every {@link MISSING_CHECK_MS}.
 */
export async function waitFor<T>(kv: KV, job: string, keys: string[], c: Pick<ClusterAggregateOptions, 'job' | 'timeoutMs' | 'onRecord'> & { onMissing?: (missing: string[]) => Promise<unknown> }): Promise<T[]> {
  const want = new Set(keys);
  const got = new Map<string, T>();
  if (want.size === 0) return [];
  // Made again when it times out: on a loaded cluster a consumer's creation can take longer than the request timeout.
  const watch = await retryTimeouts(() => kv.watch({ key: `${job}.>` }));
  const timer = setTimeout(() => watch.stop(), c.timeoutMs);
  let checking = false;
  const onMissing = c.onMissing;
  const check = onMissing
    ? setInterval(() => {
        if (checking) return;
        checking = true;
        onMissing(keys.filter((k) => !got.has(k)))
          .catch(() => undefined)
          .finally(() => {
            checking = false;
          });
      }, MISSING_CHECK_MS)
    : null;
  let failed: FailedRecord | null = null;
  try {
    for await (const e of watch) {
      if (e.operation !== 'PUT') continue;
      if (e.key === jobKey.failed(job) || e.key === jobKey.failed(c.job)) {
        failed = e.json<FailedRecord>();
        break;
      }
      if (!want.has(e.key)) continue;
      const value = e.json<T>();
      got.set(e.key, value);
      c.onRecord?.(e.key, value);
      if (got.size === want.size) break;
    }
  } finally {
    clearTimeout(timer);
    if (check) clearInterval(check);
    watch.stop();
  }
  if (failed) throw new ClusterJobError(capMessage(`cluster rescore ${c.job} failed on node ${failed.node}: ${failed.code ? `${failed.code}: ` : ''}${failed.message}`));
  if (got.size < want.size) throw new ClusterJobError(`cluster rescore ${c.job}: ${want.size - got.size} of ${want.size} tasks not done after ${Math.round(c.timeoutMs / 1000)} s (no node took them?)`);
  return keys.map((k) => got.get(k)!);
}
