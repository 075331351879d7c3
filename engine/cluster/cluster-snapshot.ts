/**
 * The cluster's live snapshot seen from outside a rescore: what `segstream cluster status` shows
 * (nodes, shard owners, the live pointer), and `segstream cluster pull`, which copies the live
 * snapshot into a local data folder so every single-machine command (export, report, migrate,
 * serve) reads the cluster's numbers.
 *
 *   KV live ──► manifest.json, rejects.ndjson, customers/<shard>.arrow … ──► DATA/snapshots/<id>/ (one customers.arrow)
 */
import { type Data, type DataType, type Dictionary, makeData, RecordBatch, Schema, Struct, Table, tableFromIPC } from 'apache-arrow';
import { InternalError } from '../errors.js';
import { encodeCustomers } from '../snapshot/customers-file.js';
import type { Manifest } from '../snapshot/manifest.js';
import { publishSnapshot } from '../snapshot/snapshot-publisher.js';
import { NODES_BUCKET, NODE_TTL_MS } from './membership.js';
import { bucketKeys, type NatsCluster, readObject } from './nats-connection.js';
import { type LivePointer, readLivePointer, readPointerManifest } from './rescore-cluster.js';
import { openSnapshotStore, snapshotName } from './rescore-node.js';
import { readAssignment, SHARD_BUCKET } from './shard-map.js';

/** `segstream cluster status`. */
export interface ClusterStatus {
  /** Nodes with a live heartbeat. */
  readonly nodes: string[];
  /** Shards per owner in the current map (null before the first map). */
  readonly owners: Record<string, number> | null;
  readonly shards: number | null;
  /** The live snapshot: its pointer and the manifest's headline (null before the first cluster rescore). */
  readonly live: (Pick<LivePointer, 'snapshot' | 'job' | 'folded'> & { parts: number; customers: number | null; as_of: string | null }) | null;
}

/** Reads the cluster's membership, shard map and live pointer. */
export async function clusterStatus(cluster: NatsCluster): Promise<ClusterStatus> {
  await cluster.bucket(NODES_BUCKET, { ttlMs: NODE_TTL_MS });
  const nodes = await bucketKeys(cluster, NODES_BUCKET);
  const map = await readAssignment(await cluster.bucket(SHARD_BUCKET));
  let owners: Record<string, number> | null = null;
  if (map) {
    owners = {};
    for (const o of map.assignment.owners) owners[o] = (owners[o] ?? 0) + 1;
  }
  const pointer = await readLivePointer(cluster);
  let live: ClusterStatus['live'] = null;
  if (pointer) {
    const manifest = await readPointerManifest(await openSnapshotStore(cluster), pointer);
    live = { snapshot: pointer.snapshot, job: pointer.job, ...(pointer.folded ? { folded: pointer.folded } : {}), parts: pointer.objects.filter((o) => o.name.includes('/customers/')).length, customers: manifest?.customers ?? null, as_of: manifest?.as_of ?? null };
  }
  return { nodes, owners, shards: map?.assignment.shards ?? null, live };
}

/**
 * A part's batch on the first part's schema. Each part's category columns have the same
 * dictionary (the config's names, in its order) under a dictionary id of their own, and one
 * Arrow file has one dictionary per id: the codes are kept and the first part's dictionary used.
 */
function onSchemaOf(first: Table, batch: RecordBatch): RecordBatch {
  const children = batch.data.children.map((child: Data, i) => {
    const type: DataType = first.schema.fields[i]!.type;
    if (child.type === type || child.dictionary === undefined) return child;
    const dictionary = first.batches[0]!.data.children[i]!.dictionary!;
    if (JSON.stringify(dictionary.toArray()) !== JSON.stringify(child.dictionary.toArray())) throw new InternalError(`cluster snapshot: the parts' ${first.schema.fields[i]!.name} values differ`);
    return makeData({ type: type as Dictionary, offset: child.offset, length: child.length, nullCount: child.nullCount, nullBitmap: child.nullBitmap, data: child.values, dictionary });
  });
  return new RecordBatch(first.schema, makeData({ type: new Struct(first.schema.fields), length: batch.numRows, nullCount: 0, children }));
}

/** A cluster snapshot's files as one machine's: the manifest, the customers of the parts read, the rejects. */
export interface SnapshotParts {
  readonly manifest: Manifest;
  readonly customers: Table;
  readonly rejects: string;
  /** Parts read (shards with customers among those asked for). */
  readonly parts: number;
}

/** The shard a part object of the snapshot bucket holds (`<job>/customers/<shard>.arrow`), or null for another object. */
export function partShard(name: string): number | null {
  const m = /\/customers\/(\d+)\.arrow$/.exec(name);
  return m ? Number(m[1]) : null;
}

/**
 * Reads the pointer's manifest, rejects and the customer parts of `shards` (null: every shard),
 * the parts one after the other in shard order. A set of shards without customers gives an empty
 * table on the snapshot's schema.
 */
export async function readSnapshotParts(cluster: NatsCluster, pointer: LivePointer, shards: ReadonlySet<number> | null): Promise<SnapshotParts> {
  const store = await openSnapshotStore(cluster);
  const blob = async (name: string, size?: number): Promise<Uint8Array> => {
    const bytes = await readObject(store, name);
    if (bytes === null || (size !== undefined && bytes.byteLength !== size)) throw new InternalError(`cluster snapshot ${pointer.snapshot}: ${name} is missing from the snapshot bucket${size !== undefined ? ` or not ${size} bytes` : ''}`);
    return bytes;
  };
  const text = async (name: string): Promise<string> => new TextDecoder().decode(await blob(name));
  const manifest = JSON.parse(await text(snapshotName.manifest(pointer.job))) as Manifest;
  const all = pointer.objects.filter((o) => partShard(o.name) !== null).sort((x, y) => partShard(x.name)! - partShard(y.name)!);
  const parts = shards === null ? all : all.filter((o) => shards.has(partShard(o.name)!));
  const tables: Table[] = [];
  for (const o of parts) tables.push(tableFromIPC(await blob(o.name, o.size)));
  const batches = tables.flatMap((t) => t.batches.map((b) => onSchemaOf(tables[0]!, b)));
  // No customers among these shards: any part's schema, no rows.
  const customers = batches.length > 0 ? new Table(batches) : new Table(all.length > 0 ? tableFromIPC(await blob(all[0]!.name, all[0]!.size)).schema : new Schema([]));
  if (shards === null && customers.numRows !== manifest.customers) throw new InternalError(`cluster snapshot ${pointer.snapshot}: its parts hold ${customers.numRows} customers, its manifest ${manifest.customers}`);
  return { manifest, customers, rejects: await text(snapshotName.rejects(pointer.job)), parts: parts.length };
}

/**
 * Copies the live cluster snapshot into `dataDir` and publishes it there (snapshot-publisher.ts:
 * renamed into place, CURRENT replaced last). Its customers.arrow holds the shards' parts one
 * after the other, in shard order. Returns the snapshot's id, or null when none is live.
 */
export async function pullLiveSnapshot(cluster: NatsCluster, dataDir: string, keep: number): Promise<{ snapshot: string; customers: number; parts: number } | null> {
  const pointer = await readLivePointer(cluster);
  if (!pointer) return null;
  const { manifest, customers, rejects, parts } = await readSnapshotParts(cluster, pointer, null);
  await publishSnapshot(dataDir, manifest.id, { 'manifest.json': JSON.stringify(manifest, null, 2), 'customers.arrow': encodeCustomers(customers), 'rejects.ndjson': rejects }, keep);
  return { snapshot: manifest.id, customers: customers.numRows, parts };
}
