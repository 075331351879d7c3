/**
 * Which shard a customer is in and which node owns each shard.
 *
 * shard of a customer = hashKey(canonical customer_id) mod shards — the id hash that already picks
 * a customer's partition (engine/kernels/id-hash.ts), so an integer id and its decimal text land
 * together. Owners are chosen by rendezvous hashing with a per-node cap (assignShards):
 * when a node joins or leaves, mostly the shards it wins or held move.
 * The assignment is kept in the KV bucket `segstream-shards` under `owners`; the lowest live node
 * writes it (membership.ts), every node reads and watches it.
 */
import type { KV } from '@nats-io/kv';
import { hashBytes, hashKey } from '../kernels/id-hash.js';
import type { CustomerKey } from '../parse/parse-values.js';

/** The KV bucket and key of the assignment. */
export const SHARD_BUCKET = 'segstream-shards';
export const OWNERS_KEY = 'owners';

/** The shard of a customer. */
export function shardOf(key: CustomerKey, shards: number): number {
  return hashKey(key) % shards;
}

/** A published assignment: `owners[s]` is the node that owns shard s. */
export interface ShardAssignment {
  readonly shards: number;
  readonly owners: readonly string[];
  /** Bumped by every change, so a node can tell a newer map from an older one. */
  readonly epoch: number;
}

const encoder = new TextEncoder();

function weight(shard: number, node: string): number {
  return hashBytes(encoder.encode(`${shard}\u0000${node}`));
}

/**
 * The owner of every shard among `nodes`: rendezvous hashing with a cap of ceil(shards / nodes)
 * per node, so a few shards spread over every node; a shard takes the highest-weighted node that
 * still has room. Deterministic: every node computes the same map from the same live set.
 */
export function assignShards(shards: number, nodes: readonly string[]): string[] {
  if (nodes.length === 0) throw new Error('no live node to own the shards');
  const cap = Math.ceil(shards / nodes.length);
  const load = new Map<string, number>(nodes.map((n) => [n, 0]));
  const owners = new Array<string>(shards);
  for (let s = 0; s < shards; s++) {
    const ranked = [...nodes].sort((x, y) => weight(s, y) - weight(s, x) || (x < y ? -1 : 1));
    const owner = ranked.find((n) => load.get(n)! < cap)!;
    load.set(owner, load.get(owner)! + 1);
    owners[s] = owner;
  }
  return owners;
}

/** The shards `node` owns in `a`. */
export function shardsOwnedBy(a: ShardAssignment, node: string): number[] {
  const out: number[] = [];
  for (let s = 0; s < a.owners.length; s++) if (a.owners[s] === node) out.push(s);
  return out;
}

/** Reads the assignment from its bucket (null before the first one). */
export async function readAssignment(kv: KV): Promise<{ assignment: ShardAssignment; revision: number } | null> {
  const e = await kv.get(OWNERS_KEY);
  if (e?.operation !== 'PUT' || e.value.length === 0) return null;
  return { assignment: e.json<ShardAssignment>(), revision: e.revision };
}

/**
 * Writes `owners` as the next assignment when it differs from the one at `revision` (0: none yet);
 * false when another node wrote first (the caller reads again).
 */
export async function writeAssignment(kv: KV, prev: { assignment: ShardAssignment; revision: number } | null, owners: readonly string[]): Promise<boolean> {
  if (prev && prev.assignment.owners.length === owners.length && prev.assignment.owners.every((o, i) => o === owners[i])) return true;
  const next: ShardAssignment = { shards: owners.length, owners, epoch: (prev?.assignment.epoch ?? 0) + 1 };
  try {
    if (prev) await kv.update(OWNERS_KEY, JSON.stringify(next), prev.revision);
    else await kv.create(OWNERS_KEY, JSON.stringify(next));
    return true;
  } catch {
    return false;
  }
}
