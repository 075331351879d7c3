/**
 * POST /v1/events with fsync (group commit) from several connections, as a JSON array and as an
 * Arrow stream, next to fastify's hello route in the same run; then GET /v1/customers/:id
 * idle and while a rescore job runs (issue 11: events >= 500,000 rows/s acknowledged; p99
 * during a job <= 2x idle). Rounds alternate the hello route and each case, so a busy moment
 * of a shared machine hits both sides. Prints a table and writes
 * bench/results/http-events.json; asserts nothing.
 *
 *   node --import tsx bench/e2e/http-events.ts [--customers 1000000] [--connections 8]
 *     [--duration 10] [--batch 10000] [--rounds 2] [--lookup-connections 100] [--lookup-rounds 3] [--no-job]
 */
import { readdir, readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { tableFromArrays, tableToIPC } from 'apache-arrow';
import type autocannon from 'autocannon';
import { benchData, flag, load, report, rssOf, spawnHello, spawnSegstream } from './http-harness.js';

/** The first child process of `pid` (Linux /proc: the process whose parent it is), or 0. */
async function childOf(pid: number): Promise<number> {
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => '');
    if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) return Number(name);
  }
  return 0;
}

/** CPU seconds (user + system, all threads) a process has used so far (Linux /proc, ticks of 1/100 s). */
async function cpuSecondsOf(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const customers = Number(flag('customers', '1000000'));
const connections = Number(flag('connections', '8'));
const duration = Number(flag('duration', '10'));
const batch = Number(flag('batch', '10000'));
const rounds = Number(flag('rounds', '2'));
const lookupConnections = Number(flag('lookup-connections', '100'));
const lookupRounds = Number(flag('lookup-rounds', '3'));
const withJob = !process.argv.includes('--no-job');
const { dataDir, input } = await benchData(customers);

// Bodies of different customers in turn (a stride through the base), so the overlay meets new
// customers the whole run instead of one batch's worth again and again.
const BODIES = 16;
const day = Date.parse('2026-07-01T00:00:00Z');
const bodyRows = (b: number) =>
  Array.from({ length: batch }, (_, i) => {
    const at = b * batch + i;
    return { customer_id: 1 + ((at * 7919) % customers), ts: day + at * 1000, amount: Math.round(1000 + (at % 97) * 37) / 100 };
  });
const jsonBodies = Array.from({ length: BODIES }, (_, b) => JSON.stringify(bodyRows(b).map((r) => ({ ...r, ts: new Date(r.ts).toISOString() }))));
const arrowBodies = Array.from({ length: BODIES }, (_, b) => {
  const rows = bodyRows(b);
  return Buffer.from(
    tableToIPC(
      tableFromArrays({ customer_id: Int32Array.from(rows, (r) => r.customer_id), ts: Float64Array.from(rows, (r) => r.ts), amount: Float64Array.from(rows, (r) => r.amount) }),
      'stream',
    ),
  );
});
const rotating = (type: string, bodies: readonly (string | Buffer)[]): autocannon.Request[] =>
  bodies.map((body) => ({ method: 'POST', path: '/v1/events', headers: { 'content-type': type }, body }));

// Start from an empty log, so earlier runs' events are not replayed into this one.
await rm(join(dataDir, 'wal'), { recursive: true, force: true });
async function fsyncCount(url: string): Promise<number> {
  const metrics = await (await fetch(`${url}/metrics`)).text();
  return Number(/segstream_wal_fsync_duration_seconds_count (\d+)/.exec(metrics)?.[1] ?? 0);
}

const hello = await spawnHello();
const seg = await spawnSegstream(dataDir, {}, ['--input-root', dirname(input)]);
const results: object[] = [];
const meta: Record<string, unknown> = { customers, connections, duration_s: duration, batch_rows: batch, rounds, lookup_rounds: lookupRounds, load_average_at_start: (await readFile('/proc/loadavg', 'utf8')).split(' ')[0] };
const ratios: Record<string, number[]> = {};
try {
  const pid = seg.child.pid!;
  for (let round = 1; round <= rounds; round++) {
    for (const [kind, type, bodies] of [
      ['json', 'application/json', jsonBodies],
      ['arrow', 'application/vnd.apache.arrow.stream', arrowBodies],
    ] as const) {
      process.stderr.write(`round ${round}: ${kind}\n`);
      const h = await load('fastify hello route', { url: `${hello.url}/hello`, connections: lookupConnections, duration });
      results.push({ round, ...h });
      const before = await fsyncCount(seg.url);
      const cpu0 = await cpuSecondsOf(pid);
      const r = await load(`events, ${batch} rows per request, ${kind}`, { url: seg.url, connections, duration, requests: rotating(type, bodies) });
      const cpu = (await cpuSecondsOf(pid)) - cpu0;
      const rows = r.requests * batch;
      results.push({
        round,
        ...r,
        rows_per_second: Math.round(rows / duration),
        rows_per_server_cpu_second: Math.round(rows / Math.max(cpu, 0.01)),
        fsyncs: (await fsyncCount(seg.url)) - before,
        ...(await rssOf(pid)),
      });
      const list = ratios[kind] ?? [];
      list.push(Math.round(rows / duration));
      ratios[kind] = list;
    }
  }
  for (const [kind, list] of Object.entries(ratios)) meta[`${kind}_rows_per_second_best`] = Math.max(...list);

  // Lookups idle, then while a rescore job runs (in its own process at the lowest priority), in
  // rounds: each round an idle window, then a fresh job and a window while it runs (cancelled after).
  const ids = Array.from({ length: 1000 }, () => 1 + Math.floor(Math.random() * customers));
  const lookups: autocannon.Request[] = ids.map((id) => ({ method: 'GET', path: `/v1/customers/${id}` }));
  await load('warm-up', { url: seg.url, connections: lookupConnections, duration: 2, requests: lookups });
  const p99Ratios: number[] = [];
  for (let round = 1; round <= lookupRounds; round++) {
    const serverCpuIdle0 = await cpuSecondsOf(pid);
    const idle = await load('lookup, idle', { url: seg.url, connections: lookupConnections, duration, requests: lookups });
    results.push({ round, ...idle, server_cpu_s: Number(((await cpuSecondsOf(pid)) - serverCpuIdle0).toFixed(2)) });
    if (!withJob) continue;
    const job = await fetch(`${seg.url}/v1/jobs/rescore`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ input }) });
    const { id } = (await job.json()) as { id: string };
    // The job's own process (a child of the server): its CPU seconds in the window say how much it ran.
    await new Promise((r) => setTimeout(r, 500));
    const jobPid = await childOf(pid);
    const jobCpu0 = jobPid > 0 ? await cpuSecondsOf(jobPid).catch(() => Number.NaN) : Number.NaN;
    const serverCpu0 = await cpuSecondsOf(pid);
    const busy = await load('lookup, rescore job running', { url: seg.url, connections: lookupConnections, duration, requests: lookups });
    const jobCpu = jobPid > 0 ? (await cpuSecondsOf(jobPid).catch(() => Number.NaN)) - jobCpu0 : Number.NaN;
    const state = (await (await fetch(`${seg.url}/v1/jobs/${id}`)).json()) as { status: string };
    results.push({ round, ...busy, name: `${busy.name} (${state.status} after the window)`, server_cpu_s: Number(((await cpuSecondsOf(pid)) - serverCpu0).toFixed(2)), job_cpu_s: Number(jobCpu.toFixed(2)) });
    p99Ratios.push(busy.p99_ms / Math.max(1, idle.p99_ms));
    // A job at the lowest priority on a busy machine can take minutes: it is cancelled, not awaited.
    if (state.status === 'running') await fetch(`${seg.url}/v1/jobs/${id}`, { method: 'DELETE' });
    while (((await (await fetch(`${seg.url}/v1/jobs/${id}`)).json()) as { status: string }).status === 'running') await new Promise((r) => setTimeout(r, 200));
  }
  if (p99Ratios.length > 0) meta['p99_during_job_vs_idle_median'] = Number(p99Ratios.sort((x, y) => x - y)[p99Ratios.length >> 1]!.toFixed(2));
  await report('http-events', meta, results);
} finally {
  hello.child.kill('SIGTERM');
  seg.child.kill('SIGTERM');
}
