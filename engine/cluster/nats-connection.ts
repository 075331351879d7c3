/**
 * One node's connection to the JetStream cluster: the NATS connection, the JetStream client and
 * manager, and the KV buckets the cluster keeps its coordination in. Imported dynamically by the
 * cluster path only, so a single machine never loads the NATS client.
 */
import { createHash } from 'node:crypto';
import { type JetStreamClient, type JetStreamManager, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { type KV, Kvm } from '@nats-io/kv';
import { type ObjectStore, Objm } from '@nats-io/obj';
import type { NatsConnection } from '@nats-io/transport-node';
import { connect } from '@nats-io/transport-node';
import { NotReadyError } from '../errors.js';
import type { ClusterConfig } from './cluster-config.js';

/** Replicas of every stream and bucket the cluster makes: a write survives the loss of one server of three. */
export const REPLICAS = 3;

/** An open connection and what hangs off it. */
export interface NatsCluster {
  readonly config: ClusterConfig;
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  /** Opens (creating when missing) a replicated KV bucket. `ttlMs`: entries expire this long after their last put. */
  bucket(name: string, opts?: { ttlMs?: number; history?: number }): Promise<KV>;
  /** Opens (creating when missing) a replicated object store bucket, file storage. */
  objectStore(name: string): Promise<ObjectStore>;
  close(): Promise<void>;
}

/**
 * Runs a JetStream request again when it timed out (up to `tries` times): on a loaded machine a
 * replicated write or read can take longer than the client's timeout, and every call wrapped here
 * is idempotent (a get, a put under a fixed name, a task whose output has a fixed name).
 */
export async function retryTimeouts<T>(run: () => Promise<T>, tries = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (!isTimeout(error) || attempt >= tries) throw error;
    }
  }
}

/** True for a NATS request that timed out (no answer in the client's timeout). */
export function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === 'TimeoutError' || /timeout/i.test(error.message));
}

/**
 * The keys a KV bucket holds now (deleted ones too until their marker expires; see
 * {@link dropKey}), sorted, read from its stream's info per subject. `kv.keys()` makes an
 * ephemeral consumer per call: polled every second (heartbeat buckets) those piled up on the
 * servers until Debian's 2.9 stopped answering JetStream requests (a 10M-row rescore hung), and a
 * key whose only message expired while it read left it waiting for ever.
 */
export async function bucketKeys(cluster: NatsCluster, bucket: string): Promise<string[]> {
  const prefix = `$KV.${bucket}.`;
  const info = await cluster.jsm.streams.info(`KV_${bucket}`, { subjects_filter: `${prefix}>` });
  return Object.keys(info.state.subjects ?? {})
    .map((subject) => subject.slice(prefix.length))
    .sort();
}

/** Removes a key and its history from a bucket, leaving no delete marker behind (a heartbeat that says "gone" at once). */
export async function dropKey(cluster: NatsCluster, bucket: string, key: string): Promise<void> {
  await cluster.jsm.streams.purge(`KV_${bucket}`, { filter: `$KV.${bucket}.${key}` });
}

/** The manager and bucket name of every object store opened by {@link NatsCluster.objectStore}. */
const stores = new WeakMap<ObjectStore, { jsm: JetStreamManager; bucket: string }>();

/**
 * An object's bytes (null when it is not there), read chunk by chunk with the stream's message
 * get (`next_by_subj`), its digest checked. The object store client's get makes an ephemeral
 * push consumer per object: under load a 2.9 server took longer than the 30 s request timeout to
 * create one, again and again (the 10M-row three-node rescore's score tasks failed on all four
 * deliveries with `timeout` in `ObjectStoreImpl.get`), and they were left on the servers by the
 * hundred. A message get makes none.
 */
export async function readObject(store: ObjectStore, name: string): Promise<Uint8Array | null> {
  const opened = stores.get(store);
  if (!opened) throw new Error('readObject: the store was not opened by NatsCluster.objectStore');
  const { jsm, bucket } = opened;
  return retryTimeouts(async () => {
    const info = await store.info(name);
    if (info === null || info.deleted) return null;
    const out = new Uint8Array(info.size);
    const subject = `$O.${bucket}.C.${info.nuid}`;
    let at = 0;
    let seq = 0;
    for (let i = 0; i < info.chunks; i++) {
      // The server takes `next_by_subj` (2.9 on); the client's type lists only seq and last_by_subj.
      const m = await jsm.streams.getMessage(`OBJ_${bucket}`, { seq: seq + 1, next_by_subj: subject } as unknown as { seq: number });
      if (m === null || at + m.data.length > out.length) throw new Error(`object ${name} of ${bucket}: chunk ${i + 1} of ${info.chunks} is missing or too long`);
      out.set(m.data, at);
      at += m.data.length;
      seq = m.seq;
    }
    const digest = `SHA-256=${createHash('sha256').update(out).digest('base64url')}`;
    if (at !== out.length || digest.replace(/=+$/, '') !== info.digest.replace(/=+$/, '')) throw new Error(`object ${name} of ${bucket}: its chunks do not add up to its size and digest`);
    return out;
  });
}

/** Replicas a stream or bucket gets on a cluster of `servers` known servers (a lone test server takes 1). */
export function replicasFor(nc: NatsConnection): number {
  const known = nc.info?.connect_urls?.length ?? 1;
  return known >= REPLICAS ? REPLICAS : 1;
}

/** How long a JetStream request may take: a server's 202 path keeps it short, a rescore's object traffic on a loaded machine needs longer. */
export const REQUEST_TIMEOUT_MS = { serve: 10_000, rescore: 30_000 } as const;

/** Connects to the cluster; a cluster that cannot be reached is SEG_ERR_NOT_READY. */
export async function connectCluster(config: ClusterConfig, timeoutMs: number = REQUEST_TIMEOUT_MS.serve): Promise<NatsCluster> {
  let nc: NatsConnection;
  try {
    nc = await connect({
      servers: [...config.servers],
      name: `segstream-${config.node}`,
      // Keep trying through a server's restart: a node outlives any one NATS server.
      reconnect: true,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
    });
  } catch (error) {
    throw new NotReadyError(`cannot reach the NATS cluster at ${config.servers.join(',')}: ${(error as Error).message}`, { cause: error });
  }
  const js = jetstream(nc, { timeout: timeoutMs });
  const jsm = await jetstreamManager(nc, { timeout: timeoutMs });
  // Built on `js`, not on `nc`: given a connection, the KV and object store clients make their own
  // JetStream client with the library's 5 s timeout, and on a loaded machine an object chunk's or a
  // KV put's replicated acknowledgement takes longer (the 10M-row three-node rescore's score tasks
  // failed on every delivery with `timeout`: docs/cluster.md "Timeouts").
  const kvm = new Kvm(js);
  const objm = new Objm(js);
  const buckets = new Map<string, Promise<KV>>();
  return {
    config,
    nc,
    js,
    jsm,
    bucket(name, opts = {}) {
      let kv = buckets.get(name);
      if (!kv) {
        kv = kvm.create(name, { replicas: replicasFor(nc), history: opts.history ?? 1, ...(opts.ttlMs !== undefined ? { ttl: opts.ttlMs } : {}) });
        buckets.set(name, kv);
        // A create that failed (timed out) is made again by the next call, not remembered.
        kv.catch(() => buckets.delete(name));
      }
      return kv;
    },
    async objectStore(name) {
      const store = await objm.create(name, { replicas: replicasFor(nc), storage: 'file' });
      stores.set(store, { jsm, bucket: name });
      return store;
    },
    async close() {
      await nc.drain().catch(() => nc.close());
    },
  };
}
