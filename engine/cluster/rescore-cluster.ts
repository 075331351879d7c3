/**
 * `segstream rescore --cluster URLS --node ID`: the coordinator of a nightly rescore across the
 * cluster. It reads the input as rescore.ts does (files, column map, dialect decided once), runs
 * read → aggregate → merge on the nodes (distributed-aggregate.ts), then the tail across them
 * (cluster-tail.ts): thresholds and fits from what the shards send, every shard scored and its part
 * of the snapshot written by the node that holds it. The coordinator writes the manifest.
 *
 *   aggregateCluster ──► shards merged and held on the nodes
 *   scoreAcrossCluster ──► object store `segstream-snapshots/<job>/customers/<shard>.arrow` (by the nodes)
 *   manifest, rejects ──► `segstream-snapshots/<job>/…` (by the coordinator)
 *   KV `segstream-rescore` key `live` = { snapshot, job, shards, objects } (last)
 *
 * The pointer moves last, once every part of the snapshot is stored (each part's record is written
 * only after its object store put was acknowledged by a quorum); a job that fails at any step, or
 * that the publishing guard refuses, leaves it on the previous complete snapshot.
 */
import type { ObjectStore } from '@nats-io/obj';
import { endOfDay } from '../aggregate/finalize.js';
import { configHash, parseConfig } from '../config/load-config.js';
import { ArgumentError, capMessage } from '../errors.js';
import { loadKernels } from '../kernels/load-kernels.js';
import { checkTsFormat, InputDialect, type InputOptions } from '../parse/input-dialect.js';
import { MAX_TIMESTAMP_MS } from '../parse/parse-timestamp.js';
import { buildColumnMap, describeColumnMap } from '../read/column-map.js';
import { listInputSet, STDIN_PATH } from '../read/open-input.js';
import { parseAsOf } from '../rescore/as-of.js';
import { ColumnsSeen, decideFromHead, inputDecisions } from '../rescore/input-decisions.js';
import { checkPublish } from '../rescore/publish-guard.js';
import { type RescoreOptions, RescoreRefusedError, type RescoreSummary, rejectsNdjson, rescoreSummary } from '../rescore/rescore.js';
import { isoTime, type Manifest } from '../snapshot/manifest.js';
import { newSnapshotId } from '../snapshot/snapshot-store.js';
import { baseSums, scoreAcrossCluster } from './cluster-tail.js';
import { aggregateCluster } from './distributed-aggregate.js';
import { ARCHIVE_OBJECTS_MAX, archiveAfter, archiveName, eventStream, foldRanges, openArchive, type ShardFold, writesArchive } from './event-stream.js';
import { type NatsCluster, readObject, retryTimeouts } from './nats-connection.js';
import { dropJob, openPartialStore, putObject } from './partial-store.js';
import { type NodeLog, openSnapshotStore, type PartRecord, SNAPSHOT_BUCKET, type ShareRecord, snapshotName, startRescoreNode } from './rescore-node.js';
import { SKETCH_POINTS } from './shard-stats.js';
import { ensureTaskQueue, jobBucket, jobKey, OWNED_STREAM, ownedJobFilter, TASK_STREAM } from './task-queue.js';

export { SNAPSHOT_BUCKET, snapshotName } from './rescore-node.js';

/** The cluster's live pointer. */
export interface LivePointer {
  readonly snapshot: string;
  readonly job: string;
  /** Shards of the snapshot: its customers are in one object per shard that has any. */
  readonly shards?: number;
  /** Every object of the snapshot, stored before the pointer moved. */
  readonly objects: Array<{ readonly name: string; readonly size: number; readonly digest: string }>;
  /** Per shard stream, the last sequence whose events the snapshot holds (docs/cluster.md "Streams and the fold"). */
  readonly folded?: Record<string, number>;
  /** Per shard, the event archive's objects of every fold so far, oldest first: the stream is trimmed below `folded` + 1. */
  readonly archive?: Record<string, string[]>;
}

/** Options of {@link clusterRescore}: the single machine's, less what reads a local log or hooks its publish. */
export interface ClusterRescoreOptions extends Omit<RescoreOptions, 'aggregateWith' | 'extra' | 'wal' | 'beforePublish' | 'workers'> {
  readonly cluster: NatsCluster;
  /** Aggregate tasks to cut the input into (default 16). */
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
  /** Archive objects a shard keeps at most before a fold compacts them (event-stream.ts ARCHIVE_OBJECTS_MAX; tests lower it). */
  readonly archiveObjectsMax?: number;
  readonly log?: NodeLog;
}

/** A cluster rescore's summary: the single machine's, and how the cluster ran it. */
export interface ClusterRescoreSummary extends RescoreSummary {
  readonly cluster: {
    readonly job: string;
    readonly shards: number;
    readonly tasks: number;
    /** Tasks done per node (aggregate, merge and score tasks). */
    readonly nodes: Record<string, number>;
    /** Tasks finished on a second or later delivery. */
    readonly redelivered: number;
    /** Bytes of partial packs the nodes stored (sink → merge), and of merged parts and their stats. */
    readonly pack_bytes: number;
    readonly part_bytes: number;
    /** Bytes of the snapshot's customer parts the nodes wrote. */
    readonly snapshot_bytes: number;
    readonly live: LivePointer;
  };
}

/** Reads the cluster's live pointer (null before the first cluster rescore). */
export async function readLivePointer(cluster: NatsCluster): Promise<LivePointer | null> {
  const e = await (await jobBucket(cluster)).get(jobKey.live);
  return e?.operation === 'PUT' ? e.json<LivePointer>() : null;
}

/** The manifest of a pointer's snapshot (null when it is not stored). */
export async function readPointerManifest(store: ObjectStore, pointer: LivePointer): Promise<Manifest | null> {
  const bytes = await readObject(store, snapshotName.manifest(pointer.job));
  return bytes ? (JSON.parse(new TextDecoder().decode(bytes)) as Manifest) : null;
}

/** Runs a rescore across the cluster and flips the live pointer. */
export async function clusterRescore(o: ClusterRescoreOptions): Promise<ClusterRescoreSummary> {
  const t0 = performance.now();
  const { cluster } = o;
  const config = o.config ?? parseConfig({});
  if (config.models.enabled && config.models.holdout_days > 0) throw new ArgumentError('models.holdout_days is not run across a cluster yet: set it to 0 for rescore --cluster, or rescore on one machine');
  // rescore.ts's reading of the input: the same as_of rule, column map, dialect decided once.
  const asOfGiven = o.asOf !== undefined ? parseAsOf(o.asOf) : undefined;
  const readCutMs = asOfGiven ?? Math.min(endOfDay(Date.now()), MAX_TIMESTAMP_MS);
  const columns = o.columns ?? buildColumnMap(config.input.columns);
  const inputOptions: InputOptions = { tsFormat: o.tsFormat ?? config.input.ts_format, decimal: o.decimal ?? config.input.decimal };
  checkTsFormat(inputOptions.tsFormat);
  const { files, skipped } = await listInputSet(o.input, { columnNames: Object.values(describeColumnMap(columns)) });
  if (files.length === 0 || files.some((f) => f.path === STDIN_PATH)) throw new ArgumentError('rescore --cluster reads files every node can open: not standard input, and at least one file');
  const readOptions = { columns, batchSize: o.batchSize ?? 65_536, ...(o.format ? { format: o.format } : {}) };
  const dialect = new InputDialect(inputOptions);
  const seen = new ColumnsSeen();
  const engine = loadKernels(o.engine ?? 'auto').name;
  seen.observeNames(await decideFromHead(files[0]!, readOptions, dialect));

  await ensureTaskQueue(cluster, { update: true, ...(o.ackWaitMs !== undefined ? { ackWaitMs: o.ackWaitMs } : {}), ...(o.maxDeliver !== undefined ? { maxDeliver: o.maxDeliver } : {}) });
  const job = `j${Date.now().toString(36)}${Math.floor(Math.random() * 36 ** 4).toString(36)}`;
  const node = o.work === false ? null : await startRescoreNode(cluster, o.log);
  const partials = await openPartialStore(cluster);
  const snapshots = await openSnapshotStore(cluster);
  const shards = cluster.config.shards;
  const timeoutMs = o.timeoutMs ?? 6 * 3600_000;
  let events: ShardFold[] = [];
  try {
    const previous = await readLivePointer(cluster);
    const previousManifest = previous ? await readPointerManifest(snapshots, previous) : null;
    const sb = config.spend_bands;
    // The acknowledged events in the shard streams now; later ones wait for the next rescore.
    events = await foldRanges(cluster, shards, previous, o.archiveObjectsMax ?? ARCHIVE_OBJECTS_MAX);
    const stage = await aggregateCluster(
      cluster,
      files,
      readOptions,
      { workers: 1, engine, windowDays: [config.tiers.window_days], ...(asOfGiven !== undefined ? { asOfMs: asOfGiven } : {}), readCutMs, dialect: dialect.decisions, ...(o.format ? { format: o.format } : {}), ...(o.minShareBytes !== undefined ? { minShareBytes: o.minShareBytes } : {}), ...(o.onProgress ? { onProgress: o.onProgress } : {}) },
      { job, tasks: o.tasks ?? 16, shards, timeoutMs, tail: { bandBy: sb.edges ? null : sb.by, points: SKETCH_POINTS }, events },
    );
    const tRead = performance.now();
    const tail = await scoreAcrossCluster(cluster, {
      job,
      shards: stage.shards,
      asOfMs: stage.asOfMs,
      config,
      engine,
      // A snapshot of another shard count has its customers elsewhere: no tier grace or `reactivated` from it.
      previousJob: previous && previous.shards === shards ? previous.job : null,
      previousModels: previousManifest?.models,
      timeoutMs,
      shardTasks: stage.shardTasks,
    });
    const tTail = performance.now();

    // rescore.ts's warnings, in its order.
    const warnings: string[] = [];
    if (skipped.length > 0) {
      const names = skipped.slice(0, 5).map((f) => f.path).join(', ');
      warnings.push(`skipped ${skipped.length} file${skipped.length === 1 ? '' : 's'} of the input folder that ${skipped.length === 1 ? 'is' : 'are'} not data: ${names}${skipped.length > 5 ? ', ...' : ''} (listed in the manifest's input.decisions.skipped)`);
    }
    if (stage.futureRows > 0) {
      const cut = asOfGiven !== undefined ? `after as_of ${isoTime(stage.asOfMs)}` : `after today (${isoTime(readCutMs).slice(0, 10)}, UTC)`;
      warnings.push(`${stage.futureRows} valid row${stage.futureRows === 1 ? ' is' : 's are'} dated ${cut}: left out as future rows`);
    }
    const modelWarnings = tail.models ? [...tail.models.warnings, ...tail.degenerate] : [];
    warnings.push(...modelWarnings);
    const decisions = inputDecisions(columns, inputOptions, dialect.decisions, seen, files, skipped);
    const sums = baseSums(tail.scored);
    const { rejects } = stage;
    const verdict = checkPublish(
      { rowsRead: stage.rowsRead, validRows: stage.validRows, futureRows: stage.futureRows, rejected: rejects.total, rejects: rejects.counts, customers: sums.customers, asOf: isoTime(stage.asOfMs) },
      previous && previousManifest ? { id: previous.snapshot, customers: previousManifest.customers } : null,
      config.publish,
    );
    const forced = o.force ? verdict.failed : [];
    const refused = o.force ? [] : verdict.failed;
    const id = newSnapshotId();
    const poolTimings = Object.fromEntries(Object.entries({ ...stage.timings_ms, ...tail.timings_ms }).map(([k, v]) => [`cluster_${k}`, v]));
    const round = (ms: number): number => Math.round(ms * 10) / 10;
    const timings = { read_aggregate: round(tRead - t0), ...poolTimings, models: tail.timings_ms.models ?? 0, score: round(tTail - tRead) };
    // rescore.ts buildManifest's fields, in its order.
    const manifest: Manifest = {
      format_version: 1,
      id,
      created_at: new Date().toISOString(),
      as_of: isoTime(stage.asOfMs),
      as_of_ms: stage.asOfMs,
      config_hash: configHash(config),
      config,
      inputs: stage.inputs,
      rows: { read: stage.rowsRead, valid: stage.validRows + stage.futureRows, rejected: rejects.total, future: stage.futureRows },
      rejects: rejects.counts,
      customers: sums.customers,
      purchasing_customers: sums.purchasing_customers,
      revenue: sums.revenue,
      thresholds: tail.thresholds,
      segments: sums.segments,
      spend_bands: sums.spend_bands,
      tiers: sums.tiers,
      lifecycle: sums.lifecycle,
      win_back: sums.win_back,
      models: tail.models ? { ...tail.models.manifest, holdout: null, warnings: modelWarnings } : null,
      warnings,
      engine,
      timings_ms: timings,
      previous: previous?.snapshot ?? null,
      publish: { reject_share: verdict.reject_share, anonymous_share: verdict.anonymous_share, forced },
      input: { decisions },
    };
    const rejectsText = rejectsNdjson(rejects);
    const objects: LivePointer['objects'] = tail.scored.map((s) => s.object);
    for (const [name, text] of [[snapshotName.manifest(job), JSON.stringify(manifest, null, 2)], [snapshotName.rejects(job), rejectsText]] as const) {
      const info = await putObject(snapshots, name, new TextEncoder().encode(text));
      objects.push({ name: info.name, size: info.size, digest: info.digest });
    }
    // Every fold's archive objects: the earlier ones and this job's of the ranges it read from the streams (or one of all, compacted).
    const archive: Record<string, string[]> = { ...previous?.archive };
    for (const e of events) archive[String(e.shard)] = archiveAfter(job, e);
    const live: LivePointer = { snapshot: id, job, shards, objects, folded: { ...previous?.folded, ...Object.fromEntries(events.map((e) => [String(e.shard), e.last])) }, archive };
    const facts = { decisions, warnings, timings, t0, writeFrom: tTail, rowsRead: stage.rowsRead, workers: 0, engine, refused, forced, verdict };
    const summary = (published: boolean): ClusterRescoreSummary => ({
      ...rescoreSummary(id, manifest, facts, published),
      cluster: clusterBlock(job, shards, stage.records, tail.scored, published ? live : (previous ?? live)),
    });
    if (refused.length > 0) {
      const kept = previous ? `snapshot ${previous.snapshot} stays live` : 'no snapshot is live';
      throw new RescoreRefusedError(capMessage(`refused to publish snapshot ${id}: ${refused.join('; ')}; ${kept}; --force publishes it anyway; kept in ${SNAPSHOT_BUCKET} under ${job}/`), summary(false));
    }
    const kv = await jobBucket(cluster);
    await retryTimeouts(() => kv.put(jobKey.live, JSON.stringify(live)));
    await trimFolded(cluster, events).catch((error: unknown) => o.log?.(`event streams not trimmed or compacted archive objects not deleted: ${(error as Error).message}`));
    await dropOldSnapshots(cluster, snapshots, job, config.snapshots.keep).catch((error: unknown) => o.log?.(`old snapshots not dropped: ${(error as Error).message}`));
    return summary(true);
  } catch (error) {
    // Nodes skip a failed job's tasks, and the queue forgets them.
    if (!(error instanceof RescoreRefusedError)) {
      await (await jobBucket(cluster)).put(jobKey.failed(job), JSON.stringify({ code: (error as { code?: string }).code, message: (error as Error).message, node: cluster.config.node })).catch(() => undefined);
      await cluster.jsm.streams.purge(TASK_STREAM, { filter: `segstream.rescore.tasks.${job}.>` }).catch(() => undefined);
      await cluster.jsm.streams.purge(TASK_STREAM, { filter: `segstream.rescore.tasks.${job}-whole.>` }).catch(() => undefined);
      // This job's archive objects: no pointer names them (the next job archives those rows again).
      const archive = await openArchive(cluster);
      for (const e of events) if (writesArchive(e)) await archive.delete(archiveName(job, e.shard)).catch(() => undefined);
    }
    throw error;
  } finally {
    await node?.stop();
    // A gone owner's tasks stay on its consumer after others did them.
    await cluster.jsm.streams.purge(OWNED_STREAM, { filter: ownedJobFilter(job) }).catch(() => undefined);
    await dropJob(partials, job).catch(() => undefined);
  }
}

/**
 * Trims each folded stream below its folded sequence + 1, once the pointer that names the archive
 * of those rows is stored (docs/cluster.md "Streams and the fold"): a serve node reads a shard on
 * from the folded sequence, and the next rescore reads the archive and the stream after it, so no
 * acknowledged row is dropped; the rows acknowledged after the fold was noted stay in the stream.
 * Then deletes the archive objects a compaction replaced: the pointer no longer names them. (A
 * failure leaves them in the bucket, unnamed, and the streams' rows in the streams: nothing is lost.)
 */
async function trimFolded(cluster: NatsCluster, events: readonly ShardFold[]): Promise<void> {
  for (const e of events) if (e.range) await retryTimeouts(() => cluster.jsm.streams.purge(eventStream(e.shard), { seq: e.range!.last + 1 }));
  const archive = await openArchive(cluster);
  for (const e of events) if (e.compact) for (const name of e.archived) await retryTimeouts(() => archive.delete(name));
}

/**
 * Keeps the newest `keep` published snapshots in the bucket (config snapshots.keep, as one machine
 * keeps its folders) and deletes the objects of older ones, after the pointer moved past them.
 */
async function dropOldSnapshots(cluster: NatsCluster, snapshots: ObjectStore, job: string, keep: number): Promise<void> {
  const kv = await jobBucket(cluster);
  const e = await kv.get(jobKey.history);
  const jobs = [...(e?.operation === 'PUT' ? e.json<string[]>() : []), job];
  const drop = new Set(jobs.slice(0, Math.max(0, jobs.length - keep)));
  await kv.put(jobKey.history, JSON.stringify(jobs.filter((j) => !drop.has(j))));
  if (drop.size === 0) return;
  for (const info of await snapshots.list()) if (drop.has(info.name.slice(0, info.name.indexOf('/')))) await snapshots.delete(info.name);
}

function clusterBlock(job: string, shards: number, records: { shares: ShareRecord[]; parts: PartRecord[] }, scored: ReadonlyArray<{ node: string; delivery: number; object: { size: number } }>, live: LivePointer): ClusterRescoreSummary['cluster'] {
  const nodes: Record<string, number> = {};
  let redelivered = 0;
  for (const r of [...records.shares, ...records.parts, ...scored]) {
    nodes[r.node] = (nodes[r.node] ?? 0) + 1;
    if (r.delivery > 1) redelivered++;
  }
  let packBytes = 0;
  let partBytes = 0;
  let snapshotBytes = 0;
  for (const p of records.shares) packBytes += p.bytes;
  for (const p of records.parts) partBytes += p.bytes;
  for (const s of scored) snapshotBytes += s.object.size;
  return { job, shards, tasks: records.shares.length, nodes, redelivered, pack_bytes: packBytes, part_bytes: partBytes, snapshot_bytes: snapshotBytes, live };
}
