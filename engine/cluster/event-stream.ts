/**
 * Live events through the cluster: one replicated stream per shard (`segstream.events.<shard>`,
 * file storage, three replicas). A request's rows of one shard go as one message (up to
 * {@link ROWS_PER_MESSAGE} rows): a message per row cost a JetStream round of replication per row,
 * some 30x fewer rows/s on this machine (bench/e2e/cluster-ingest.ts). The message id is a hash of
 * its rows' event ids, so a retried request's messages are dropped by JetStream's duplicate window
 * (ten minutes). A row sent again later, or in a request cut otherwise, is stored again: every
 * reader counts it once ({@link firstOfEventId}). `publishRows` resolves once JetStream acknowledged
 * every message (the 202 waits for it); `ShardConsumer` feeds one shard's stream into the owner's
 * live state.
 *
 * A row without an event_id gets one here (`<node>.<uuid>`), so every stored row has one, as in
 * one machine's log.
 */
import { createHash, randomUUID } from 'node:crypto';
import { DeliverPolicy, type JetStreamClient, RetentionPolicy, StorageType, type StreamInfo } from '@nats-io/jetstream';
import type { ConsumerMessages } from '@nats-io/jetstream';
import type { ObjectStore } from '@nats-io/obj';
import { InternalError, NotReadyError } from '../errors.js';
import type { TxBatch } from '../parse/parse-batch.js';
import type { CustomerKey } from '../parse/parse-values.js';
import { type NatsCluster, readObject, replicasFor, retryTimeouts } from './nats-connection.js';
import { shardOf } from './shard-map.js';

/** The subject of a shard's events. */
export function eventSubject(shard: number): string {
  return `segstream.events.${shard}`;
}

/** The stream of a shard's events. */
export function eventStream(shard: number): string {
  return `SEGSTREAM_EVENTS_${shard}`;
}

/** Messages in flight at once: enough to keep every stream leader busy, few enough to bound memory. */
const WINDOW = 256;

/** Rows of one shard per message: well under NATS's 1 MiB message limit at ~100 bytes a row. */
export const ROWS_PER_MESSAGE = 2048;

/** How long a message id is remembered for dedupe: a client's retry after a failed 202 falls inside it. */
const DUPLICATE_WINDOW_NS = 10 * 60 * 1e9;

/** One row of a message: customer, ts (ms), amount, margin (null: unknown), event id, order id. */
interface RowMessage {
  readonly c: CustomerKey;
  readonly t: number;
  readonly a: number;
  readonly m: number | null;
  readonly e: string;
  readonly o?: CustomerKey;
}

/** Stream creations in flight at once at a node's start (one at a time, 64 shards took 9 s on a fresh cluster here). */
const CREATE_WINDOW = 16;

/**
 * Creates the shard streams that do not exist yet (idempotent; every node calls it at start,
 * several at once on a fresh cluster: an add of the same configuration is no error). A call that
 * times out (a loaded server, a stream whose replicas are still being placed) is tried again.
 */
export async function ensureEventStreams(cluster: NatsCluster, shards: number): Promise<void> {
  const replicas = replicasFor(cluster.nc);
  const ensure = async (s: number): Promise<void> => {
    const name = eventStream(s);
    if ((await shardStreamInfo(cluster, s)) !== null) return;
    const config = { name, subjects: [eventSubject(s)], storage: StorageType.File, retention: RetentionPolicy.Limits, num_replicas: replicas, duplicate_window: DUPLICATE_WINDOW_NS };
    await retryTimeouts(() => cluster.jsm.streams.add(config));
  };
  for (let from = 0; from < shards; from += CREATE_WINDOW) await Promise.all(Array.from({ length: Math.min(CREATE_WINDOW, shards - from) }, (_, i) => ensure(from + i)));
}

/** A shard stream's info, or null when no node made the stream yet; a timeout is tried again, any other failure thrown. */
async function shardStreamInfo(cluster: NatsCluster, shard: number): Promise<StreamInfo | null> {
  return retryTimeouts(() => cluster.jsm.streams.info(eventStream(shard))).catch((error: unknown) => {
    if (/stream not found/i.test((error as Error).message)) return null;
    throw error;
  });
}

/** What a publish did. */
export interface PublishResult {
  /** Rows JetStream stored now. */
  readonly stored: number;
  /** Rows whose message id it had already stored (a retry): acknowledged, not stored again. */
  readonly duplicates: number;
  /** Distinct customers among the rows stored now. */
  readonly customers: number;
}

/**
 * Publishes every row of `batch` to its shard's stream and waits for every acknowledgement. A
 * message JetStream does not acknowledge (no quorum, a timeout) makes the whole call
 * SEG_ERR_NOT_READY: the client retries the request, and the messages already stored count once
 * (their ids are the hash of their rows' event ids, the same on a retry of the same body).
 */
export async function publishRows(js: JetStreamClient, node: string, shards: number, batch: TxBatch): Promise<PublishResult> {
  const byShard = new Map<number, RowMessage[]>();
  for (let i = 0; i < batch.length; i++) {
    const id = batch.ids[i]!;
    const margin = batch.margin ? batch.margin[i]! : Number.NaN;
    const row: RowMessage = {
      c: id,
      t: batch.ts[i]!,
      a: batch.amount[i]!,
      m: Number.isNaN(margin) ? null : margin,
      e: batch.eventIds?.[i] ?? `${node}.${randomUUID()}`,
      ...(batch.orderIds ? { o: batch.orderIds[i]! } : {}),
    };
    const shard = shardOf(id, shards);
    const list = byShard.get(shard);
    if (list) list.push(row);
    else byShard.set(shard, [row]);
  }
  const encoder = new TextEncoder();
  let stored = 0;
  let duplicates = 0;
  const changed = new Set<CustomerKey>();
  let failure: unknown = null;
  const inFlight = new Set<Promise<void>>();
  for (const [shard, rows] of byShard) {
    for (let at = 0; at < rows.length && failure === null; at += ROWS_PER_MESSAGE) {
      const chunk = rows.slice(at, at + ROWS_PER_MESSAGE);
      const hash = createHash('sha256');
      for (const r of chunk) hash.update(r.e).update('\u0000');
      const p: Promise<void> = js.publish(eventSubject(shard), encoder.encode(JSON.stringify(chunk)), { msgID: hash.digest('base64url') }).then(
        (ack) => {
          if (ack.duplicate) duplicates += chunk.length;
          else {
            stored += chunk.length;
            for (const r of chunk) changed.add(r.c);
          }
        },
        (error: unknown) => {
          failure ??= error;
        },
      );
      const tracked = p.finally(() => inFlight.delete(tracked));
      inFlight.add(tracked);
      if (inFlight.size >= WINDOW) await Promise.race(inFlight);
    }
  }
  await Promise.all(inFlight);
  if (failure !== null) throw new NotReadyError(`the event stream did not acknowledge every row (${(failure as Error).message}); retry the request: rows already stored count once`, { cause: failure });
  return { stored, duplicates, customers: changed.size };
}

/**
 * DESIGN's "a retried row is not counted twice" for a shard's stored rows, which JetStream's
 * duplicate window keeps from being stored twice only for a whole message sent again within ten
 * minutes: per shard the first row of an event id counts, in the one order every reader reads
 * them (archive objects in order, then the stream in sequence order), and a later one is skipped.
 * The fold (rescore-node.ts) and the owner's live state (server/cluster.ts) both apply it, so the
 * cluster snapshot and every lookup agree with one machine given the same acknowledged rows.
 * Returns a test that is true for an id not in `seen` yet, and adds it.
 */
export function firstOfEventId(seen: Set<string>): (eventId: string) => boolean {
  return (e) => {
    if (seen.has(e)) return false;
    seen.add(e);
    return true;
  };
}

/** Rows applied to the live state at once while a shard's stream is read. */
const APPLY_BATCH = 4096;
/** Longest a read row waits to be applied when the stream goes quiet. */
const FLUSH_MS = 50;
/** Pause before reading a shard again after its consumer failed (a server restarting). */
const RETRY_MS = 500;

/** Rows as a TxBatch the live state applies. */
export function batchOf(rows: readonly RowMessage[]): TxBatch {
  const n = rows.length;
  const ts = new Float64Array(n);
  const amount = new Float64Array(n);
  const margin = new Float64Array(n);
  const hasMargin = rows.some((r) => r.m !== null);
  const hasOrders = rows.some((r) => r.o !== undefined);
  for (let i = 0; i < n; i++) {
    ts[i] = rows[i]!.t;
    amount[i] = rows[i]!.a;
    margin[i] = rows[i]!.m ?? Number.NaN;
  }
  return {
    length: n,
    ids: rows.map((r) => r.c),
    ts,
    amount,
    margin: hasMargin ? margin : null,
    eventIds: rows.map((r) => r.e),
    // A row of a batch without order ids is an order of its own (tx-batches.ts NO_ORDER).
    ...(hasOrders ? { orderIds: rows.map((r) => r.o ?? '\u0000') } : {}),
  };
}

/** A range of a shard stream's sequences. */
export interface FoldRange {
  readonly shard: number;
  readonly first: number;
  readonly last: number;
}

/**
 * A shard's acknowledged events a rescore folds in: the archive objects of earlier folds (their
 * messages are purged from the stream) and the stream's messages after them, as they are when the
 * rescore starts; later rows wait for the next one.
 */
export interface ShardFold {
  readonly shard: number;
  /** Archive objects of earlier folds, oldest first. */
  readonly archived: readonly string[];
  /** The stream's messages to read now, archived by this fold (null: none new). */
  readonly range: FoldRange | null;
  /** The last stream sequence the snapshot will hold. */
  readonly last: number;
  /** This fold writes one archive object of every archived row and the range, replacing `archived` (see {@link ARCHIVE_OBJECTS_MAX}). */
  readonly compact: boolean;
}

/**
 * Archive objects a shard keeps at most: a fold that would leave more writes one object of all its
 * rows instead (the archived objects' lines, then the range's, in the order every fold reads them),
 * and the objects it replaces are deleted once the pointer naming the new one is stored. The live
 * pointer, one KV value under NATS's 1 MiB message limit, lists every shard's objects: unbounded,
 * one name (~20 bytes) per shard and fold would fill it after ~2 years of nightly folds at 64
 * shards, ~7 months at 256. Every fold reads the whole archive anyway (as one machine's rescore
 * does), so the rewrite every few folds adds a fraction of that read in writes.
 */
export const ARCHIVE_OBJECTS_MAX = 8;

/** Where earlier folds' rows are kept, per shard (the live pointer's `archive`), and how far they reach (its `folded`). */
export interface FoldHistory {
  readonly archive?: Record<string, readonly string[]>;
  readonly folded?: Record<string, number>;
}

/**
 * Every shard's fold now: its archived rows and its stream's messages after the last fold. A
 * pointer without `archive` (made before trimming) left its streams whole: they are read from
 * their first message.
 */
export async function foldRanges(cluster: NatsCluster, shards: number, previous: FoldHistory | null, maxObjects = ARCHIVE_OBJECTS_MAX): Promise<ShardFold[]> {
  const out: ShardFold[] = [];
  for (let shard = 0; shard < shards; shard++) {
    // A stream no serve node made yet holds nothing; any other failure must not fold less than was acknowledged.
    const info = await shardStreamInfo(cluster, shard);
    const archived = previous?.archive?.[String(shard)] ?? [];
    const before = previous?.archive ? (previous.folded?.[String(shard)] ?? 0) : 0;
    const first = Math.max(info?.state.first_seq ?? 0, before + 1);
    const last = info?.state.last_seq ?? 0;
    const range = info && info.state.messages > 0 && last >= first ? { shard, first, last } : null;
    if (range || archived.length > 0) out.push({ shard, archived, range, last: range ? last : before, compact: archived.length + (range ? 1 : 0) > maxObjects });
  }
  return out;
}

/** True when a fold writes an archive object (its range's rows, or a compaction's). */
export function writesArchive(fold: ShardFold): boolean {
  return fold.range !== null || fold.compact;
}

/** A shard's archive objects once `job`'s fold of it is live, oldest first. */
export function archiveAfter(job: string, fold: ShardFold): string[] {
  if (fold.compact) return [archiveName(job, fold.shard)];
  return [...fold.archived, ...(fold.range ? [archiveName(job, fold.shard)] : [])];
}

/** The replicated object store of folded events (DESIGN's event archive): one object per fold and shard. */
export const ARCHIVE_BUCKET = 'segstream-events-archive';

/** The archive object of a job's fold of a shard. */
export function archiveName(job: string, shard: number): string {
  return `${job}/${shard}`;
}

/** Opens (creating when missing) the archive bucket. */
export function openArchive(cluster: NatsCluster): Promise<ObjectStore> {
  return cluster.objectStore(ARCHIVE_BUCKET);
}

/**
 * An archive object's rows (each line one stream message's rows), as batches; `keep`: only the
 * rows it takes; `blobs`: the object's bytes are pushed there (for a compaction).
 */
export async function* archiveBatches(archive: ObjectStore, name: string, keep?: (ts: number, eventId: string) => boolean, blobs?: Uint8Array[]): AsyncIterable<TxBatch> {
  const blob = await readObject(archive, name);
  if (blob === null) throw new InternalError(`the event archive has no ${name}: its rows were folded into a live snapshot and must stay`);
  blobs?.push(blob);
  let rows: RowMessage[] = [];
  for (const line of new TextDecoder().decode(blob).split('\n')) {
    if (line.length === 0) continue;
    for (const r of JSON.parse(line) as RowMessage[]) if (keep === undefined || keep(r.t, r.e)) rows.push(r);
    if (rows.length >= APPLY_BATCH) {
      yield batchOf(rows);
      rows = [];
    }
  }
  if (rows.length > 0) yield batchOf(rows);
}

/**
 * An archive object's bytes: the archive objects in `archived` whole (each already lines), then
 * the messages' payloads one per line (a payload is JSON, without a newline).
 */
export function archiveBytes(payloads: readonly Uint8Array[], archived: readonly Uint8Array[] = []): Uint8Array {
  let size = 0;
  for (const b of archived) size += b.byteLength;
  for (const p of payloads) size += p.byteLength + 1;
  const out = new Uint8Array(size);
  let at = 0;
  for (const b of archived) {
    out.set(b, at);
    at += b.byteLength;
  }
  for (const p of payloads) {
    out.set(p, at);
    out[at + p.byteLength] = 10;
    at += p.byteLength + 1;
  }
  return out;
}

/**
 * A shard stream's rows from `first` through `last`, in stream order, as batches; `keep`: only
 * the rows it takes; `payloads`: every message's payload is pushed there (for the archive).
 */
export async function* streamBatches(js: JetStreamClient, range: FoldRange, keep?: (ts: number, eventId: string) => boolean, payloads?: Uint8Array[]): AsyncIterable<TxBatch> {
  const consumer = await js.consumers.get(eventStream(range.shard), { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: range.first });
  const messages = await consumer.consume({ max_messages: 256, expires: 5000 });
  let rows: RowMessage[] = [];
  try {
    for await (const m of messages) {
      // Past `last` (or at the end of a stream whose last message was removed): the range is read.
      if (m.seq > range.last) break;
      payloads?.push(m.data.slice());
      for (const r of m.json<RowMessage[]>()) if (keep === undefined || keep(r.t, r.e)) rows.push(r);
      if (rows.length >= APPLY_BATCH) {
        yield batchOf(rows);
        rows = [];
      }
      if (m.seq === range.last || m.info.pending === 0) break;
    }
  } finally {
    await messages.close();
  }
  if (rows.length > 0) yield batchOf(rows);
}

/**
 * Reads one shard's stream into `sink` from the message after `from` (0: the first), then follows
 * it; each message reaches the sink once, in stream order, less its rows whose event id is in
 * `seen` (the ids of the rows the live state holds; those it applies are added). `from` is the
 * last sequence the node's live state already holds (server/cluster.ts): the cluster snapshot's
 * folded sequence, or before the first one the sequence this process had read when it lost the
 * shard (0: never held it). An ordered consumer: no state on the servers to clean up when the
 * shard moves again; when it ends (its server gone) it is made again from the next sequence.
 */
export class ShardConsumer {
  private messages: ConsumerMessages | null = null;
  private stopped = false;
  /** Stream sequence of the last row applied. */
  applied = 0;
  private readonly done: Promise<void>;

  constructor(
    private readonly js: JetStreamClient,
    readonly shard: number,
    private readonly seen: Set<string>,
    private readonly sink: (batch: TxBatch) => Promise<void>,
    private readonly onProblem: (error: unknown) => void,
    from = 0,
  ) {
    this.applied = from;
    this.done = this.run().catch((error: unknown) => {
      if (!this.stopped) onProblem(error);
    });
  }

  private async run(): Promise<void> {
    let rows: RowMessage[] = [];
    let last = this.applied;
    let applying: Promise<void> = Promise.resolve();
    const first = firstOfEventId(this.seen);
    // One ingest at a time, in stream order; what arrived meanwhile goes in the next one.
    // A failed ingest (the store not ready, its log refusing a write) rewinds to the last row applied and reads on from there.
    const flush = (): Promise<void> => {
      const run = applying.then(async () => {
        if (rows.length === 0) return;
        const fresh = rows.filter((r) => first(r.e));
        const through = last;
        rows = [];
        try {
          if (fresh.length > 0) await this.sink(batchOf(fresh));
          this.applied = through;
        } catch (error) {
          // Not applied: their ids are free again for the rows read again.
          for (const r of fresh) this.seen.delete(r.e);
          rows = [];
          last = this.applied;
          void this.messages?.close();
          throw error;
        }
      });
      applying = run.catch(() => {});
      return run;
    };
    // Rows left short of a full batch when the stream goes quiet (or its server goes away) are applied soon anyway.
    const timer = setInterval(() => void flush().catch(this.onProblem), FLUSH_MS);
    try {
      while (!this.stopped) {
        try {
          // From the first message, or on from the last one read when the consumer had to be made again.
          const consumer = await this.js.consumers.get(eventStream(this.shard), last === 0 ? { deliver_policy: DeliverPolicy.All } : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: last + 1 });
          if (this.stopped) break;
          // Pull requests of 5 s (heartbeats every 2.5 s): a consumer lost with its server is noticed and made again within seconds, not the default 30 s.
          const messages = await consumer.consume({ max_messages: APPLY_BATCH, expires: 5000 });
          this.messages = messages;
          for await (const m of messages) {
            if (this.stopped) break;
            if (m.seq <= last) continue;
            for (const r of m.json<RowMessage[]>()) rows.push(r);
            last = m.seq;
            if (rows.length >= APPLY_BATCH || m.info.pending === 0) await flush();
          }
        } catch (error) {
          if (this.stopped) break;
          this.onProblem(error);
          await new Promise((r) => setTimeout(r, RETRY_MS));
        }
      }
      await flush();
    } finally {
      clearInterval(timer);
    }
  }

  /** Stops reading (the shard moved away); rows already applied stay in the store. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.messages?.close();
    await this.done;
  }
}
