/**
 * The rescore's work queue: a JetStream stream with work-queue retention (a task is removed once
 * acknowledged), file storage, replicated; one durable pull consumer every node pulls from. A
 * task not acknowledged within `ackWaitMs` (its node died or hangs) is delivered again, to any
 * node, up to `maxDeliver` times; a node working on a long task says so (`working()`) so a slow
 * task is not taken for a dead one.
 *
 *   coordinator ──publish──► segstream.rescore.tasks.<job>.<kind>.<n> ──pull──► node A | node B | node C
 *                                   (ack after the task's output is durable in the object store)
 */
import { AckPolicy, type Consumer, type JsMsg, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import { bucketKeys, type NatsCluster, replicasFor, retryTimeouts } from './nats-connection.js';

export const TASK_STREAM = 'SEGSTREAM_RESCORE';
export const TASK_SUBJECTS = 'segstream.rescore.tasks.>';
export const TASK_CONSUMER = 'rescore-workers';
/** The KV bucket of job bookkeeping (tasks done, failures) and the live snapshot pointer. */
export const JOB_BUCKET = 'segstream-rescore';

/** How long a task may go without an ack or a `working()` before it is handed to another node. */
export const DEFAULT_ACK_WAIT_MS = 30_000;
/** Deliveries of one task before the job fails. */
export const DEFAULT_MAX_DELIVER = 4;

/** Subject of task `n` of kind `kind` of job `job`. */
export function taskSubject(job: string, kind: string, n: number): string {
  return `segstream.rescore.tasks.${job}.${kind}.${n}`;
}

/**
 * A shard's merge, select and score tasks go to the node chosen to own the shard for the job, on
 * a stream of their own (a work queue allows no two consumers whose subjects overlap): each node
 * pulls its own subjects with its own consumer. When the owner is gone (its heartbeat expired)
 * before its task is done, the coordinator publishes the task again on the shared subject
 * ({@link taskSubject}), where any node takes it.
 */
export const OWNED_STREAM = 'SEGSTREAM_RESCORE_OWNED';
export const OWNED_SUBJECTS = 'segstream.rescore.owned.>';

/** Subject of a shard task for `node`. */
export function ownedSubject(node: string, job: string, kind: string, n: number): string {
  return `segstream.rescore.owned.${node}.${job}.${kind}.${n}`;
}

/** Every owned task of a job, whoever owns it (to purge them). */
export function ownedJobFilter(job: string): string {
  return `segstream.rescore.owned.*.${job}.>`;
}

/** The KV bucket of rescore workers' heartbeats: a node put here within the TTL is alive. */
export const WORKERS_BUCKET = 'segstream-rescore-workers';
export const WORKER_BEAT_MS = 1000;
export const WORKER_TTL_MS = 5000;

/** The rescore workers alive now (a heartbeat within {@link WORKER_TTL_MS}), sorted. */
export async function liveWorkers(cluster: NatsCluster): Promise<string[]> {
  await cluster.bucket(WORKERS_BUCKET, { ttlMs: WORKER_TTL_MS });
  return bucketKeys(cluster, WORKERS_BUCKET);
}

/**
 * Creates the stream and the consumer when missing (every node may call it; the first wins, the
 * rest find them). A coordinator (`update`) also sets the consumer's ack wait and deliveries; a
 * node leaves them as they are.
 */
export async function ensureTaskQueue(cluster: NatsCluster, opts: { ackWaitMs?: number; maxDeliver?: number; update?: boolean } = {}): Promise<void> {
  const { jsm, nc } = cluster;
  const replicas = replicasFor(nc);
  try {
    await jsm.streams.info(TASK_STREAM);
  } catch {
    await jsm.streams.add({ name: TASK_STREAM, subjects: [TASK_SUBJECTS], retention: RetentionPolicy.Workqueue, storage: StorageType.File, num_replicas: replicas });
  }
  const config = {
    durable_name: TASK_CONSUMER,
    ack_policy: AckPolicy.Explicit,
    ack_wait: (opts.ackWaitMs ?? DEFAULT_ACK_WAIT_MS) * 1_000_000,
    max_deliver: opts.maxDeliver ?? DEFAULT_MAX_DELIVER,
    max_ack_pending: 1024,
  };
  try {
    const info = await jsm.consumers.info(TASK_STREAM, TASK_CONSUMER);
    if (opts.update === true && (info.config.ack_wait !== config.ack_wait || info.config.max_deliver !== config.max_deliver)) await jsm.consumers.update(TASK_STREAM, TASK_CONSUMER, config);
  } catch {
    await jsm.consumers.add(TASK_STREAM, config);
  }
  try {
    await jsm.streams.info(OWNED_STREAM);
  } catch {
    await jsm.streams.add({ name: OWNED_STREAM, subjects: [OWNED_SUBJECTS], retention: RetentionPolicy.Workqueue, storage: StorageType.File, num_replicas: replicas });
  }
  // The nodes' own consumers follow the coordinator's ack wait and deliveries too.
  if (opts.update === true) {
    for await (const info of jsm.consumers.list(OWNED_STREAM)) {
      if (info.config.ack_wait !== config.ack_wait || info.config.max_deliver !== config.max_deliver) await jsm.consumers.update(OWNED_STREAM, info.name, { ack_wait: config.ack_wait, max_deliver: config.max_deliver });
    }
  }
}

/** The shared consumer (after {@link ensureTaskQueue}). */
export async function taskConsumer(cluster: NatsCluster): Promise<Consumer> {
  return cluster.js.consumers.get(TASK_STREAM, TASK_CONSUMER);
}

/** This node's consumer of its own shard tasks, made when missing with the shared consumer's ack wait and deliveries. */
export async function ownedConsumer(cluster: NatsCluster): Promise<Consumer> {
  const { jsm, config } = cluster;
  const name = `owned-${config.node}`;
  const shared = (await jsm.consumers.info(TASK_STREAM, TASK_CONSUMER)).config;
  const own = { durable_name: name, filter_subject: `segstream.rescore.owned.${config.node}.>`, ack_policy: AckPolicy.Explicit, ack_wait: shared.ack_wait ?? DEFAULT_ACK_WAIT_MS * 1_000_000, max_deliver: shared.max_deliver ?? DEFAULT_MAX_DELIVER, max_ack_pending: 1024 };
  try {
    const info = await jsm.consumers.info(OWNED_STREAM, name);
    if (info.config.ack_wait !== own.ack_wait || info.config.max_deliver !== own.max_deliver) await jsm.consumers.update(OWNED_STREAM, name, own);
  } catch {
    await jsm.consumers.add(OWNED_STREAM, own);
  }
  return cluster.js.consumers.get(OWNED_STREAM, name);
}

/** Publishes a task and waits for the stream's acknowledgement (it is then replicated). */
export async function publishTask(cluster: NatsCluster, subject: string, task: unknown): Promise<void> {
  // The subject names the task: JetStream drops a retried publish it already stored as a duplicate.
  await retryTimeouts(() => cluster.js.publish(subject, JSON.stringify(task), { msgID: subject }));
}

/**
 * How often a node tells the server it still works on a task: well inside any ack wait worth
 * setting (a coordinator may change it while nodes run), at one small message per task per tick.
 */
export const WORKING_EVERY_MS = 500;

/** Keeps a message's ack deadline moving while `work` runs. */
export async function whileWorking<T>(msg: JsMsg, work: () => Promise<T>): Promise<T> {
  const timer = setInterval(() => msg.working(), WORKING_EVERY_MS);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}

/** Opens the job bucket. */
export function jobBucket(cluster: NatsCluster): Promise<KV> {
  return cluster.bucket(JOB_BUCKET, { history: 1 });
}

/** Keys of the job bucket. */
export const jobKey = {
  share: (job: string, index: number): string => `${job}.share.${index}`,
  part: (job: string, shard: number): string => `${job}.part.${shard}`,
  select: (job: string, shard: number): string => `${job}.select.${shard}`,
  scored: (job: string, shard: number): string => `${job}.scored.${shard}`,
  failed: (job: string): string => `${job}.failed`,
  /** The live snapshot pointer: `{ snapshot, job, shards, objects, folded }`. */
  live: 'live',
  /** Jobs of the published snapshots still in the snapshot bucket, oldest first. */
  history: 'history',
};
