/**
 * A job's shard tasks (merge, select, score) on their owners. The coordinator picks, once per job,
 * the node that runs every task of a shard: the shard map's owner (membership.ts; a machine that
 * serves a shard and takes rescore tasks under the same node id computes it too) when it is a live
 * rescore worker, else the rendezvous owner among the live workers (shard-map.ts assignShards).
 * The merge leaves the shard's customers in that node's memory, so its select and score tasks
 * need not read the part back.
 *
 *   merge/select/score of shard s ──► segstream.rescore.owned.<owner>.<job>.<kind>.<s> ──► the owner's consumer
 *   owner's heartbeat gone, task not done ──► segstream.rescore.tasks.<job>.<kind>.<s> ──► any node (reads the part back)
 *
 * A task redelivered because its owner is slow stays with the owner (its ack wait and deliveries);
 * one whose owner is gone is published once more on the shared subject: its output has fixed
 * names, so an owner that comes back and does it too writes the same bytes.
 */
import { assignShards, readAssignment, SHARD_BUCKET } from './shard-map.js';
import type { NatsCluster } from './nats-connection.js';
import { liveWorkers, ownedSubject, publishTask, taskSubject } from './task-queue.js';

interface Sent {
  readonly kind: string;
  readonly shard: number;
  readonly task: unknown;
  readonly owner: string | null;
  rescued: boolean;
}

/** The shard tasks of one job. */
export class ShardTasks {
  private readonly sent = new Map<string, Sent>();

  private constructor(
    private readonly cluster: NatsCluster,
    private readonly job: string,
    /** Owner of each shard (absent: no live worker when the job planned, the shared subject). */
    readonly owners: ReadonlyMap<number, string>,
  ) {}

  /** Picks the owners of `shards` among the live rescore workers. */
  static async plan(cluster: NatsCluster, job: string, shards: readonly number[], total: number): Promise<ShardTasks> {
    const live = await liveWorkers(cluster);
    const owners = new Map<number, string>();
    if (live.length > 0) {
      const map = (await readAssignment(await cluster.bucket(SHARD_BUCKET)))?.assignment;
      const fallback = assignShards(total, live);
      for (const s of shards) {
        const mapped = map && map.shards === total ? map.owners[s] : undefined;
        owners.set(s, mapped !== undefined && live.includes(mapped) ? mapped : fallback[s]!);
      }
    }
    return new ShardTasks(cluster, job, owners);
  }

  /** Publishes shard `shard`'s task of `kind` to its owner; `key` is the job-bucket key its record will have. */
  async publish(kind: string, shard: number, task: unknown, key: string): Promise<void> {
    const owner = this.owners.get(shard) ?? null;
    this.sent.set(key, { kind, shard, task, owner, rescued: false });
    await publishTask(this.cluster, owner === null ? taskSubject(this.job, kind, shard) : ownedSubject(owner, this.job, kind, shard), task);
  }

  /** Of the tasks whose records are still `missing`, those whose owner is no longer alive go to the shared subject (once each). */
  async rescue(missing: readonly string[]): Promise<number> {
    const pending = missing.map((k) => this.sent.get(k)).filter((t): t is Sent => t !== undefined && t.owner !== null && !t.rescued);
    if (pending.length === 0) return 0;
    const live = new Set(await liveWorkers(this.cluster));
    let n = 0;
    for (const t of pending) {
      if (live.has(t.owner!)) continue;
      t.rescued = true;
      await publishTask(this.cluster, taskSubject(this.job, t.kind, t.shard), t.task);
      n++;
    }
    return n;
  }
}
