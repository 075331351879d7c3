/**
 * POST /v1/events with fsync (group commit) from several connections, as a JSON array and as an
 * Arrow stream, with integer ids and with text ids (`C0000123`), next to fastify's hello route in
 * the same run; then GET /v1/customers/:id idle and while a rescore job runs (issue 11: events
 * >= 500,000 rows/s acknowledged; p99 during a job <= 2x idle). Rounds alternate the hello route
 * and each case, so a busy moment of a shared machine hits both sides. Prints a table and writes
 * bench/results/http-events.json; asserts nothing.
 *
 * The events are sent by a light client in a process of its own (events-client.ts: raw keep-alive
 * sockets writing bodies prepared once), so the generator does not take the cores the server
 * needs; each round records the rows per second, the server's and the client's CPU seconds, the
 * server's microseconds of CPU per row and the load average, which says how shared the machine was.
 *
 * The job reads an input ten times the base's rows (--job-input, else generated once beside the
 * base), so that it runs through the whole lookup window: each round records whether it was
 * still running when the window ended, its CPU seconds in the window, and its whole duration
 * (it is awaited, not cancelled). The server runs on a copy of the base snapshot of its own, so
 * neither the events posted nor the job's snapshot reach the data of the other HTTP benches.
 * After the window, events are posted for --events-during-job seconds while the job still runs,
 * and lookups go on in windows of half the duration until the job is over (its swap re-applies
 * those events to the new snapshot) and one window after: `p99_job_end_and_swap_vs_idle_median`.
 *
 *   node --import tsx bench/e2e/http-events.ts [--customers 1000000] [--connections 8]
 *     [--duration 10] [--batch 10000] [--rounds 2] [--lookup-connections 100] [--lookup-rounds 2]
 *     [--job-input FILE] [--no-job] [--ids integer,text] [--lookup-ids integer] [--events-during-job 3]
 *
 * `--ids` lists the id kinds the events rounds post (text: the text-id base's ids, as JSON strings
 * and an Arrow Utf8 column; integer: numbers and an Int32 column); `--lookup-ids` is the base the
 * lookups run on, whose job, unless --job-input names one, reads that base's own input for text.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { makeVector, Table, tableToIPC, Utf8, vectorFromArray } from 'apache-arrow';
import type autocannon from 'autocannon';
import { generate } from '../../engine/generate/index.js';
import { benchData, cpuSecondsOf, flag, load, report, rssOf, spawnHello, spawnSegstream } from './http-harness.js';

/**
 * The rescore job's process, a child of `pid` running rescore-worker (Linux /proc), or 0. By its
 * command line: the server has other children (tsx's esbuild service when run from source).
 */
async function jobProcessOf(pid: number): Promise<number> {
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => '');
    if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) !== pid) continue;
    const cmdline = await readFile(`/proc/${name}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes('rescore-worker')) return Number(name);
  }
  return 0;
}

/** The nice value of each thread of a process (Linux /proc: field 19 of each task's stat). */
async function threadNices(pid: number): Promise<number[]> {
  const tasks = await readdir(`/proc/${pid}/task`).catch(() => [] as string[]);
  const nices: number[] = [];
  for (const t of tasks) {
    const stat = await readFile(`/proc/${pid}/task/${t}/stat`, 'utf8').catch(() => '');
    if (stat !== '') nices.push(Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]));
  }
  return nices;
}

const customers = Number(flag('customers', '1000000'));
const connections = Number(flag('connections', '8'));
const duration = Number(flag('duration', '10'));
const batch = Number(flag('batch', '10000'));
const rounds = Number(flag('rounds', '2'));
const lookupConnections = Number(flag('lookup-connections', '100'));
const lookupRounds = Number(flag('lookup-rounds', '2'));
const withJob = !process.argv.includes('--no-job');
/** Seconds of events posted while each lookup round's job runs (its swap re-applies them); 0 for none. */
const eventsDuringJob = Number(flag('events-during-job', '3'));
type IdKind = 'integer' | 'text';
const idKinds = flag('ids', 'integer,text').split(',') as IdKind[];
const lookupIds = flag('lookup-ids', 'integer') as IdKind;
/** The id of customer n as the base of `ids` holds it. */
const idOf = (n: number, ids: IdKind): number | string => (ids === 'text' ? `C${String(n).padStart(7, '0')}` : n);

/** A data directory of this bench's own with the shared one's live snapshot alone (no log, no archive, no folded marker). */
async function privateData(from: string, ids: IdKind): Promise<string> {
  const dir = join(dirname(from), '..', `segstream-bench-http-events-${customers}${ids === 'text' ? '-text' : ''}`, 'data');
  await rm(dir, { recursive: true, force: true });
  const id = (await readFile(join(from, 'CURRENT'), 'utf8')).trim();
  await mkdir(join(dir, 'snapshots', id), { recursive: true });
  for (const name of await readdir(join(from, 'snapshots', id))) {
    if (name !== 'wal.json') await copyFile(join(from, 'snapshots', id, name), join(dir, 'snapshots', id, name));
  }
  await writeFile(join(dir, 'CURRENT'), id);
  return dir;
}

/** The job's input: --job-input, or ten rows per customer generated once beside the base (a job long enough to outlast a lookup window). */
async function jobInputFile(input: string, ids: IdKind): Promise<string> {
  const given = flag('job-input', '');
  if (given !== '') return given;
  if (ids === 'text') return input;
  const file = join(dirname(input), `job-${customers * 10}.parquet`);
  if (!existsSync(file)) {
    process.stderr.write(`generating the job's input, ${(customers * 10).toLocaleString('en-US')} rows, in ${file} (once)\n`);
    await generate({ customers, transactions: customers * 10, format: 'parquet', seed: 8, out: file });
  }
  return file;
}

// Bodies of different customers in turn (a stride through the base), so the overlay meets new
// customers the whole run instead of one batch's worth again and again. Written to files once,
// for the client process to read.
const BODIES = 16;
const day = Date.parse('2026-07-01T00:00:00Z');
async function writeBodies(dir: string, ids: IdKind): Promise<Record<'json' | 'arrow', string[]>> {
  await mkdir(dir, { recursive: true });
  const out: Record<'json' | 'arrow', string[]> = { json: [], arrow: [] };
  for (let b = 0; b < BODIES; b++) {
    const rows = Array.from({ length: batch }, (_, i) => {
      const at = b * batch + i;
      return { customer_id: idOf(1 + ((at * 7919) % customers), ids), ts: day + at * 1000, amount: Math.round(1000 + (at % 97) * 37) / 100 };
    });
    const json = join(dir, `${ids}-${b}.json`);
    await writeFile(json, JSON.stringify(rows.map((r) => ({ ...r, ts: new Date(r.ts).toISOString() }))));
    const arrow = join(dir, `${ids}-${b}.arrow`);
    const idColumn = ids === 'text' ? vectorFromArray(rows.map((r) => r.customer_id as string), new Utf8()) : makeVector(Int32Array.from(rows, (r) => r.customer_id as number));
    await writeFile(arrow, tableToIPC(new Table({ customer_id: idColumn, ts: makeVector(Float64Array.from(rows, (r) => r.ts)), amount: makeVector(Float64Array.from(rows, (r) => r.amount)) }), 'stream'));
    out.json.push(json);
    out.arrow.push(arrow);
  }
  return out;
}

interface ClientResult {
  readonly requests: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly p50_ms: number;
  readonly p99_ms: number;
  readonly cpu_s: number;
}

/** Posts `files` in turn for `duration` seconds from the light client's own process (events-client.ts). */
function postFromClient(url: string, type: string, files: readonly string[], seconds = duration): Promise<ClientResult> {
  const script = join(import.meta.dirname, 'events-client.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', script, url, '/v1/events', type, String(connections), String(seconds), ...files], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  return new Promise((resolve, reject) => {
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as ClientResult) : reject(new Error(`the events client exited with ${code}`))));
  });
}

/**
 * A job's status document. Retried once: a keep-alive socket idle for the server's keep-alive
 * timeout (a lookup window long) can be closed by the server just as fetch reuses it.
 */
async function jobStatus(url: string, id: string): Promise<unknown> {
  try {
    return await (await fetch(`${url}/v1/jobs/${id}`)).json();
  } catch {
    return await (await fetch(`${url}/v1/jobs/${id}`)).json();
  }
}

async function fsyncCount(url: string): Promise<number> {
  const metrics = await (await fetch(`${url}/metrics`)).text();
  return Number(/segstream_wal_fsync_duration_seconds_count (\d+)/.exec(metrics)?.[1] ?? 0);
}

const loadAverage = async () => Number((await readFile('/proc/loadavg', 'utf8')).split(' ')[0]);

const hello = await spawnHello();
const results: object[] = [];
const meta: Record<string, unknown> = {
  customers,
  ids: idKinds,
  lookup_ids: lookupIds,
  connections,
  duration_s: duration,
  batch_rows: batch,
  rounds,
  lookup_rounds: lookupRounds,
  load_average_at_start: await loadAverage(),
};
let seg: { url: string; child: ChildProcess } | null = null;
try {
  for (const ids of idKinds) {
    const shared = await benchData(customers, { ids });
    const bodies = await writeBodies(join(dirname(shared.input), 'event-bodies'), ids);
    seg = await spawnSegstream(await privateData(shared.dataDir, ids));
    const pid = seg.child.pid!;
    const best: Record<string, number> = {};
    // A first pass over every body, recorded apart: the server meets the bodies' 160,000
    // customers for the first time (each opened from the snapshot) and compiles its hot paths.
    for (const [kind, type] of [
      ['json', 'application/json'],
      ['arrow', 'application/vnd.apache.arrow.stream'],
    ] as const) {
      const cpu0 = await cpuSecondsOf(pid);
      const w = await postFromClient(seg.url, type, bodies[kind], 3);
      results.push({ ids, round: 0, name: `warm-up, ${kind}`, requests: w.requests, rows_per_second: Math.round((w.requests * batch) / 3), server_cpu_s: Number(((await cpuSecondsOf(pid)) - cpu0).toFixed(2)) });
    }
    for (let round = 1; round <= rounds; round++) {
      for (const [kind, type] of [
        ['json', 'application/json'],
        ['arrow', 'application/vnd.apache.arrow.stream'],
      ] as const) {
        process.stderr.write(`${ids} ids, round ${round}: ${kind}\n`);
        const h = await load('fastify hello route', { url: `${hello.url}/hello`, connections: lookupConnections, duration });
        results.push({ ids, round, ...h });
        const before = await fsyncCount(seg.url);
        const cpu0 = await cpuSecondsOf(pid);
        const r = await postFromClient(seg.url, type, bodies[kind]);
        const cpu = (await cpuSecondsOf(pid)) - cpu0;
        const rows = (r.requests - r.non2xx) * batch;
        const { cpu_s: clientCpu, ...client } = r;
        results.push({
          ids,
          round,
          name: `events, ${batch} rows per request, ${kind}`,
          ...client,
          rows_per_second: Math.round(rows / duration),
          server_cpu_s: Number(cpu.toFixed(2)),
          server_us_per_row: Number(((cpu * 1e6) / Math.max(rows, 1)).toFixed(3)),
          rows_per_server_cpu_second: Math.round(rows / Math.max(cpu, 0.01)),
          client_cpu_s: clientCpu,
          load_average: await loadAverage(),
          fsyncs: (await fsyncCount(seg.url)) - before,
          ...(await rssOf(pid)),
        });
        best[kind] = Math.max(best[kind] ?? 0, Math.round(rows / duration));
      }
    }
    for (const [kind, v] of Object.entries(best)) meta[`${ids}_${kind}_rows_per_second_best`] = v;
    seg.child.kill('SIGTERM');
    await new Promise((r) => seg!.child.once('exit', r));
    seg = null;
  }

  const shared = await benchData(customers, { ids: lookupIds });
  const input = shared.input;
  const jobInput = withJob ? await jobInputFile(input, lookupIds) : input;
  meta['job_input'] = jobInput;
  // The lookups run on a fresh server, without the log of the events above: the job reads its
  // input alone, and no swap re-applies millions of logged rows.
  seg = await spawnSegstream(await privateData(shared.dataDir, lookupIds), {}, ['--input-root', dirname(input), '--input-root', dirname(jobInput)]);
  const pid = seg.child.pid!;

  // Lookups idle, then while a rescore job runs (in its own process at the lowest priority), in
  // rounds: each round an idle window, then a fresh job and a window while it runs (cancelled after).
  const ids = Array.from({ length: 1000 }, () => idOf(1 + Math.floor(Math.random() * customers), lookupIds));
  const lookups: autocannon.Request[] = ids.map((id) => ({ method: 'GET', path: `/v1/customers/${id}` }));
  await load('warm-up', { url: seg.url, connections: lookupConnections, duration: 2, requests: lookups });
  const p99Ratios: number[] = [];
  const afterRatios: number[] = [];
  const lookupBodies = await writeBodies(join(dirname(input), 'event-bodies'), lookupIds);
  for (let round = 1; round <= lookupRounds; round++) {
    const serverCpuIdle0 = await cpuSecondsOf(pid);
    const idle = await load('lookup, idle', { url: seg.url, connections: lookupConnections, duration, requests: lookups });
    results.push({ round, ...idle, server_cpu_s: Number(((await cpuSecondsOf(pid)) - serverCpuIdle0).toFixed(2)) });
    if (!withJob) continue;
    const job = await fetch(`${seg.url}/v1/jobs/rescore`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ input: jobInput }) });
    const { id } = (await job.json()) as { id: string };
    // The job's own process (a child of the server): the window starts once it has begun to work,
    // and its CPU seconds in the window say how much it ran.
    let jobPid = 0;
    for (let i = 0; i < 100 && jobPid === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      jobPid = await jobProcessOf(pid);
    }
    const started = jobPid > 0 ? await cpuSecondsOf(jobPid).catch(() => Number.NaN) : Number.NaN;
    for (let i = 0; i < 100 && jobPid > 0 && (await cpuSecondsOf(jobPid).catch(() => Number.NaN)) - started < 0.5; i++) await new Promise((r) => setTimeout(r, 100));
    const jobCpu0 = jobPid > 0 ? await cpuSecondsOf(jobPid).catch(() => Number.NaN) : Number.NaN;
    const serverCpu0 = await cpuSecondsOf(pid);
    // Midway through the window, the priority of every thread of the job's process (its pool's workers included).
    let nices: number[] = [];
    const sample = setTimeout(() => void threadNices(jobPid).then((n) => (nices = n)), (duration * 1000) / 2);
    const busy = await load('lookup, rescore job running', { url: seg.url, connections: lookupConnections, duration, requests: lookups });
    clearTimeout(sample);
    const jobCpu = jobPid > 0 ? (await cpuSecondsOf(jobPid).catch(() => Number.NaN)) - jobCpu0 : Number.NaN;
    const serverCpu = (await cpuSecondsOf(pid)) - serverCpu0;
    const after = (await jobStatus(seg.url, id)) as { status: string };
    // Events logged while the job runs: its swap re-applies them to the new snapshot (in slices,
    // live-store.ts), so the lookup windows from here to the job's end see that re-apply.
    let logged = 0;
    if (after.status === 'running' && eventsDuringJob > 0) {
      const posted = await postFromClient(seg.url, 'application/json', lookupBodies.json, eventsDuringJob);
      logged = (posted.requests - posted.non2xx) * batch;
    }
    // Awaited, not cancelled: its whole duration is part of what the round shows; lookups go on
    // in windows of half the duration until it is over, then one window after it.
    let done = after as { status: string; started_at: string; finished_at: string | null; progress: { rows: number } };
    const finishing: number[] = [];
    for (;;) {
      done = (await jobStatus(seg.url, id)) as typeof done;
      const running = done.status === 'running';
      const w = await load(running ? 'lookup, job finishing' : 'lookup, after the job', { url: seg.url, connections: lookupConnections, duration: Math.max(1, Math.round(duration / 2)), requests: lookups });
      results.push({ round, ...w });
      finishing.push(w.p99_ms);
      if (!running) break;
    }
    done = (await jobStatus(seg.url, id)) as typeof done;
    results.push({
      round,
      ...busy,
      server_cpu_s: Number(serverCpu.toFixed(2)),
      job_cpu_s_in_window: Number(jobCpu.toFixed(2)),
      job_running_after_window: after.status === 'running',
      job_threads: nices.length,
      job_threads_at_nice_19: nices.filter((x) => x === 19).length,
      job_status: done.status,
      job_rows: done.progress.rows,
      job_duration_s: done.finished_at ? Number(((Date.parse(done.finished_at) - Date.parse(done.started_at)) / 1000).toFixed(1)) : null,
      rows_logged_during_job: logged,
      p99_ms_worst_window_to_job_end: Math.max(...finishing),
    });
    if (logged > 0) afterRatios.push(Math.max(...finishing) / Math.max(1, idle.p99_ms));
    // A ratio only for a window the job covered whole.
    if (after.status === 'running') p99Ratios.push(busy.p99_ms / Math.max(1, idle.p99_ms));
  }
  if (p99Ratios.length > 0) meta['p99_during_job_vs_idle_median'] = Number(p99Ratios.sort((x, y) => x - y)[p99Ratios.length >> 1]!.toFixed(2));
  if (afterRatios.length > 0) meta['p99_job_end_and_swap_vs_idle_median'] = Number(afterRatios.sort((x, y) => x - y)[afterRatios.length >> 1]!.toFixed(2));
  await report('http-events', meta, results);
} finally {
  hello.child.kill('SIGTERM');
  seg?.child.kill('SIGTERM');
}
