/**
 * Where a node finds its cluster and who it is: `--cluster nats://a:4222,nats://b:4222` and
 * `--node ID` on `serve` and `rescore`, or a config block `cluster: { servers, node, shards }`.
 * No NATS code here: the single-machine path imports this file's types only.
 */
import { ArgumentError } from '../errors.js';

/** Shards of a cluster unless told otherwise: a few per node of a 16-node cluster, so moves stay small. */
export const DEFAULT_SHARDS = 64;

/** A node's view of its cluster. */
export interface ClusterConfig {
  /** NATS client URLs of the JetStream cluster (any of them; the client learns the rest). */
  readonly servers: readonly string[];
  /** This node's id: letters, digits, `_` and `-` (it names NATS subjects and KV keys). */
  readonly node: string;
  /** Shards of the customer base; every node of one cluster must agree (kept in the shard map's KV bucket). */
  readonly shards: number;
}

/** The config block's shape (`cluster: { ... }` in a segstream config file). */
export interface ClusterBlock {
  readonly servers?: string | readonly string[];
  readonly node?: string;
  readonly shards?: number;
}

const NODE_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** The servers of a `--cluster` value: comma-separated `nats://host:port` URLs. */
export function parseServers(text: string | readonly string[]): string[] {
  const list = (typeof text === 'string' ? text.split(',') : [...text]).map((s) => s.trim()).filter((s) => s.length > 0);
  if (list.length === 0) throw new ArgumentError('--cluster needs at least one nats:// URL');
  for (const url of list) {
    if (!/^(nats|tls):\/\/[^\s/]+$/.test(url)) throw new ArgumentError(`--cluster: ${url.slice(0, 80)} is not a nats://host:port URL`);
  }
  return list;
}

/**
 * The cluster of a node from its flags over its config block; null when neither names a cluster
 * (the single machine). A node id is required in a cluster.
 */
export function clusterConfigOf(flags: { cluster?: string | undefined; node?: string | undefined; shards?: number | undefined }, block?: ClusterBlock): ClusterConfig | null {
  const servers = flags.cluster ?? block?.servers;
  if (servers === undefined) {
    if (flags.node !== undefined) throw new ArgumentError('--node needs --cluster');
    return null;
  }
  const node = flags.node ?? block?.node;
  if (node === undefined) throw new ArgumentError('--cluster needs --node ID (this node\'s name in the cluster)');
  if (!NODE_ID.test(node)) throw new ArgumentError(`--node must be 1-64 letters, digits, _ or -, not ${JSON.stringify(node.slice(0, 80))}`);
  const shards = flags.shards ?? block?.shards ?? DEFAULT_SHARDS;
  if (!Number.isInteger(shards) || shards < 1 || shards > 4096) throw new ArgumentError(`cluster shards must be an integer 1..4096, not ${shards}`);
  return { servers: parseServers(servers), node, shards };
}
