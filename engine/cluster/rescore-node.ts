/**
 * A node's share of a cluster rescore: it pulls tasks from the work queue (task-queue.ts) and runs
 * them, one at a time, until stopped.
 *
 *   aggregate task (a share: row groups or a byte range) ──read/sink──► packs by shard ──► object store
 *                                                                     + share record (rows, rejects, max ts) in KV
 *   merge task (a shard, as_of)  ◄── that shard's packs of every share ──combine/finalize──► part + stats ──► object store
 *                                                                     (the node keeps the merged shard for the tail)
 *   select task (a shard, brackets) ──► the shard's values in them ──► object store
 *   score task (a shard, thresholds, fits) ──► the shard's customers.arrow ──► snapshot bucket + its sums in KV
 *
 * A select or score task that lands on a node without the shard (a redelivery) reads its part back.
 *
 * A task is acknowledged only after its output is in the object store and its record in KV (both
 * replicated), so a node killed mid-task leaves the task unacknowledged and it is delivered again.
 * A task that fails on its input (a coded SegError) fails the job at once; any other failure
 * is retried on redelivery and fails the job on its last delivery.
 */
import type { JsMsg } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import type { ObjectStore } from '@nats-io/obj';
import { combinePartials } from '../aggregate/combine-partials.js';
import type { Config } from '../config/config-schema.js';
import { dayOf } from '../parse/parse-timestamp.js';
import { decodeCustomers } from '../snapshot/customers-file.js';
import { type PartitionPack, packPartitions } from '../aggregate/partial-pack.js';
import { aggregateExtra } from '../pool/parallel-aggregate.js';
import { archiveBatches, archiveBytes, archiveName, firstOfEventId, openArchive, type ShardFold, streamBatches, writesArchive } from './event-stream.js';
import type { KernelMode } from '../kernels/load-kernels.js';
import type { DialectDecisions } from '../parse/input-dialect.js';
import type { Share } from '../pool/plan-shares.js';
import { combineParts, toTablePart } from '../pool/table-pack.js';
import { type ShareResult, sinkShare } from '../pool/worker-tasks.js';
import type { TxBatch } from '../parse/parse-batch.js';
import type { ReadOptions } from '../read/raw-batch.js';
import { dropKey, type NatsCluster, readObject, retryTimeouts } from './nats-connection.js';
import { decodePack, decodePart, encodePack, encodePart, getRequired, openPartialStore, partialName, putObject } from './partial-store.js';
import { type BaseThresholds, type Brackets, encodeSelect, encodeShardStats, type HeldShard, holdShard, type ScoreParams, type ShardSums, scoreShard, type TailParams } from './shard-score.js';
import { ensureTaskQueue, jobBucket, jobKey, ownedConsumer, taskConsumer, WORKER_BEAT_MS, WORKER_TTL_MS, WORKERS_BUCKET, whileWorking } from './task-queue.js';

/** Read and sink one share; cut its state into `shards` packs. */
export interface AggregateTaskMsg {
  readonly kind: 'aggregate';
  readonly job: string;
  readonly share: Share;
  readonly shards: number;
  readonly asOfMs: number;
  readonly read: ReadOptions;
  readonly engine: KernelMode;
  readonly dialect?: DialectDecisions;
}

/** Sink a shard's acknowledged events (its archived folds, then a range of its stream's sequences) as one share; archive the range. */
export interface EventsTaskMsg {
  readonly kind: 'events';
  readonly job: string;
  /** The share's index: after every file's share, so events come after the files in first-appearance order, as the single machine folds its log. */
  readonly index: number;
  readonly fold: ShardFold;
  readonly shards: number;
  readonly asOfMs: number;
}

/** Combine one shard's packs (of `shares`, in share order) and finalize it. */
export interface MergeTaskMsg {
  readonly kind: 'merge';
  readonly job: string;
  readonly shard: number;
  /** The (job, share) of every pack of this shard that is not empty, in share order. */
  readonly sources: Array<{ readonly job: string; readonly share: number }>;
  readonly asOfMs: number;
  readonly hasMargin: boolean;
  readonly windowDays: number[];
  readonly engine: KernelMode;
  readonly tail: TailParams;
}

/** Round 2 of the thresholds on one shard. */
export interface SelectTaskMsg {
  readonly kind: 'select';
  readonly job: string;
  readonly shard: number;
  readonly asOfMs: number;
  readonly bandBy: string | null;
  readonly brackets: Brackets;
}

/** Score one shard and write its part of the snapshot. */
export interface ScoreTaskMsg {
  readonly kind: 'score';
  readonly job: string;
  readonly shard: number;
  readonly asOfMs: number;
  readonly config: Config;
  readonly thresholds: BaseThresholds;
  readonly fitted: ScoreParams['fitted'];
  readonly engine: ScoreParams['engine'];
  /** The live snapshot's job when it has this shard count: its part of this shard gives tiers their grace and `reactivated`. */
  readonly previousJob: string | null;
}

export type RescoreTask = AggregateTaskMsg | EventsTaskMsg | MergeTaskMsg | SelectTaskMsg | ScoreTaskMsg;

/** The bucket of published snapshots: each shard's customers.arrow, the manifest, the rejects. */
export const SNAPSHOT_BUCKET = 'segstream-snapshots';

/** Object names of a cluster snapshot. */
export const snapshotName = {
  customers: (job: string, shard: number): string => `${job}/customers/${shard}.arrow`,
  manifest: (job: string): string => `${job}/manifest.json`,
  rejects: (job: string): string => `${job}/rejects.ndjson`,
};

/** Opens (creating when missing) the replicated snapshot bucket. */
export function openSnapshotStore(cluster: NatsCluster): Promise<ObjectStore> {
  return cluster.objectStore(SNAPSHOT_BUCKET);
}

/** A scored shard's record: its sums for the manifest and its stored part. */
export interface ScoredRecord extends ShardSums {
  readonly object: { readonly name: string; readonly size: number; readonly digest: string };
  readonly node: string;
  readonly delivery: number;
}

/** A select task's record. */
export interface SelectRecord {
  readonly bytes: number;
  readonly node: string;
  readonly delivery: number;
}

/** A share's record in the job bucket: its result without the packs, and who made it. */
export interface ShareRecord extends Omit<ShareResult, 'packs'> {
  /** Shards whose pack is not empty. */
  readonly shards: number[];
  /** Bytes of the packs stored. */
  readonly bytes: number;
  readonly node: string;
  /** The delivery of the task that made it (above 1: redelivered). */
  readonly delivery: number;
}

/** A shard's record in the job bucket. */
export interface PartRecord {
  readonly size: number;
  readonly bytes: number;
  readonly node: string;
  readonly delivery: number;
}

/** A job's failure record. */
export interface FailedRecord {
  readonly code: string | undefined;
  readonly message: string;
  readonly node: string;
}

/** What the node reports about itself (the CLI's log lines; tests watch them). */
export type NodeLog = (line: string) => void;

/** A running node: `stop()` finishes the task in hand and returns. */
export interface RescoreNode {
  stop(): Promise<void>;
  /** Tasks this node has finished. */
  readonly done: () => number;
}

/** Starts taking tasks on `cluster`. */
export async function startRescoreNode(cluster: NatsCluster, log: NodeLog = () => undefined): Promise<RescoreNode> {
  await ensureTaskQueue(cluster, { update: false });
  const consumer = await taskConsumer(cluster);
  const store = await openPartialStore(cluster);
  const snapshots = await openSnapshotStore(cluster);
  const kv = await jobBucket(cluster);
  let stopping = false;
  let done = 0;
  // Shards this node merged, by `job/shard`, kept for the job's select and score tasks (one job's at a time).
  const held = new Map<string, HeldShard>();
  const holding = (job: string): Map<string, HeldShard> => {
    for (const key of held.keys()) if (!key.startsWith(`${job}/`)) held.delete(key);
    return held;
  };
  // Alive while it beats: the coordinator gives shard tasks to live nodes only, and hands a gone owner's on.
  const workers = await cluster.bucket(WORKERS_BUCKET, { ttlMs: WORKER_TTL_MS });
  const beat = (): Promise<unknown> => workers.put(cluster.config.node, JSON.stringify({ at: Date.now() })).catch((error: unknown) => log(`heartbeat not stored: ${(error as Error).message}`));
  await beat();
  const beating = setInterval(() => void beat(), WORKER_BEAT_MS);
  const own = await ownedConsumer(cluster);
  const loop = (async () => {
    while (!stopping) {
      // Its own shard tasks first (a question to the server: any waiting?), else a shared one. A
      // pull waits up to its expiry (1 s at least) when it finds nothing, so the queue asked is
      // the one that has work: an own task published meanwhile waits one expiry at most.
      const info = await own.info().catch(() => null);
      const mine = info !== null && info.num_pending + info.num_ack_pending > 0;
      const msg = await (mine ? own : consumer).next({ expires: 1000 }).catch(() => null);
      if (msg === null) {
        // A pull that failed at once (the server gone a moment) must not spin.
        if (info === null) await new Promise((r) => setTimeout(r, 250));
        continue;
      }
      await handle(msg);
    }
  })();

  async function handle(msg: JsMsg): Promise<void> {
    const task = msg.json<RescoreTask>();
    const delivery = msg.info.deliveryCount;
    const name = task.kind === 'aggregate' ? `${task.job} aggregate share ${task.share.index}` : task.kind === 'events' ? `${task.job} events of shard ${task.fold.shard}` : `${task.job} ${task.kind} shard ${task.shard}`;
    log(`took ${name} (delivery ${delivery})`);
    try {
      // A job that already failed needs no more work.
      if ((await kv.get(jobKey.failed(task.job)))?.operation === 'PUT') {
        msg.term('job failed');
        return;
      }
      const node = cluster.config.node;
      await whileWorking(msg, () => {
        switch (task.kind) {
          case 'aggregate':
            return runAggregateTask(task, node, delivery, store, kv);
          case 'events':
            return runEventsTask(task, cluster, delivery, store, kv);
          case 'merge':
            return runMergeTask(task, node, delivery, store, kv, holding(task.job));
          case 'select':
            return runSelectTask(task, node, delivery, store, kv, holding(task.job));
          case 'score':
            return runScoreTask(task, node, delivery, store, snapshots, kv, holding(task.job));
        }
      });
    } catch (error) {
      await failed(msg, task, name, delivery, error);
      return;
    }
    // The output is stored under fixed names: when this delivery was overtaken (ack wait passed), the other writes the same bytes.
    await msg.ackAck().catch((error: unknown) => log(`ack of ${name} not taken: ${(error as Error).message}`));
    done++;
    log(`done ${name}`);
  }

  async function failed(msg: JsMsg, task: RescoreTask, name: string, delivery: number, error: unknown): Promise<void> {
    const maxDeliver = (await consumer.info(true).catch(() => null))?.config.max_deliver ?? 1;
    const code = (error as { code?: string }).code;
    // Only segstream's own codes say the input is bad; a NATS error's code (a timeout) is worth another delivery.
    const final = (typeof code === 'string' && code.startsWith('SEG_ERR_')) || delivery >= maxDeliver;
    log(`failed ${name}: ${(error as Error).message}${final ? '' : ' (retried)'}${process.env['SEGSTREAM_DEBUG'] ? `\n${(error as Error).stack ?? ''}` : ''}`);
    if (final) {
      const record: FailedRecord = { code, message: (error as Error).message, node: cluster.config.node };
      await kv.put(jobKey.failed(task.job), JSON.stringify(record)).catch(() => undefined);
      msg.term();
    } else msg.nak(250);
  }

  return {
    async stop() {
      stopping = true;
      await loop;
      clearInterval(beating);
      await dropKey(cluster, WORKERS_BUCKET, cluster.config.node).catch(() => undefined);
    },
    done: () => done,
  };
}

async function runAggregateTask(task: AggregateTaskMsg, node: string, delivery: number, store: ObjectStore, kv: KV): Promise<void> {
  const { share } = task;
  const { agg, summary } = await sinkShare(task);
  await storeShare(store, kv, task.job, share.index, packPartitions(agg, share.index, task.shards), { ...summary, node, delivery });
}

/** Stores a share's non-empty packs, then its record (the task's ack follows). */
async function storeShare(store: ObjectStore, kv: KV, job: string, index: number, packs: readonly PartitionPack[], record: Omit<ShareRecord, 'shards' | 'bytes'>): Promise<void> {
  const shards: number[] = [];
  let bytes = 0;
  for (let s = 0; s < packs.length; s++) {
    if (packs[s]!.size === 0) continue;
    const blob = encodePack(packs[s]!);
    bytes += blob.byteLength;
    await putObject(store, partialName.pack(job, index, s), blob);
    shards.push(s);
  }
  const full: ShareRecord = { ...record, shards, bytes };
  await retryTimeouts(() => kv.put(jobKey.share(job, index), JSON.stringify(full)));
}

async function runEventsTask(task: EventsTaskMsg, cluster: NatsCluster, delivery: number, store: ObjectStore, kv: KV): Promise<void> {
  const { fold } = task;
  const archive = await openArchive(cluster);
  const payloads: Uint8Array[] = [];
  const blobs: Uint8Array[] | undefined = fold.compact ? [] : undefined;
  // Rows were judged when they were taken (the events route): valid rows only, so no rejects here.
  // A row whose event id came earlier in the shard is a retry JetStream stored again: skipped (the archive keeps it).
  const first = firstOfEventId(new Set());
  const keep = (_ts: number, eventId: string): boolean => first(eventId);
  async function* rows(): AsyncIterable<TxBatch> {
    for (const name of fold.archived) yield* archiveBatches(archive, name, keep, blobs);
    if (fold.range) yield* streamBatches(cluster.js, fold.range, keep, payloads);
  }
  const { result } = await aggregateExtra(rows(), task.asOfMs, task.index, task.shards);
  // The stream's range (with the archived rows, when the fold compacts them) is archived before the
  // share counts: once the pointer moves, the stream is trimmed below it and replaced objects go.
  if (writesArchive(fold)) await putObject(archive, archiveName(task.job, fold.shard), archiveBytes(payloads, blobs));
  const { packs: _packs, sink: _sink, ...summary } = result;
  await storeShare(store, kv, task.job, task.index, result.packs, { ...summary, node: cluster.config.node, delivery });
}

async function runMergeTask(task: MergeTaskMsg, node: string, delivery: number, store: ObjectStore, kv: KV, held: Map<string, HeldShard>): Promise<void> {
  const packs = [];
  for (const { job, share } of task.sources) packs.push(decodePack(await getRequired(store, partialName.pack(job, share, task.shard))));
  const { table, order } = combinePartials(packs, task.asOfMs, task.hasMargin, task.windowDays);
  // The part is stored too: a select or score task redelivered to another node reads it back.
  const blob = encodePart(toTablePart(table, order));
  await putObject(store, partialName.part(task.job, task.shard), blob);
  const shard = holdShard(table, order, task.tail.bandBy);
  const stats = encodeShardStats(shard, task.tail.points);
  await putObject(store, partialName.stats(task.job, task.shard), stats);
  held.set(`${task.job}/${task.shard}`, shard);
  const record: PartRecord = { size: table.size, bytes: blob.byteLength + stats.byteLength, node, delivery };
  await retryTimeouts(() => kv.put(jobKey.part(task.job, task.shard), JSON.stringify(record)));
}

/** The merged shard: held here, or read back from its stored part. */
async function heldShard(job: string, shard: number, asOfMs: number, bandBy: string | null, store: ObjectStore, held: Map<string, HeldShard>): Promise<HeldShard> {
  const key = `${job}/${shard}`;
  let h = held.get(key);
  if (!h) {
    const part = decodePart(await getRequired(store, partialName.part(job, shard)));
    h = holdShard(combineParts([part], asOfMs, dayOf(asOfMs)), part.order, bandBy);
    held.set(key, h);
  }
  return h;
}

async function runSelectTask(task: SelectTaskMsg, node: string, delivery: number, store: ObjectStore, kv: KV, held: Map<string, HeldShard>): Promise<void> {
  const shard = await heldShard(task.job, task.shard, task.asOfMs, task.bandBy, store, held);
  const blob = encodeSelect(shard, task.brackets);
  await putObject(store, partialName.select(task.job, task.shard), blob);
  const record: SelectRecord = { bytes: blob.byteLength, node, delivery };
  await retryTimeouts(() => kv.put(jobKey.select(task.job, task.shard), JSON.stringify(record)));
}

async function runScoreTask(task: ScoreTaskMsg, node: string, delivery: number, store: ObjectStore, snapshots: ObjectStore, kv: KV, held: Map<string, HeldShard>): Promise<void> {
  const sb = task.config.spend_bands;
  const shard = await heldShard(task.job, task.shard, task.asOfMs, sb.edges ? null : sb.by, store, held);
  const previousBytes = task.previousJob === null ? null : await readObject(snapshots, snapshotName.customers(task.previousJob!, task.shard));
  const { bytes, sums } = scoreShard(shard, { config: task.config, thresholds: task.thresholds, fitted: task.fitted, engine: task.engine }, previousBytes ? decodeCustomers(previousBytes) : null);
  const info = await putObject(snapshots, snapshotName.customers(task.job, task.shard), bytes);
  const record: ScoredRecord = { ...sums, object: { name: info.name, size: info.size, digest: info.digest }, node, delivery };
  await retryTimeouts(() => kv.put(jobKey.scored(task.job, task.shard), JSON.stringify(record)));
  held.delete(`${task.job}/${task.shard}`);
}
