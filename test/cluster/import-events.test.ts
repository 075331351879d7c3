/**
 * A one-machine data folder moving into a cluster keeps its acknowledged live purchases (issue 13;
 * docs/cluster.md "Events"): `segstream cluster import-events` publishes the rows of its event
 * archive (folded by a server's rescore job) and of its log (taken after it), some with an
 * event_id and some without, to the shard streams of a three-node cluster started on that
 * machine's snapshot as README's setup does. The first cluster rescore then equals one machine's
 * rescore of the folder's input and rows (archive, then log) field for field, the rows in the order
 * the cluster reads them (by shard); a second import stores nothing
 * and the next rescore is the same. Without the import the cluster's snapshot lacks those rows
 * (the comparison fails: the events' input rows and every customer with a live purchase differ).
 * An unreachable cluster is a coded one-line error. Fails, never skips, without nats-server.
 */
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { ImportSummary } from '../../engine/cluster/import-events.js';
import { connectCluster, type NatsCluster } from '../../engine/cluster/nats-connection.js';
import { clusterRescore } from '../../engine/cluster/rescore-cluster.js';
import { generate } from '../../engine/generate/index.js';
import { rescore } from '../../engine/rescore/rescore.js';
import { listSegments } from '../../engine/wal/write-ahead-log.js';
import { buildServer } from '../../server/build-server.js';
import { asStreamBatch, byId, expectSameSnapshot, liveCustomers, type NatsTestCluster, startTestCluster, until } from './rescore-helpers.js';

const PORT = 16922;
const CLI = join(import.meta.dirname, '../../dist/cli/segstream.js');
const SHARDS = 4;
const AS_OF = '2026-06-30';
const NODES = ['a', 'b', 'c'];
const run = promisify(execFile);
let dir: string;
let nats: NatsTestCluster;
let coordinator: NatsCluster | undefined;
const servers: FastifyInstance[] = [];

/** A live row as one machine's server takes it; `event_id` absent on some. */
interface LiveRow {
  customer_id: string | number;
  ts: string;
  amount: number;
  event_id?: string;
}

function liveRows(prefix: string, n: number, day: (i: number) => number): LiveRow[] {
  const rows: LiveRow[] = [];
  for (let i = 0; i < n; i++) {
    const row: LiveRow = { customer_id: i % 4 === 0 ? `${prefix}${i}` : i * 37, ts: `2026-06-${String(day(i)).padStart(2, '0')}T10:00:00Z`, amount: 5 + i };
    if (i % 3 !== 0) row.event_id = `${prefix}-${i}`;
    rows.push(row);
  }
  return rows;
}

async function post(app: FastifyInstance, rows: LiveRow[]): Promise<void> {
  const res = await app.inject({ method: 'POST', url: '/v1/events', payload: rows });
  expect(res.statusCode).toBe(202);
}

/** `segstream cluster import-events` on `data`: its one-line JSON summary. */
async function importFolder(data: string): Promise<ImportSummary> {
  const { stdout } = await run(process.execPath, [CLI, 'cluster', 'import-events', '--data', data, '--cluster', nats.servers.join(','), '--node', 'importer'], { encoding: 'utf8', timeout: 120_000 });
  expect(stdout.trim().split('\n')).toHaveLength(1);
  return JSON.parse(stdout) as ImportSummary;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'segstream-cluster-import-'));
  nats = await startTestCluster(join(dir, 'nats'), PORT);
}, 120_000);

afterAll(async () => {
  for (const app of servers) await app.close().catch(() => undefined);
  await coordinator?.close().catch(() => undefined);
  await nats?.stop();
  await rm(dir, { recursive: true, force: true });
}, 60_000);

test('a one-machine folder\'s archived and logged events, imported, make the cluster rescore equal that machine\'s; a second import changes nothing', async () => {
  const input = join(dir, 'tx.parquet');
  await generate({ customers: 2_000, transactions: 12_000, format: 'parquet', seed: 29, out: input });

  // One machine: events posted, folded into its archive by a rescore job, then more events in its log.
  const folder = join(dir, 'single');
  await rescore({ input, asOf: AS_OF, dataDir: folder });
  const single = await buildServer({ dataDir: folder, reloadIntervalMs: 0, inputRoots: [dir] });
  servers.push(single);
  const archived = liveRows('A', 45, (i) => 1 + (i % 28));
  const logged = liveRows('W', 30, (i) => 10 + (i % 19));
  await post(single, archived.slice(0, 20));
  await post(single, archived.slice(20));
  const job = await single.inject({ method: 'POST', url: '/v1/jobs/rescore', payload: { input, as_of: AS_OF } });
  expect(job.statusCode).toBe(202);
  const done = await until('the job', async () => {
    const j = (await single.inject({ method: 'GET', url: `/v1/jobs/${(job.json() as { id: string }).id}` })).json() as { status: string };
    return j.status !== 'running' ? j : null;
  });
  expect(done.status).toBe('succeeded');
  await post(single, logged.slice(0, 12));
  await post(single, logged.slice(12));
  await single.close();
  servers.pop();
  expect((await readdir(join(folder, 'events'))).filter((n) => n.endsWith('.arrow'))).not.toHaveLength(0);
  const segments = await listSegments(join(folder, 'wal'));

  // One machine's rescore of that folder (the input, the archive, then the log), and of the same input
  // with the same rows in the order the cluster reads them (by shard, each shard's in fold order):
  // Gamma-Gamma sums its rows in the base's first-appearance order, so the fits of the two differ
  // in the last bits (docs/cluster.md "The models' sums"); the second is the cluster's, field for field.
  const folded = join(dir, 'folded');
  await cp(folder, folded, { recursive: true });
  await rescore({ input, asOf: AS_OF, dataDir: folded, wal: { dir: join(folded, 'wal'), through: segments.at(-1)! } });
  const expected = join(dir, 'expected');
  const inOrder = [...archived, ...logged].map((r, i) => ({ ...r, event_id: r.event_id ?? `none-${i}` }));
  await rescore({ input, asOf: AS_OF, dataDir: expected, extra: [asStreamBatch(inOrder, SHARDS)] });
  const [fromFolder, fromRows] = [await liveCustomers(folded), await liveCustomers(expected)];
  expect(byId(fromFolder.rows).map((r) => r[0])).toEqual(byId(fromRows.rows).map((r) => r[0]));
  expect(fromFolder.manifest['inputs']).toEqual(fromRows.manifest['inputs']);

  // README's setup: that machine's snapshot copied to three folders (its live events are the import's, not the nodes'), three nodes.
  for (const node of NODES) await cp(folder, join(dir, `data-${node}`), { recursive: true, filter: (src) => src !== join(folder, 'wal') && src !== join(folder, 'events') });
  servers.push(...(await Promise.all(NODES.map((node) => buildServer({ dataDir: join(dir, `data-${node}`), reloadIntervalMs: 0, cluster: { servers: nats.servers, node, shards: SHARDS } })))));
  coordinator = await connectCluster({ servers: nats.servers, node: 'coordinator', shards: SHARDS });
  await until('every shard owned', async () => {
    for (const app of servers) await app.segstream.cluster!.settled();
    return servers.reduce((n, app) => n + app.segstream.cluster!.ownedShards().length, 0) === SHARDS;
  });

  const rows = archived.length + logged.length;
  const generated = [...archived, ...logged].filter((r) => r.event_id === undefined).length;
  expect(await importFolder(folder)).toEqual({ rows_read: rows, published: rows, already_present: 0, ids_generated: generated, torn_records: 0 });
  await clusterRescore({ input, asOf: AS_OF, dataDir: join(dir, 'coordinator'), cluster: coordinator, tasks: 3 });
  await expectSameSnapshot(coordinator, expected);

  // Again: the same messages (the same rows, ids and cuts), which JetStream already holds; the next rescore is the same.
  expect(await importFolder(folder)).toEqual({ rows_read: rows, published: 0, already_present: rows, ids_generated: generated, torn_records: 0 });
  await clusterRescore({ input, asOf: AS_OF, dataDir: join(dir, 'coordinator'), cluster: coordinator, tasks: 3 });
  // A second run starts its fits from the first's (iterations differ from a first run's): one machine's second run too.
  await rescore({ input, asOf: AS_OF, dataDir: expected, extra: [asStreamBatch(inOrder, SHARDS)] });
  await expectSameSnapshot(coordinator, expected);
}, 300_000);

test('an unreachable cluster or a missing folder is a coded one-line error', async () => {
  const unreachable = await run(process.execPath, [CLI, 'cluster', 'import-events', '--data', dir, '--cluster', 'nats://127.0.0.1:1'], { encoding: 'utf8', timeout: 60_000 }).catch((e: { code: number; stderr: string }) => e);
  expect('code' in unreachable ? unreachable.code : 0).toBe(1);
  expect(unreachable.stderr.trim().split('\n')).toHaveLength(1);
  expect(unreachable.stderr).toContain('SEG_ERR_NOT_READY');
  const missing = await run(process.execPath, [CLI, 'cluster', 'import-events', '--data', join(dir, 'no-such-folder'), '--cluster', nats.servers.join(',')], { encoding: 'utf8', timeout: 60_000 }).catch((e: { code: number; stderr: string }) => e);
  expect('code' in missing ? missing.code : 0).toBe(1);
  expect(missing.stderr).toContain('SEG_ERR_INPUT_NOT_FOUND');
}, 120_000);
