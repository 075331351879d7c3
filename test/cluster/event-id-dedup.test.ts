/**
 * An event_id counts once in the cluster, also beyond JetStream's ten-minute duplicate window
 * (DESIGN "Real-time path"; docs/cluster.md "Events"). The same event ids are sent again in a
 * differently grouped request, so their messages get other ids and JetStream stores them again, as
 * it does for a retry after the window; per shard the first row of an id counts (archive objects in
 * order, then the stream), and a later one — here with another amount — is skipped. Both readers
 * apply it: the cluster rescore's snapshot equals one machine's rescore of the deduplicated rows
 * field for field (the repeats in the stream range, then in the archive and the stream), and every
 * node's lookups equal one machine's server that took each row once (repeats of folded rows and of
 * live ones). Fails, never skips, without nats-server.
 */
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { publishRows } from '../../engine/cluster/event-stream.js';
import type { NatsCluster } from '../../engine/cluster/nats-connection.js';
import { clusterRescore } from '../../engine/cluster/rescore-cluster.js';
import { shardOf } from '../../engine/cluster/shard-map.js';
import { generate } from '../../engine/generate/index.js';
import { rescore } from '../../engine/rescore/rescore.js';
import { buildServer } from '../../server/build-server.js';
import { asStreamBatch, type EventRow, expectSameSnapshot, lookupCustomer, postEvents, type ServeCluster, startServeCluster, until } from './rescore-helpers.js';

const PORT = 16822;
const SHARDS = 4;
const AS_OF = '2026-06-30';
const NODES = ['a', 'b', 'c'];
let dir: string;
let serve: ServeCluster;
let nodes: FastifyInstance[];
let coordinator: NatsCluster;
let single: FastifyInstance | undefined;

/** The same event ids again, `amount` changed, in two requests cut elsewhere than the first: other message ids. */
async function sendAgain(send: (rows: EventRow[]) => Promise<void>, rows: readonly EventRow[]): Promise<void> {
  const again = rows.map((r) => ({ ...r, amount: r.amount + 1000 }));
  const cut = Math.floor(again.length / 3);
  await send(again.slice(cut));
  await send(again.slice(0, cut));
}

beforeAll(async () => {
  serve = await startServeCluster('segstream-cluster-event-id-', PORT, SHARDS);
  ({ dir, nodes, coordinator } = serve);
}, 120_000);

afterAll(async () => {
  await serve?.stop([single]);
}, 60_000);

test('a row whose event_id the cluster already holds counts once in the rescore and in every node\'s lookups, whatever its message id', async () => {
  const input = join(dir, 'tx.parquet');
  await generate({ customers: 2_000, transactions: 12_000, format: 'parquet', seed: 23, out: input });
  const folded: EventRow[] = [];
  for (let i = 0; i < 48; i++) folded.push({ customer_id: i % 3 === 0 ? `D${i}` : i * 41, ts: `2026-06-${String(1 + (i % 28)).padStart(2, '0')}T10:00:00Z`, amount: 10 + i, event_id: `f-${i}` });
  const publish = async (rows: EventRow[]): Promise<void> => {
    expect((await publishRows(coordinator.js, 'test', SHARDS, asStreamBatch(rows, SHARDS))).stored).toBe(rows.length);
  };
  // Stored twice by JetStream (the repeats' messages have other ids): the fold counts each id once.
  await publish(folded);
  await sendAgain(publish, folded.slice(0, 30));
  const summary = await clusterRescore({ input, asOf: AS_OF, dataDir: join(dir, 'coordinator'), cluster: coordinator, tasks: 3 });
  const singleData = join(dir, 'single');
  await rescore({ input, asOf: AS_OF, dataDir: singleData, extra: [asStreamBatch(folded, SHARDS)] });
  await expectSameSnapshot(coordinator, singleData);

  // Live rows through node b, then again through node c with repeats of folded rows: each id once on every node.
  single = await buildServer({ dataDir: singleData, reloadIntervalMs: 0 });
  await until('every node on the cluster snapshot', async () => {
    for (const app of nodes) await app.segstream.cluster!.settled();
    return nodes.every((app) => app.segstream.store.state?.snapshot.manifest.as_of === summary.as_of);
  });
  const live: EventRow[] = [];
  for (let i = 0; i < 36; i++) live.push({ customer_id: i % 4 === 0 ? `L${i}` : i * 41, ts: '2026-06-29T12:00:00Z', amount: 5 + i, event_id: `l-${i}` });
  await postEvents(nodes[1]!, live);
  await postEvents(single, live);
  await sendAgain((rows) => postEvents(nodes[2]!, rows), [...live, ...folded.slice(20, 40)]);
  // A last row per shard: once a node shows them all, every shard's owner read the repeats before them.
  const markers: EventRow[] = [];
  for (let i = 0; markers.length < SHARDS; i++) if (!markers.some((m) => shardOf(m.customer_id, SHARDS) === shardOf(`M${i}`, SHARDS))) markers.push({ customer_id: `M${i}`, ts: '2026-06-29T13:00:00Z', amount: 1, event_id: `m-${i}` });
  await postEvents(nodes[2]!, markers);
  await postEvents(single, markers);
  for (const [n, app] of nodes.entries()) {
    await until(`every shard's last row on node ${NODES[n]}`, async () => (await Promise.all(markers.map((m) => lookupCustomer(app, m.customer_id)))).every((c) => c !== null), 20_000);
  }
  const ids = [...new Set<string | number>([...folded, ...live].map((r) => r.customer_id))];
  expect(new Set(ids.map((id) => shardOf(id, SHARDS))).size).toBe(SHARDS);
  for (const id of ids) {
    const want = await lookupCustomer(single, id);
    expect(want, `customer ${id} on one machine`).not.toBeNull();
    for (const [n, app] of nodes.entries()) expect(await lookupCustomer(app, id), `customer ${id} on node ${NODES[n]}`).toEqual(want);
  }

  // The next fold: the archive (with the first repeats) and the stream (with the later ones).
  await clusterRescore({ input, asOf: AS_OF, dataDir: join(dir, 'coordinator'), cluster: coordinator, tasks: 3 });
  const again = join(dir, 'single-again');
  await rescore({ input, asOf: AS_OF, dataDir: again, extra: [asStreamBatch(folded, SHARDS)] });
  await rescore({ input, asOf: AS_OF, dataDir: again, extra: [asStreamBatch([...folded, ...live, ...markers], SHARDS)] });
  await expectSameSnapshot(coordinator, again);
}, 240_000);
