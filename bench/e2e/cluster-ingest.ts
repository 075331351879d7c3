/**
 * POST /v1/events through the cluster against one machine (issue 13): three `segstream serve
 * --cluster` nodes over a three-server JetStream cluster on loopback (scripts/nats-cluster.mjs),
 * each taking a third of the connections, against one `segstream serve` on the same snapshot.
 * Rounds alternate the single node and the cluster, so a busy moment of a shared machine hits both.
 * Bodies are JSON arrays of `--batch` rows without event_id (every row is new: one machine appends
 * it, the cluster gives it a message id), so the rows/s is rows acknowledged: fsynced into one
 * machine's log, or stored by a JetStream quorum (and then applied by the owner to its live
 * state; the stream is its record, the owner logs nothing). CPU seconds of segstream's and NATS's processes over each round beside the rows. Prints a table and writes
 * bench/results/cluster-ingest.json; asserts nothing.
 *
 *   node --import tsx bench/e2e/cluster-ingest.ts [--customers 100000] [--connections 6]
 *     [--duration 10] [--batch 1000] [--rounds 2] [--shards 16]
 */
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNatsCluster } from '../../scripts/nats-cluster.mjs';
import { benchData, cpuSecondsOf, flag, load, type LoadResult, report, spawnSegstream } from './http-harness.js';

const customers = Number(flag('customers', '100000'));
const connections = Number(flag('connections', '6'));
const duration = Number(flag('duration', '10'));
const batch = Number(flag('batch', '1000'));
const rounds = Number(flag('rounds', '2'));
const shards = flag('shards', '16');

function body(seed: number): string {
  const rows = [];
  for (let i = 0; i < batch; i++) {
    const id = 1 + ((seed * 7919 + i * 104_729) % customers);
    rows.push({ customer_id: id, ts: '2026-06-20T10:00:00Z', amount: 1 + (i % 50) });
  }
  return JSON.stringify(rows);
}

function post(url: string, conns: number): Parameters<typeof load>[1] {
  const bodies = Array.from({ length: 16 }, (_, i) => body(i));
  let next = 0;
  return {
    url: `${url}/v1/events`,
    connections: conns,
    duration,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    requests: [{ setupRequest: (req) => ({ ...req, body: bodies[next++ % bodies.length]! }) }],
  };
}

const { dataDir } = await benchData(customers);
const work = await mkdtemp(join(tmpdir(), 'segstream-bench-cluster-'));
const nats = await startNatsCluster({ dir: join(work, 'nats'), port: 16422 });
const natsPids = JSON.parse(await readFile(join(nats.dir, 'pids.json'), 'utf8')) as number[];
const natsCpu = async () => (await Promise.all(natsPids.map((pid) => cpuSecondsOf(pid)))).reduce((a, b) => a + b, 0);
const single = await spawnSegstream(await copyData('single'));
const nodes = [];
for (const node of ['a', 'b', 'c']) nodes.push(await spawnSegstream(await copyData(node), {}, ['--cluster', nats.servers.join(','), '--node', node, '--shards', shards]));

async function copyData(name: string): Promise<string> {
  const to = join(work, `data-${name}`);
  await cp(dataDir, to, { recursive: true });
  return to;
}

const rows: object[] = [];
try {
  // Let the cluster settle its shard map before the first round.
  await new Promise((r) => setTimeout(r, 3000));
  for (let round = 1; round <= rounds; round++) {
    const cpu0 = await cpuSecondsOf(single.child.pid!);
    const one = await load('single', post(single.url, connections));
    const cpu1 = await cpuSecondsOf(single.child.pid!);
    rows.push(row(round, 'single node', [one], cpu1 - cpu0, 0));
    const nodeCpu0 = await Promise.all(nodes.map((n) => cpuSecondsOf(n.child.pid!)));
    const natsCpu0 = await natsCpu();
    const parts = await Promise.all(nodes.map((n, i) => load(`cluster-${i}`, post(n.url, Math.max(1, Math.round(connections / nodes.length))))));
    const nodeCpu1 = await Promise.all(nodes.map((n) => cpuSecondsOf(n.child.pid!)));
    const natsCpu1 = await natsCpu();
    rows.push(row(round, 'cluster (3 nodes, 3 NATS servers)', parts, nodeCpu1.reduce((s, v, i) => s + v - nodeCpu0[i]!, 0), natsCpu1 - natsCpu0));
  }
} finally {
  single.child.kill('SIGTERM');
  for (const n of nodes) n.child.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 1000));
  await nats.stop();
  await rm(work, { recursive: true, force: true });
}

function row(round: number, side: string, parts: LoadResult[], cpuSeconds: number, natsSeconds: number): object {
  const requests = parts.reduce((s, p) => s + p.requests_per_second, 0);
  return {
    round,
    side,
    rows_per_s: requests * batch,
    p50_ms: Math.max(...parts.map((p) => p.p50_ms)),
    p99_ms: Math.max(...parts.map((p) => p.p99_ms)),
    non2xx: parts.reduce((s, p) => s + p.non2xx + p.errors, 0),
    segstream_cpu_s: Math.round(cpuSeconds * 10) / 10,
    nats_cpu_s: Math.round(natsSeconds * 10) / 10,
    // Rows per CPU-second of every process on the side: a loaded machine blurs this less than rows/s.
    rows_per_cpu_s: Math.round((requests * batch * duration) / (cpuSeconds + natsSeconds)),
  };
}

await report('cluster-ingest', { customers, connections, duration, batch, shards: Number(shards), nats: nats.version, sync_always: nats.syncAlways }, rows);
process.exit(0);
