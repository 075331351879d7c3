/**
 * A node's share of a cluster rescore: it pulls tasks from the work queue (task-queue.ts) and runs
 * them, one at a time, until stopped.
 *
 *   aggregate task (a share: row groups or a byte range) ──read/sink──► packs by shard ──► object store
 *                                                                     + share record (rows, rejects, max ts) in KV
 *   merge task (a shard, as_of)  ◄── that shard's packs of every share ──combine/finalize──► part ──► object store
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
import { packPartitions } from '../aggregate/partial-pack.js';
import type { KernelMode } from '../kernels/load-kernels.js';
import type { DialectDecisions } from '../parse/input-dialect.js';
import type { Share } from '../pool/plan-shares.js';
import { toTablePart } from '../pool/table-pack.js';
import { type ShareResult, sinkShare } from '../pool/worker-tasks.js';
import type { ReadOptions } from '../read/raw-batch.js';
import type { NatsCluster } from './nats-connection.js';
import { decodePack, encodePack, encodePart, getRequired, openPartialStore, partialName, putObject } from './partial-store.js';
import { ensureTaskQueue, jobBucket, jobKey, taskConsumer, whileWorking } from './task-queue.js';

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
}

export type RescoreTask = AggregateTaskMsg | MergeTaskMsg;

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
  const kv = await jobBucket(cluster);
  let stopping = false;
  let done = 0;
  const loop = (async () => {
    while (!stopping) {
      const msg = await consumer.next({ expires: 1000 }).catch(() => null);
      if (msg === null) continue;
      await handle(msg);
    }
  })();

  async function handle(msg: JsMsg): Promise<void> {
    const task = msg.json<RescoreTask>();
    const delivery = msg.info.deliveryCount;
    const name = task.kind === 'aggregate' ? `${task.job} aggregate share ${task.share.index}` : `${task.job} merge shard ${task.shard}`;
    log(`took ${name} (delivery ${delivery})`);
    try {
      // A job that already failed needs no more work.
      if ((await kv.get(jobKey.failed(task.job)))?.operation === 'PUT') {
        msg.term('job failed');
        return;
      }
      await whileWorking(msg, () => (task.kind === 'aggregate' ? runAggregateTask(task, cluster.config.node, delivery, store, kv) : runMergeTask(task, cluster.config.node, delivery, store, kv)));
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
    const final = code !== undefined || delivery >= maxDeliver;
    log(`failed ${name}: ${(error as Error).message}${final ? '' : ' (retried)'}`);
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
    },
    done: () => done,
  };
}

async function runAggregateTask(task: AggregateTaskMsg, node: string, delivery: number, store: ObjectStore, kv: KV): Promise<void> {
  const { share } = task;
  const { agg, summary } = await sinkShare(task);
  const packs = packPartitions(agg, share.index, task.shards);
  const shards: number[] = [];
  let bytes = 0;
  for (let s = 0; s < packs.length; s++) {
    if (packs[s]!.size === 0) continue;
    const blob = encodePack(packs[s]!);
    bytes += blob.byteLength;
    await putObject(store, partialName.pack(task.job, share.index, s), blob);
    shards.push(s);
  }
  const record: ShareRecord = {
    ...summary,
    shards,
    bytes,
    node,
    delivery,
  };
  await kv.put(jobKey.share(task.job, share.index), JSON.stringify(record));
}

async function runMergeTask(task: MergeTaskMsg, node: string, delivery: number, store: ObjectStore, kv: KV): Promise<void> {
  const packs = [];
  for (const { job, share } of task.sources) packs.push(decodePack(await getRequired(store, partialName.pack(job, share, task.shard))));
  const { table, order } = combinePartials(packs, task.asOfMs, task.hasMargin, task.windowDays);
  const blob = encodePart(toTablePart(table, order));
  await putObject(store, partialName.part(task.job, task.shard), blob);
  const record: PartRecord = { size: table.size, bytes: blob.byteLength, node, delivery };
  await kv.put(jobKey.part(task.job, task.shard), JSON.stringify(record));
}
