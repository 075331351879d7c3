/**
 * `segstream rescore --cluster URLS --node ID`: the coordinator of a nightly rescore across the
 * cluster. The read → aggregate → finalize stage runs on every node through the work queue
 * (distributed-aggregate.ts); scoring, the models and the snapshot are rescore.ts's own code on
 * the finalized base, so the snapshot equals the single machine's field for field.
 *
 *   rescore.ts ──aggregateWith──► aggregateCluster (tasks, partials, merges on the nodes)
 *              ──► thresholds, models, snapshot files ──► object store `segstream-snapshots/<id>/…`
 *              ──► local publish ──► KV `segstream-rescore` key `live` = { snapshot, job, objects }
 *
 * The pointer moves last, once every object of the snapshot is stored (replicated); a job that
 * fails at any step leaves it on the previous complete snapshot.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Objm } from '@nats-io/obj';
import type { RescoreOptions, RescoreSummary } from '../rescore/rescore.js';
import { rescore } from '../rescore/rescore.js';
import { aggregateCluster } from './distributed-aggregate.js';
import { type NatsCluster, replicasFor } from './nats-connection.js';
import { dropJob, openPartialStore, putObject } from './partial-store.js';
import { type NodeLog, type PartRecord, type ShareRecord, startRescoreNode } from './rescore-node.js';
import { ensureTaskQueue, jobBucket, jobKey, TASK_STREAM } from './task-queue.js';

/** The object store bucket of published snapshots. */
export const SNAPSHOT_BUCKET = 'segstream-snapshots';

/** The cluster's live pointer. */
export interface LivePointer {
  readonly snapshot: string;
  readonly job: string;
  /** Every object of the snapshot, stored before the pointer moved. */
  readonly objects: Array<{ readonly name: string; readonly size: number; readonly digest: string }>;
}

/** Options of {@link clusterRescore}. */
export interface ClusterRescoreOptions extends Omit<RescoreOptions, 'aggregateWith'> {
  readonly cluster: NatsCluster;
  /** Aggregate tasks to cut the input into (default 4 per worker thread of the old pool: 16). */
  readonly tasks?: number;
  /** Take tasks on this node too (default true). */
  readonly work?: boolean;
  /** A job not done within this fails (default 6 h). */
  readonly timeoutMs?: number;
  /** Redelivery: ack wait and deliveries of the work queue's consumer (task-queue.ts defaults). */
  readonly ackWaitMs?: number;
  readonly maxDeliver?: number;
  /** Smallest CSV/NDJSON byte range worth a task (tests lower it). */
  readonly minShareBytes?: number;
  readonly log?: NodeLog;
}

/** A cluster rescore's summary: the single machine's, and how the cluster ran it. */
export interface ClusterRescoreSummary extends RescoreSummary {
  readonly cluster: {
    readonly job: string;
    readonly shards: number;
    readonly tasks: number;
    /** Tasks done per node. */
    readonly nodes: Record<string, number>;
    /** Tasks finished on a second or later delivery. */
    readonly redelivered: number;
    /** Bytes of partial packs the nodes stored (sink → combine), and of finalized parts read back by the coordinator. */
    readonly pack_bytes: number;
    readonly part_bytes: number;
    readonly live: LivePointer;
  };
}

/** Reads the cluster's live pointer (null before the first cluster rescore). */
export async function readLivePointer(cluster: NatsCluster): Promise<LivePointer | null> {
  const e = await (await jobBucket(cluster)).get(jobKey.live);
  return e?.operation === 'PUT' ? e.json<LivePointer>() : null;
}

/** Runs a rescore across the cluster and flips the live pointer. */
export async function clusterRescore(o: ClusterRescoreOptions): Promise<ClusterRescoreSummary> {
  const { cluster } = o;
  await ensureTaskQueue(cluster, { update: true, ...(o.ackWaitMs !== undefined ? { ackWaitMs: o.ackWaitMs } : {}), ...(o.maxDeliver !== undefined ? { maxDeliver: o.maxDeliver } : {}) });
  const job = `j${Date.now().toString(36)}${Math.floor(Math.random() * 36 ** 4).toString(36)}`;
  const node = o.work === false ? null : await startRescoreNode(cluster, o.log);
  const partials = await openPartialStore(cluster);
  const snapshots = await new Objm(cluster.nc).create(SNAPSHOT_BUCKET, { replicas: replicasFor(cluster.nc), storage: 'file' });
  const tasks = o.tasks ?? 16;
  let records: { shares: ShareRecord[]; parts: PartRecord[] } = { shares: [], parts: [] };
  const objects: LivePointer['objects'] = [];
  try {
    const summary = await rescore({
      ...o,
      aggregateWith: async (files, readOptions, po) => {
        const r = await aggregateCluster(cluster, files, readOptions, { ...po, ...(o.minShareBytes !== undefined ? { minShareBytes: o.minShareBytes } : {}) }, { job, tasks, shards: cluster.config.shards, timeoutMs: o.timeoutMs ?? 6 * 3600_000 });
        records = r.records;
        return r;
      },
      beforePublish: async (tmp) => {
        // The snapshot's objects are stored (replicated) before anything points at them.
        for (const file of (await readdir(tmp)).sort()) {
          const bytes = await readFile(join(tmp, file));
          const info = await putObject(snapshots, `${job}/${file}`, bytes);
          objects.push({ name: info.name, size: info.size, digest: info.digest });
        }
        await o.beforePublish?.(tmp);
      },
    });
    const live: LivePointer = { snapshot: summary.snapshot, job, objects };
    await (await jobBucket(cluster)).put(jobKey.live, JSON.stringify(live));
    const nodes: Record<string, number> = {};
    let redelivered = 0;
    let partBytes = 0;
    for (const r of [...records.shares, ...records.parts]) {
      nodes[r.node] = (nodes[r.node] ?? 0) + 1;
      if (r.delivery > 1) redelivered++;
    }
    let packBytes = 0;
    for (const p of records.parts) partBytes += p.bytes;
    for (const p of records.shares) packBytes += p.bytes;
    return { ...summary, cluster: { job, shards: cluster.config.shards, tasks: records.shares.length, nodes, redelivered, pack_bytes: packBytes, part_bytes: partBytes, live } };
  } catch (error) {
    // Nodes skip a failed job's tasks, and the queue forgets them.
    await (await jobBucket(cluster)).put(jobKey.failed(job), JSON.stringify({ code: (error as { code?: string }).code, message: (error as Error).message, node: cluster.config.node })).catch(() => undefined);
    await cluster.jsm.streams.purge(TASK_STREAM, { filter: `segstream.rescore.tasks.${job}.>` }).catch(() => undefined);
    await cluster.jsm.streams.purge(TASK_STREAM, { filter: `segstream.rescore.tasks.${job}-whole.>` }).catch(() => undefined);
    throw error;
  } finally {
    await node?.stop();
    await dropJob(partials, job).catch(() => undefined);
  }
}
