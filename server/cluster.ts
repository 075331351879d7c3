/**
 * A server that is one node of a cluster (`serve --cluster nats://… --node ID`). It joins the
 * membership, applies the rows of the shards it owns from their streams to its live state (the
 * streams are their record: the node's own event log takes none of them), publishes the rows
 * of `POST /v1/events` to their shards' streams (the route's validation is unchanged; its 202
 * waits for JetStream), and answers customer lookups for any shard: its own from its store, the
 * others forwarded to their owner. build-server.ts imports this file only in cluster mode.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ClusterConfig } from '../engine/cluster/cluster-config.js';
import type { Config } from '../engine/config/config-schema.js';
import { readSnapshotParts } from '../engine/cluster/cluster-snapshot.js';
import { archiveBatches, ShardConsumer, ensureEventStreams, firstOfEventId, openArchive, publishRows, streamBatches } from '../engine/cluster/event-stream.js';
import { forwardLookup, serveLookups } from '../engine/cluster/forward.js';
import { Membership } from '../engine/cluster/membership.js';
import { connectCluster, isTimeout, type NatsCluster, retryTimeouts } from '../engine/cluster/nats-connection.js';
import { type LivePointer, readLivePointer } from '../engine/cluster/rescore-cluster.js';
import { readAssignment, SHARD_BUCKET, shardOf, shardsOwnedBy } from '../engine/cluster/shard-map.js';
import { jobBucket, jobKey } from '../engine/cluster/task-queue.js';
import { BadRequestError, CustomerNotFoundError, NotReadyError } from '../engine/errors.js';
import type { TxBatch } from '../engine/parse/parse-batch.js';
import { encodeCustomers } from '../engine/snapshot/customers-file.js';
import { publishSnapshot } from '../engine/snapshot/snapshot-publisher.js';
import { newSnapshotId } from '../engine/snapshot/snapshot-store.js';
import { writeFoldedMarker } from '../engine/wal/folded-marker.js';
import { type CustomerKey, customerKeyFromValue } from '../engine/parse/parse-values.js';
import type { ServerContext } from './server-context.js';

/** Header of a lookup a node answers from its own store (a forwarded one): never forwarded again. */
const LOCAL = 'x-segstream-local';

/** What the events route and the lookup hook use of a cluster node. */
export interface ClusterNode {
  readonly config: ClusterConfig;
  /** Publishes accepted rows to their shards; resolves when JetStream acknowledged all of them. */
  ingest(batch: TxBatch): Promise<{ customers: number; duplicates: number }>;
  /** Shards this node reads now. */
  ownedShards(): number[];
  /** Waits until the node follows a shard map and its consumers are started. */
  settled(): Promise<void>;
  close(): Promise<void>;
}

interface BatchAnswer {
  snapshot: string;
  customers: unknown[];
  not_found: (string | number)[];
}

/** This node's batch-get answer for `ids`, from its own store. */
async function localBatch(app: FastifyInstance, ids: readonly (string | number)[]): Promise<{ status: number; text: string }> {
  const res = await app.inject({ method: 'POST', url: '/v1/customers/batch-get', headers: { [LOCAL]: '1' }, payload: { ids } });
  return { status: res.statusCode, text: res.body };
}

/**
 * Starts cluster mode on a built server: connects, joins, follows its shards; closes with the
 * server. A cluster that does not answer while the node joins (each step tried again first) is
 * SEG_ERR_NOT_READY, the connection closed.
 */
export async function startClusterNode(app: FastifyInstance, ctx: ServerContext, config: ClusterConfig): Promise<ClusterNode> {
  const cluster = await connectCluster(config);
  try {
    return await joinAsNode(app, ctx, cluster);
  } catch (error) {
    await cluster.close().catch(() => undefined);
    if (!isTimeout(error)) throw error;
    throw new NotReadyError(`the NATS cluster at ${config.servers.join(',')} did not answer in time while node ${config.node} joined (${(error as Error).message}); start the node again`, { cause: error });
  }
}

async function joinAsNode(app: FastifyInstance, ctx: ServerContext, cluster: NatsCluster): Promise<ClusterNode> {
  const { config } = cluster;
  const me = config.node;
  // A cluster's shard count is the one its map was made with; a node's flag only seeds the first map.
  // (A fresh bucket's first direct get can go unanswered while its replicas are placed: tried again.)
  const existing = await retryTimeouts(async () => readAssignment(await cluster.bucket(SHARD_BUCKET)));
  const shards = existing?.assignment.shards ?? config.shards;
  await ensureEventStreams(cluster, shards);

  const problem = (what: string) => (error: unknown) => app.log.error({ err: error }, `cluster: ${what}`);
  const consumers = new Map<number, ShardConsumer>();

  // The shard streams, not the node's own event log, are the record of every row the cluster
  // acknowledged: the node applies its shards' rows to its live state and logs none of them. Before
  // the first cluster rescore that state is its data folder's snapshot plus each owned stream read
  // from its first message (a restart reads it again: nothing of it is in the folder); once the KV
  // pointer names a cluster snapshot, the parts of the shards it owns plus each stream after the
  // snapshot's fold. A row logged by the node as well would be applied twice over the cluster
  // snapshot: once from the log (dated after its as_of), once from the archive or the stream.
  const jobs = await retryTimeouts(() => jobBucket(cluster));
  let pointer = await retryTimeouts(() => readLivePointer(cluster));
  let owned: number[] = [];
  const applyRows = async (batch: TxBatch): Promise<void> => {
    ctx.store.applySafely(ctx.store.ready(), batch);
  };
  // Before the first cluster snapshot, per shard this process read and then lost, the last sequence
  // its live state holds: a shard gained back is read on from there, not from its first message.
  const heldThrough = new Map<number, number>();
  // Per shard, the event ids of the rows the live state holds (event-stream.ts firstOfEventId): a row
  // JetStream stored again (sent again after its duplicate window, or cut into other messages) is skipped.
  const seenBy = new Map<number, Set<string>>();
  const seenOf = (s: number): Set<string> => seenBy.get(s) ?? seenBy.set(s, new Set()).get(s)!;
  /** The cluster snapshot and shards the node serves now ("job:shards"). */
  let shown = '';
  let view: Promise<void> = Promise.resolve();
  let queued = false;
  let closing = false;
  const refreshView = (): void => {
    if (queued || closing) return;
    queued = true;
    view = view
      .then(async () => {
        queued = false;
        if (pointer !== null) await showClusterSnapshot(pointer, [...owned]);
      })
      .catch((error: unknown) => {
        problem('serving the cluster snapshot (tried again in a second)')(error);
        setTimeout(refreshView, 1000).unref();
      });
  };
  async function showClusterSnapshot(p: LivePointer, mine: number[]): Promise<void> {
    const key = `${p.job}:${mine.join(',')}`;
    if (key === shown) return;
    // Read before anything stops: a read that fails (an archive object a compaction just replaced,
    // a timeout) leaves the node serving what it served, and the view is tried again.
    const parts = await readSnapshotParts(cluster, p, new Set(mine));
    const asOf = parts.manifest.as_of_ms;
    const later = (ts: number): boolean => ts > asOf;
    const archive = await openArchive(cluster);
    // The rows the rescore read but left out as dated after its as_of are live rows, as on one
    // machine: in the event archive (a pointer from before trimming: in the stream, whole). Every
    // folded row is read for its event id, in the fold's order, to skip its repeats as the fold did.
    const future: TxBatch[] = [];
    const seen = new Map<number, Set<string>>();
    for (const s of mine) {
      seen.set(s, new Set());
      const folded = p.folded?.[String(s)] ?? 0;
      if (folded === 0) continue;
      const first = firstOfEventId(seen.get(s)!);
      const keep = (ts: number, eventId: string): boolean => first(eventId) && later(ts);
      const batches = p.archive ? (p.archive[String(s)] ?? []).map((name) => archiveBatches(archive, name, keep)) : [streamBatches(cluster.js, { shard: s, first: 1, last: folded }, keep)];
      for (const b of batches) for await (const batch of b) future.push(batch);
    }
    const id = newSnapshotId();
    const manifest = { ...parts.manifest, id };
    await Promise.all([...consumers.values()].map((c) => c.stop()));
    consumers.clear();
    shown = '';
    // Marked as holding every row of the node's own log, which holds none of the cluster's (the rows
    // it took as one machine, before it joined, are not the cluster's: see docs/cluster.md).
    await publishSnapshot(ctx.options.dataDir, id, { 'manifest.json': JSON.stringify(manifest, null, 2), 'customers.arrow': encodeCustomers(parts.customers), 'rejects.ndjson': parts.rejects }, (manifest.config as Config).snapshots.keep, (tmp) =>
      writeFoldedMarker(tmp, Number.MAX_SAFE_INTEGER),
    );
    const state = await ctx.store.install(id);
    for (const batch of future) ctx.store.applySafely(state, batch);
    seenBy.clear();
    for (const s of mine) {
      seenBy.set(s, seen.get(s)!);
      consumers.set(s, new ShardConsumer(cluster.js, s, seen.get(s)!, applyRows, problem(`reading shard ${s}`), p.folded?.[String(s)] ?? 0));
    }
    shown = key;
    app.log.info({ snapshot: p.snapshot, job: p.job, shards: mine, customers: parts.customers.numRows }, 'cluster: serving the cluster snapshot');
  }

  const membership = await Membership.join(cluster, {
    async onShards(assignment, gained, lost) {
      owned = shardsOwnedBy(assignment, me);
      for (const s of lost) {
        const c = consumers.get(s);
        if (!c) continue;
        await c.stop();
        if (pointer === null) heldThrough.set(s, c.applied);
        consumers.delete(s);
      }
      if (pointer !== null) refreshView();
      else for (const s of gained) consumers.set(s, new ShardConsumer(cluster.js, s, seenOf(s), applyRows, problem(`reading shard ${s}`), heldThrough.get(s) ?? 0));
      app.log.info({ gained, lost }, 'cluster: shards moved');
    },
    onProblem: (what, error) => problem(what)(error),
  });
  const pointerWatch = await jobs.watch({ key: jobKey.live });
  void (async () => {
    for await (const e of pointerWatch) {
      if (e.operation !== 'PUT' || e.value.length === 0) continue;
      pointer = e.json<LivePointer>();
      refreshView();
    }
  })().catch(problem('following the live pointer'));

  const lookups = serveLookups(cluster.nc, me, async (ids) => (await localBatch(app, ids)).text);

  /** The owner of a customer, or 503 before the first shard map. */
  const ownerOf = (key: CustomerKey): string => {
    const owner = membership.ownerOf(shardOf(key, shards));
    if (owner === null) throw new NotReadyError('the cluster has no shard map yet; retry');
    return owner;
  };

  const fromOwner = async (owner: string, ids: readonly (string | number)[]): Promise<BatchAnswer> => {
    const text = owner === me ? (await localBatch(app, ids)).text : await forwardLookup(cluster.nc, owner, ids);
    return JSON.parse(text) as BatchAnswer;
  };

  app.addHook('preHandler', async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.headers[LOCAL] !== undefined) return;
    const route = request.routeOptions.url;
    // A job of one machine would swap the node's live state for a snapshot of its own folder, without the streams' rows.
    if (request.method === 'POST' && route === '/v1/jobs/rescore') throw new BadRequestError('a cluster node runs no rescore job of its own: rescore the cluster with `segstream rescore --cluster` (docs/cluster.md)');
    if (request.method === 'GET' && route === '/v1/customers/:id') {
      const raw = (request.params as { id: string }).id;
      const key = customerKeyFromValue(raw);
      if (key === null || key === undefined) return; // the route answers it (not found)
      const owner = ownerOf(key);
      if (owner === me) return;
      const answer = await fromOwner(owner, [raw]);
      if (answer.customers.length === 0) throw new CustomerNotFoundError(`no customer ${JSON.stringify(raw)} on node ${owner}, which owns it`);
      return reply.header('content-type', 'application/json; charset=utf-8').send(JSON.stringify(answer.customers[0]));
    }
    if (request.method === 'POST' && route === '/v1/customers/batch-get') {
      const ids = (request.body as { ids: (string | number)[] }).ids;
      const groups = new Map<string, number[]>();
      for (let i = 0; i < ids.length; i++) {
        const key = customerKeyFromValue(ids[i]);
        if (key === null || key === undefined) return; // the route answers 400 for it
        const owner = ownerOf(key);
        const g = groups.get(owner);
        if (g) g.push(i);
        else groups.set(owner, [i]);
      }
      if (groups.size === 1 && groups.has(me)) return;
      // Ask every owner at once; put their answers back in the order asked.
      const found = new Array<unknown>(ids.length).fill(undefined);
      let snapshot = '';
      await Promise.all(
        [...groups].map(async ([owner, idx]) => {
          const answer = await fromOwner(owner, idx.map((i) => ids[i]!));
          if (owner === me || snapshot === '') snapshot = answer.snapshot;
          const missing = new Set(answer.not_found.map((v) => JSON.stringify(v)));
          let next = 0;
          for (const i of idx) if (!missing.has(JSON.stringify(ids[i]))) found[i] = answer.customers[next++];
        }),
      );
      const customers: unknown[] = [];
      const notFound: (string | number)[] = [];
      for (let i = 0; i < ids.length; i++) {
        if (found[i] === undefined) notFound.push(ids[i]!);
        else customers.push(found[i]);
      }
      return reply.header('content-type', 'application/json; charset=utf-8').send(JSON.stringify({ snapshot, customers, not_found: notFound }));
    }
  });

  const node: ClusterNode = {
    config,
    async ingest(batch) {
      if (batch.length === 0) return { customers: 0, duplicates: 0 };
      const r = await publishRows(cluster.js, me, shards, batch);
      return { customers: r.customers, duplicates: r.duplicates };
    },
    ownedShards: () => [...consumers.keys()].sort((a, b) => a - b),
    async settled() {
      await membership.settled();
      // And the cluster snapshot shown for the shards it owns now (a view queued meanwhile too).
      for (let v = view; ; v = view) {
        await v;
        if (v === view) break;
      }
    },
    async close() {
      closing = true;
      await membership.leave();
      pointerWatch.stop();
      await view;
      lookups.unsubscribe();
      await Promise.all([...consumers.values()].map((c) => c.stop()));
      consumers.clear();
      await cluster.close();
    },
  };
  app.addHook('onClose', async () => node.close());
  return node;
}

