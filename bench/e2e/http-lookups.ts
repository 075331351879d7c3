/**
 * GET /v1/customers/:id over an N-customer snapshot (default 1,000,000), with integer ids and with
 * string ids (`C0000123`), next to a bare fastify hello-world in the same run: rounds alternate
 * hello and lookups, and each lookup is compared with the hello runs just before and after it
 * (the machine is shared, so a ratio of neighbours says more than one of averages). Then a
 * 1,000-id batch-get, one request at a time (its latency, not its throughput), the servers' RSS,
 * the memory lookups hold beyond the snapshot's columns, and, with --job, lookups while a rescore
 * job runs. Prints a table and writes bench/results/http-lookups.json; asserts nothing.
 *
 *   node --import tsx bench/e2e/http-lookups.ts [--customers 1000000] [--ids both|integer|text]
 *     [--rounds 3] [--connections 100] [--duration 10] [--job] [--dir DIR] [--huge-pages on|off]
 *     [--generator wrk|autocannon] [--threads 1]
 *
 * Both servers run with GLIBC_TUNABLES=glibc.malloc.hugetlb=1 (as docs/performance.md advises for
 * `segstream serve`) unless --huge-pages off: the snapshot's columns then sit in 2 MiB pages, and
 * a lookup's ~45 random cell reads stop missing the TLB.
 *
 * The load generator is wrk (lib/wrk.ts; installed through scripts/system-packages.mjs --bench
 * where it is missing and this runs as root), with `--threads` threads, or autocannon in this
 * process (`--generator autocannon`, and the fallback without wrk). It shares the machine's cores
 * with the server: autocannon parses every response in JavaScript and spent about twice as much
 * CPU on a lookup's ~850-byte body as on hello's 17 bytes, which alone held the ratio near
 * 0.6-0.7 on two cores; wrk costs a fraction of that. Every request is one of 1,000 random ids of
 * the snapshot, prepared once, and hello gets the same prepared-request path (same connections
 * and threads, no pipelining). Each run reports the server's and the generator's CPU µs per
 * request (/proc; wrk's own clock or process.cpuUsage) and the load average at its end: on two
 * shared cores their sum bounds requests/s, and the server's ratio to hello's is the comparison
 * the generator cannot distort.
 */
import { loadavg } from 'node:os';
import { dirname } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type autocannon from 'autocannon';
import { LiveState } from '../../engine/live/live-state.js';
import { loadSnapshot } from '../../engine/snapshot/snapshot-store.js';
import { benchData, cpuSecondsOf, flag, load, report, rssOf, spawnHello, spawnSegstream } from './http-harness.js';
import { type LoadRun, ensureWrk, runWrk } from './lib/wrk.js';

const customers = Number(flag('customers', '1000000'));
const connections = Number(flag('connections', '100'));
const duration = Number(flag('duration', '10'));
const rounds = Number(flag('rounds', '3'));
const idKinds = flag('ids', 'both') === 'both' ? (['integer', 'text'] as const) : ([flag('ids', 'integer')] as const as readonly ('integer' | 'text')[]);
const withJob = process.argv.includes('--job');
const hugePages = flag('huge-pages', 'on') !== 'off';
const serverEnv: Record<string, string> = hugePages ? { GLIBC_TUNABLES: 'glibc.malloc.hugetlb=1' } : {};
const threads = Number(flag('threads', '1'));
const wrkVersion = flag('generator', 'wrk') === 'wrk' ? ensureWrk() : null;

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Target {
  readonly kind: 'integer' | 'text';
  readonly dataDir: string;
  readonly input: string;
  readonly ids: string[];
  readonly lookupBytesPerCustomer: number;
  server?: { url: string; child: ChildProcess };
}

async function prepare(kind: 'integer' | 'text'): Promise<Target> {
  const { dataDir, input } = await benchData(customers, { ids: kind });
  const snapshot = await loadSnapshot(dataDir);
  const col = snapshot.customers.getChild('customer_id')!;
  const ids = Array.from({ length: 1000 }, () => String(col.get(Math.floor(Math.random() * col.length))));
  // The lookup side's memory, measured on the same snapshot in this process.
  const state = LiveState.openSync(snapshot);
  const lookupBytesPerCustomer = Number((state.lookupBytes / state.columns.size).toFixed(1));
  return { kind, dataDir, input, ids, lookupBytesPerCustomer };
}

/** One load run: `paths` in turn (GET), or `body` POSTed to `url` (one path). */
interface Plan {
  readonly url: string;
  readonly paths: readonly string[];
  readonly connections: number;
  readonly duration: number;
  readonly body?: string;
}

/** Runs a plan with wrk, or autocannon in this process (its CPU time is then this process's). */
async function loadRun(name: string, plan: Plan): Promise<LoadRun> {
  if (wrkVersion !== null) return runWrk(name, { ...plan, threads });
  const opts: autocannon.Options =
    plan.body === undefined
      ? { url: plan.url, connections: plan.connections, duration: plan.duration, requests: plan.paths.map((path) => ({ method: 'GET', path })) }
      : { url: `${plan.url}${plan.paths[0]}`, method: 'POST', headers: { 'content-type': 'application/json' }, body: plan.body, connections: plan.connections, duration: plan.duration };
  const client = process.cpuUsage();
  const r = await load(name, opts);
  const { user, system } = process.cpuUsage(client);
  return { ...r, generator: 'autocannon', generator_cpu_s: (user + system) / 1e6, load_average: Number(loadavg()[0]!.toFixed(2)) };
}

/**
 * A load run with the CPU time per answered request (µs) of the server (what a request costs it,
 * whatever else runs) and of the load generator: on two shared cores the two compete, so
 * requests/s is bounded by their sum.
 */
type Measured = LoadRun & { readonly server_cpu_us_per_request: number; readonly client_cpu_us_per_request: number };

async function measured(name: string, pid: number, plan: Plan): Promise<Measured> {
  const before = await cpuSecondsOf(pid);
  const r = await loadRun(name, plan);
  const cpu = (await cpuSecondsOf(pid)) - before;
  const per = (s: number) => Math.round((s * 1e6) / Math.max(1, r.requests));
  return { ...r, server_cpu_us_per_request: per(cpu), client_cpu_us_per_request: per(r.generator_cpu_s) };
}

const lookupsOf = (t: Target): string[] => t.ids.map((id) => `/v1/customers/${encodeURIComponent(id)}`);

const targets: Target[] = [];
for (const kind of idKinds) targets.push(await prepare(kind));
const hello = await spawnHello(serverEnv);
const helloPaths = ['/hello'];
const rows: object[] = [];
const meta: Record<string, unknown> = { customers, connections, duration_s: duration, rounds, huge_pages: hugePages, generator: wrkVersion === null ? 'autocannon' : `${wrkVersion}, ${threads} thread(s)` };
try {
  for (const t of targets) t.server = await spawnSegstream(t.dataDir, serverEnv, ['--input-root', dirname(t.input)]);
  for (const t of targets) await loadRun('warm-up', { url: t.server!.url, connections, duration: 2, paths: lookupsOf(t) });
  await loadRun('warm-up', { url: hello.url, connections, duration: 2, paths: helloPaths });

  const ratios: Record<string, number[]> = {};
  const lookups: Record<string, Measured[]> = {};
  const helloRuns: Measured[] = [];
  for (let round = 1; round <= rounds; round++) {
    const helloRun = async () => {
      const h = await measured('fastify hello-world', hello.child.pid!, { url: hello.url, connections, duration, paths: helloPaths });
      helloRuns.push(h);
      return h;
    };
    let before = await helloRun();
    rows.push({ round, ...before });
    for (const t of targets) {
      const r = await measured(`lookup, ${t.kind} ids`, t.server!.child.pid!, { url: t.server!.url, connections, duration, paths: lookupsOf(t) });
      const after = await helloRun();
      const ratio = r.requests_per_second / ((before.requests_per_second + after.requests_per_second) / 2);
      rows.push({ round, ...r, vs_hello: Number(ratio.toFixed(3)) }, { round, ...after });
      ratios[t.kind] = [...(ratios[t.kind] ?? []), ratio];
      lookups[t.kind] = [...(lookups[t.kind] ?? []), r];
      before = after;
    }
  }
  for (const t of targets) {
    const ids = Array.from({ length: 1000 }, (_, i) => (t.kind === 'integer' ? Number(t.ids[i]) : t.ids[i]!));
    const batch = await measured(`batch-get of 1,000 ${t.kind} ids, 1 connection`, t.server!.child.pid!, {
      url: t.server!.url,
      paths: ['/v1/customers/batch-get'],
      body: JSON.stringify({ ids }),
      connections: 1,
      duration: Math.min(duration, 5),
    });
    rows.push({ round: '-', ...batch });
    const rs = lookups[t.kind]!;
    meta[t.kind] = {
      lookup_vs_hello_rps_median: Number(median(ratios[t.kind]!).toFixed(3)),
      lookup_vs_hello_rps_each: ratios[t.kind]!.map((x) => Number(x.toFixed(3))),
      lookup_p99_ms_median: median(rs.map((r) => r.p99_ms)),
      lookup_p50_ms_median: median(rs.map((r) => r.p50_ms)),
      lookup_server_cpu_us_per_request_median: median(rs.map((r) => r.server_cpu_us_per_request)),
      lookup_vs_hello_server_cpu: Number((median(rs.map((r) => r.server_cpu_us_per_request)) / Math.max(1, median(helloRuns.map((h) => h.server_cpu_us_per_request)))).toFixed(2)),
      lookup_client_cpu_us_per_request_median: median(rs.map((r) => r.client_cpu_us_per_request)),
      batch_get_1000_p50_ms: batch.p50_ms,
      batch_get_1000_server_cpu_ms: batch.server_cpu_us_per_request / 1000,
      lookup_bytes_per_customer: t.lookupBytesPerCustomer,
      server: await rssOf(t.server!.child.pid!),
    };
  }
  meta['hello_server'] = await rssOf(hello.child.pid!);
  meta['hello_server_cpu_us_per_request_median'] = median(helloRuns.map((h) => h.server_cpu_us_per_request));
  meta['hello_client_cpu_us_per_request_median'] = median(helloRuns.map((h) => h.client_cpu_us_per_request));
  // The p99 target (5 ms) is reachable for a route only where hello's own p99 is below it.
  meta['hello_p50_ms_median'] = median(helloRuns.map((h) => h.p50_ms));
  meta['hello_p99_ms_median'] = median(helloRuns.map((h) => h.p99_ms));
  meta['load_average_at_end'] = loadavg().map((x) => Number(x.toFixed(2)));

  if (withJob) {
    // Lookups while a rescore job runs (issue 11 item 5): the first id kind's server.
    const t = targets[0]!;
    const job = await fetch(`${t.server!.url}/v1/jobs/rescore`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ input: t.input }) });
    const { id } = (await job.json()) as { id: string };
    const busy = await loadRun(`lookup, ${t.kind} ids, rescore running`, { url: t.server!.url, connections, duration, paths: lookupsOf(t) });
    const state = (await (await fetch(`${t.server!.url}/v1/jobs/${id}`)).json()) as { status: string };
    rows.push({ round: '-', ...busy, name: `${busy.name} (job ${state.status} at the end)` });
    meta['p99_during_rescore_vs_idle'] = Number((busy.p99_ms / Math.max(1, median(lookups[t.kind]!.map((r) => r.p99_ms)))).toFixed(2));
  }
  await report('http-lookups', meta, rows);
} finally {
  hello.child.kill('SIGTERM');
  for (const t of targets) t.server?.child.kill('SIGTERM');
}
