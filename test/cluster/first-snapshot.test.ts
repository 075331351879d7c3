/**
 * Nodes that took events before the first cluster snapshot, as README's cluster section runs them:
 * one machine's snapshot copied to three data folders, three serve nodes, events posted, then the
 * first cluster rescore. Every acknowledged row counts exactly once on every node — before the
 * rescore, after it (the rows it folded, those it left out as dated after its as_of, those posted
 * after it) and after a node restarts on its folder — each answer equal to one machine's but for
 * the snapshot id. It fails when a node's own log of the streams' rows is applied on top of the
 * cluster snapshot as well (rows dated after as_of counted twice). Fails, never skips, without
 * nats-server.
 */
import { spawnSync } from 'node:child_process';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { connectCluster, type NatsCluster } from '../../engine/cluster/nats-connection.js';
import { clusterRescore } from '../../engine/cluster/rescore-cluster.js';
import { shardOf } from '../../engine/cluster/shard-map.js';
import { generate } from '../../engine/generate/index.js';
import { rescore } from '../../engine/rescore/rescore.js';
import { buildServer } from '../../server/build-server.js';
import { asStreamBatch, type EventRow, lookupCustomer, type NatsTestCluster, postEvents, startTestCluster, until } from './rescore-helpers.js';

const PORT = 16722;
const CLI = join(import.meta.dirname, '../../dist/cli/segstream.js');
const SHARDS = 4;
const AS_OF = '2026-06-30';
const NODES = ['a', 'b', 'c'];
let dir: string;
let input: string;
let nats: NatsTestCluster;
let coordinator: NatsCluster;
const nodes: FastifyInstance[] = [];
const singles: FastifyInstance[] = [];

/** Every node answers every one of `ids` as `single` does (live rows reach their owner a moment after the 202). */
async function expectSameAnswers(single: FastifyInstance, ids: ReadonlyArray<string | number>, when: string): Promise<void> {
  for (const id of ids) {
    const want = await lookupCustomer(single, id);
    expect(want, `customer ${id} on one machine`).not.toBeNull();
    for (const [n, app] of nodes.entries()) {
      const got = await until(`customer ${id} on node ${NODES[n]} ${when}`, async () => {
        const g = await lookupCustomer(app, id);
        return g !== null && JSON.stringify(g) === JSON.stringify(want) ? g : null;
      }, 15_000).catch(async () => lookupCustomer(app, id));
      expect(got, `customer ${id} from node ${NODES[n]} ${when}`).toEqual(want);
    }
  }
}

/** True once the node serves a cluster snapshot (its manifest has the cluster's stage timings). */
function onClusterSnapshot(app: FastifyInstance): boolean {
  const timings = app.segstream.store.state?.snapshot.manifest.timings_ms ?? {};
  return Object.keys(timings).some((k) => k.startsWith('cluster_'));
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'segstream-cluster-first-'));
  nats = await startTestCluster(join(dir, 'nats'), PORT);
  input = join(dir, 'tx.parquet');
  await generate({ customers: 2_000, transactions: 12_000, format: 'parquet', seed: 23, out: input });
  // README: one machine's snapshot, copied to every node's folder.
  await rescore({ input, asOf: AS_OF, dataDir: join(dir, 'data-a') });
  for (const node of NODES.slice(1)) await cp(join(dir, 'data-a'), join(dir, `data-${node}`), { recursive: true });
  // All three at once on the fresh cluster, as README's `&` lines start them (they race to make the buckets and streams).
  nodes.push(...(await Promise.all(NODES.map((node) => buildServer({ dataDir: join(dir, `data-${node}`), reloadIntervalMs: 0, cluster: { servers: nats.servers, node, shards: SHARDS } })))));
  coordinator = await connectCluster({ servers: nats.servers, node: 'coordinator', shards: SHARDS });
  await until('every shard owned', async () => {
    for (const app of nodes) await app.segstream.cluster!.settled();
    return nodes.reduce((n, app) => n + app.segstream.cluster!.ownedShards().length, 0) === SHARDS;
  });
}, 120_000);

afterAll(async () => {
  for (const app of [...nodes, ...singles]) await app.close().catch(() => undefined);
  await coordinator?.close().catch(() => undefined);
  await nats?.stop();
  await rm(dir, { recursive: true, force: true });
}, 60_000);

test('events taken before the first cluster snapshot count once after it, and after a node restarts', async () => {
  // Before the cluster rescore, through two nodes: rows it folds in, and rows dated after its as_of.
  const before: EventRow[] = [];
  for (let i = 0; i < 48; i++) before.push({ customer_id: i % 4 === 0 ? `N${i}` : i * 29, ts: `2026-06-${String(1 + (i % 28)).padStart(2, '0')}T10:00:00Z`, amount: 10 + i, event_id: `b-${i}` });
  for (let i = 0; i < 8; i++) before.push({ customer_id: i % 2 === 0 ? `N${i * 4}` : i * 29, ts: `2026-07-0${1 + i}T10:00:00Z`, amount: 70 + i, event_id: `future-${i}` });
  expect(new Set(before.map((r) => shardOf(r.customer_id, SHARDS))).size).toBe(SHARDS);
  const future = before.filter((r) => r.event_id.startsWith('future-'));
  await postEvents(nodes[0]!, before.slice(0, 30));
  await postEvents(nodes[1]!, before.slice(30));
  const ids = [...new Set(before.map((r) => r.customer_id))];

  // One machine before the rescore: the same snapshot, the same rows posted to its server.
  const localOnly = join(dir, 'single-local');
  await rescore({ input, asOf: AS_OF, dataDir: localOnly });
  const single0 = await buildServer({ dataDir: localOnly, reloadIntervalMs: 0 });
  singles.push(single0);
  await postEvents(single0, before);
  await expectSameAnswers(single0, ids, 'before the cluster rescore');

  const summary = await clusterRescore({ input, asOf: AS_OF, dataDir: join(dir, 'coordinator'), cluster: coordinator, tasks: 3 });
  expect(summary.rows.future).toBe(future.length);
  await until('every node on the cluster snapshot', async () => {
    for (const app of nodes) await app.segstream.cluster!.settled();
    return nodes.every(onClusterSnapshot);
  });

  // One machine after it: the same input with the same rows after it (the future ones left out, then live).
  const singleData = join(dir, 'single');
  await rescore({ input, asOf: AS_OF, dataDir: singleData, extra: [asStreamBatch(before, SHARDS)] });
  const single = await buildServer({ dataDir: singleData, reloadIntervalMs: 0 });
  singles.push(single);
  await postEvents(single, future);
  const live: EventRow[] = [];
  for (let i = 0; i < 24; i++) live.push({ customer_id: i % 3 === 0 ? `N${i * 4}` : i * 29, ts: i % 4 === 0 ? '2026-07-10T12:00:00Z' : '2026-06-29T12:00:00Z', amount: 3 + i, event_id: `l-${i}` });
  await postEvents(nodes[2]!, live);
  await postEvents(single, live);
  const all = [...new Set([...ids, ...live.map((r) => r.customer_id)])];
  await expectSameAnswers(single, all, 'after the cluster rescore');

  // A node restarted on its folder: its shards from the cluster snapshot and the streams, each row once.
  const restarted = nodes[0]!;
  await restarted.close();
  nodes[0] = await buildServer({ dataDir: join(dir, 'data-a'), reloadIntervalMs: 0, cluster: { servers: nats.servers, node: 'a', shards: SHARDS } });
  await until('node a back on the cluster snapshot', async () => {
    for (const app of nodes) await app.segstream.cluster!.settled();
    return nodes[0]!.segstream.cluster!.ownedShards().length > 0 && onClusterSnapshot(nodes[0]!);
  });
  await expectSameAnswers(single, all, 'after node a restarted');
  // The streams are the rows' record in cluster mode: no node logged them in its own folder.
  for (const app of nodes) expect(app.segstream.store.knownEventIds).toBe(0);

  // A node's own rescore job (or schedule) would swap its live state for its folder's snapshot without the streams' rows: refused.
  const job = await nodes[1]!.inject({ method: 'POST', url: '/v1/jobs/rescore', payload: { input } });
  expect(job.statusCode).toBe(400);
  expect((job.json() as { code: string }).code).toBe('SEG_ERR_BAD_REQUEST');
  const cron = spawnSync(process.execPath, [CLI, 'serve', '--data', join(dir, 'data-b'), '--port', '0', '--cluster', nats.servers.join(','), '--node', 'z', '--rescore-cron', '0 2 * * *', '--rescore-input', input], { encoding: 'utf8', timeout: 60_000 });
  expect(cron.status).not.toBe(0);
  expect(cron.stderr).toContain('--rescore-cron');
  for (const app of nodes) expect((await lookupCustomer(app, before[0]!.customer_id))?.['orders']).toBe((await lookupCustomer(single, before[0]!.customer_id))?.['orders']);
}, 240_000);
