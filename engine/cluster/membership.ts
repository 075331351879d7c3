/**
 * Who is in the cluster and which shards this node owns. Every node puts a heartbeat into the KV
 * bucket `segstream-nodes` each second; the bucket forgets an entry {@link NODE_TTL_MS} after its
 * last put, so a node that stops (killed, cut off) drops out without saying goodbye. The lowest
 * live node id writes the shard assignment (rendezvous owners over the live nodes, shard-map.ts);
 * every node watches it and starts or stops reading shards as they move to or from it.
 */
import type { KV } from '@nats-io/kv';
import { bucketKeys, dropKey, type NatsCluster, retryTimeouts } from './nats-connection.js';
import { type ShardAssignment, OWNERS_KEY, SHARD_BUCKET, assignShards, readAssignment, shardsOwnedBy, writeAssignment } from './shard-map.js';

/** The KV bucket of heartbeats. */
export const NODES_BUCKET = 'segstream-nodes';
/** A node's heartbeat period. */
export const HEARTBEAT_MS = 1000;
/** A node without a heartbeat for this long has left. */
export const NODE_TTL_MS = 5000;

/** What a node does when its shards change. */
export interface MembershipHooks {
  /** The assignment changed: `gained` shards are now this node's, `lost` ones are not. */
  onShards(assignment: ShardAssignment, gained: readonly number[], lost: readonly number[]): Promise<void> | void;
  onProblem?(what: string, error: unknown): void;
}

/** A node's membership: heartbeats, the coordinator's duty when lowest, and the assignment it follows. */
export class Membership {
  /** The assignment this node follows (null before the first one). */
  assignment: ShardAssignment | null = null;
  private owned = new Set<number>();
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private watcher: { stop(): void } | null = null;
  private changes: Promise<void> = Promise.resolve();

  private constructor(
    private readonly cluster: NatsCluster,
    private readonly nodes: KV,
    private readonly shardKv: KV,
    private readonly hooks: MembershipHooks,
  ) {}

  /** Joins: first heartbeat, follows the assignment, takes the coordinator's duty when lowest. */
  static async join(cluster: NatsCluster, hooks: MembershipHooks): Promise<Membership> {
    const nodes = await cluster.bucket(NODES_BUCKET, { ttlMs: NODE_TTL_MS });
    const shardKv = await cluster.bucket(SHARD_BUCKET);
    const m = new Membership(cluster, nodes, shardKv, hooks);
    await retryTimeouts(() => m.beat());
    const watch = await shardKv.watch({ key: OWNERS_KEY });
    m.watcher = watch;
    void (async () => {
      for await (const e of watch) {
        if (e.operation !== 'PUT' || e.value.length === 0) continue;
        const next = e.json<ShardAssignment>();
        m.changes = m.changes.then(() => m.follow(next)).catch((error: unknown) => hooks.onProblem?.('following the shard map', error));
      }
    })();
    // A first tick that fails (a loaded server) is reported; the next one, a second later, tries again.
    await m.tick().catch((error: unknown) => hooks.onProblem?.('heartbeat', error));
    m.timer = setInterval(() => {
      m.tick().catch((error: unknown) => hooks.onProblem?.('heartbeat', error));
    }, HEARTBEAT_MS);
    m.timer.unref();
    return m;
  }

  /** The live node ids, sorted. */
  liveNodes(): Promise<string[]> {
    return bucketKeys(this.cluster, NODES_BUCKET);
  }

  /** True when this node owns `shard` now. */
  owns(shard: number): boolean {
    return this.owned.has(shard);
  }

  /** The owner of `shard`, or null before the first assignment. */
  ownerOf(shard: number): string | null {
    return this.assignment?.owners[shard] ?? null;
  }

  private async beat(): Promise<void> {
    await this.nodes.put(this.cluster.config.node, JSON.stringify({ at: Date.now() }));
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    await this.beat();
    const live = await this.liveNodes();
    if (live[0] !== this.cluster.config.node) return;
    // The lowest live node keeps the map: owners over the live nodes, written only when it changes.
    for (let attempt = 0; attempt < 3; attempt++) {
      const prev = await readAssignment(this.shardKv);
      const shards = prev?.assignment.shards ?? this.cluster.config.shards;
      if (await writeAssignment(this.shardKv, prev, assignShards(shards, live))) return;
    }
  }

  private async follow(next: ShardAssignment): Promise<void> {
    if (this.assignment && next.epoch <= this.assignment.epoch) return;
    const mine = new Set(shardsOwnedBy(next, this.cluster.config.node));
    const gained = [...mine].filter((s) => !this.owned.has(s));
    const lost = [...this.owned].filter((s) => !mine.has(s));
    this.assignment = next;
    this.owned = mine;
    if (gained.length > 0 || lost.length > 0) await this.hooks.onShards(next, gained, lost);
  }

  /** Waits until an assignment is followed and its shard changes are done. */
  async settled(): Promise<void> {
    await this.changes;
  }

  /** Leaves: no more heartbeats, and the entry is deleted so the others reassign at once. */
  async leave(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.watcher?.stop();
    await dropKey(this.cluster, NODES_BUCKET, this.cluster.config.node).catch(() => {});
  }
}
