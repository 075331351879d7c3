/**
 * Serve nodes read the cluster snapshot: after a cluster rescore moves the live pointer, every
 * node answers `GET /v1/customers/:id` for customers of every shard from that snapshot (the owner
 * from the part it loaded, the others by forwarding), with the live rows on top — those after the
 * snapshot's fold and those it left out as dated after its as_of — without `cluster pull`; each
 * answer equals one machine's (its rescore of the same input and events, the same live rows
 * posted to its server) but for the snapshot id. A shard that moves to another node is served
 * there the same way. Fails, never skips, without nats-server.
 */
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { eventStream, publishRows } from '../../engine/cluster/event-stream.js';
import type { NatsCluster } from '../../engine/cluster/nats-connection.js';
import { clusterRescore, readLivePointer } from '../../engine/cluster/rescore-cluster.js';
import { shardOf } from '../../engine/cluster/shard-map.js';
import { generate } from '../../engine/generate/index.js';
import { rescore } from '../../engine/rescore/rescore.js';
import { buildServer } from '../../server/build-server.js';
import { asStreamBatch, type EventRow, liveCustomers, postEvents, type ServeCluster, startServeCluster, until } from './rescore-helpers.js';

const PORT = 16622;
const SHARDS = 4;
const AS_OF = '2026-06-30';
let dir: string;
let serve: ServeCluster;
let coordinator: NatsCluster;
let nodes: FastifyInstance[];
let single: FastifyInstance | undefined;

/** A customer as a server answers it, without the snapshot id (each node publishes the cluster snapshot under an id of its own). */
async function lookup(app: FastifyInstance, id: string | number): Promise<{ status: number; body: Record<string, unknown> | null }> {
  const res = await app.inject({ method: 'GET', url: `/v1/customers/${encodeURIComponent(String(id))}` });
  if (res.statusCode !== 200) return { status: res.statusCode, body: null };
  const { snapshot: _s, ...rest } = res.json() as Record<string, unknown>;
  return { status: 200, body: rest };
}

beforeAll(async () => {
  serve = await startServeCluster('segstream-cluster-serve-', PORT, SHARDS);
  ({ dir, nodes, coordinator } = serve);
}, 120_000);

afterAll(async () => {
  await serve?.stop([single]);
}, 60_000);

test('after a cluster rescore every node answers every shard\'s customers from the cluster snapshot, live rows on top, as one machine does', async () => {
  const input = join(dir, 'tx.parquet');
  await generate({ customers: 3_000, transactions: 20_000, format: 'parquet', seed: 21, out: input });
  // Before the rescore: rows the rescore folds in (dated up to as_of), and two it leaves out as dated after it.
  const folded: EventRow[] = [];
  for (let i = 0; i < 60; i++) folded.push({ customer_id: i % 3 === 0 ? `N${i}` : i * 37, ts: `2026-06-${String(1 + (i % 28)).padStart(2, '0')}T10:00:00Z`, amount: 10 + i, event_id: `f-${i}` });
  const future: EventRow[] = [
    { customer_id: 74, ts: '2026-07-04T10:00:00Z', amount: 33, event_id: 'future-1' },
    { customer_id: 'N3', ts: '2026-07-05T10:00:00Z', amount: 44, event_id: 'future-2' },
  ];
  // Published as the events route does (no node serves a snapshot yet, so none takes events).
  const before = [...folded, ...future];
  expect((await publishRows(coordinator.js, 'test', SHARDS, asStreamBatch(before, SHARDS))).stored).toBe(before.length);
  const summary = await clusterRescore({ input, asOf: AS_OF, dataDir: join(dir, 'coordinator'), cluster: coordinator, tasks: 3 });
  expect(summary.rows.future).toBe(2);
  // The folded rows left the streams (the future rows a node applies come from the event archive).
  for (let s = 0; s < SHARDS; s++) expect((await coordinator.jsm.streams.info(eventStream(s))).state.messages).toBe(0);

  // One machine: the same input, the same rows after it, the live rows posted to its server.
  const singleData = join(dir, 'single');
  await rescore({ input, asOf: AS_OF, dataDir: singleData, extra: [asStreamBatch([...folded, ...future], SHARDS)] });
  single = await buildServer({ dataDir: singleData, reloadIntervalMs: 0 });
  await postEvents(single, future);

  // Every node serves the new snapshot (no pull): its owner's part, its shards' rows after the fold.
  await until('every node on the cluster snapshot', async () => {
    for (const app of nodes) await app.segstream.cluster!.settled();
    return nodes.every((app) => app.segstream.store.state?.snapshot.manifest.as_of === summary.as_of);
  });
  // After the rescore: live rows through another node, on customers of every shard, old and new.
  const live: EventRow[] = [];
  for (let i = 0; i < 40; i++) live.push({ customer_id: i % 4 === 0 ? `L${i}` : i * 53, ts: '2026-06-29T12:00:00Z', amount: 5 + i, event_id: `l-${i}` });
  await postEvents(nodes[1]!, live);
  await postEvents(single, live);

  const ids = [...new Set<string | number>([...(await liveCustomers(singleData)).rows.filter((_, r) => r % 60 === 0).map((r) => r[0] as string), ...folded.map((r) => r.customer_id), ...live.map((r) => r.customer_id), 74])];
  expect(new Set(ids.map((id) => shardOf(id, SHARDS))).size).toBe(SHARDS);
  const want = new Map<string | number, Record<string, unknown>>();
  for (const id of ids) {
    const w = await lookup(single, id);
    expect(w.status, `customer ${id} on one machine`).toBe(200);
    want.set(id, w.body!);
  }
  for (const [n, app] of nodes.entries()) {
    for (const id of ids) {
      // Live rows reach their owner a moment after the 202.
      const got = await until(`customer ${id} on node ${n}`, async () => {
        const g = await lookup(app, id);
        return g.status === 200 && JSON.stringify(g.body) === JSON.stringify(want.get(id)) ? g : null;
      }, 20_000).catch(async () => lookup(app, id));
      expect(got.body, `customer ${id} from node ${'abc'[n]}`).toEqual(want.get(id));
    }
  }
  // A node owns some shards, and holds only their customers.
  const pointer = (await readLivePointer(coordinator))!;
  let held = 0;
  for (const app of nodes) held += app.segstream.store.state!.snapshot.customers.numRows;
  expect(held).toBe(summary.customers);
  expect(pointer.snapshot).toBe(summary.snapshot);

  // Node c leaves: its shards move to a and b, which load their parts and read their streams on top.
  const gone = nodes.pop()!;
  await gone.close();
  await until('the shards of c on a and b', async () => {
    for (const app of nodes) await app.segstream.cluster!.settled();
    return nodes.reduce((n, app) => n + app.segstream.cluster!.ownedShards().length, 0) === SHARDS && nodes.reduce((n, app) => n + app.segstream.store.state!.snapshot.customers.numRows, 0) === summary.customers;
  });
  for (const app of nodes) for (const id of ids) expect((await lookup(app, id)).body, `customer ${id} after the move`).toEqual(want.get(id));
}, 240_000);
