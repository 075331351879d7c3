/**
 * Issue 13's rescore benchmark: a rescore of the generator's Parquet (default 10M rows, 1M
 * customers; `--scale small`: 1M / 100k) on three local nodes of a loopback JetStream cluster
 * against one node, with the plain single-machine rescore (`--workers 1`, no NATS) beside them
 * for the cluster's overhead. Rounds alternate the three (each round in the opposite order).
 *
 *   single   segstream rescore --workers 1                                    (one process)
 *   1 node   segstream rescore --cluster … --node a                           (coordinator takes every task)
 *   3 nodes  the same, plus two `segstream rescore-node` processes            (tasks spread over three)
 *
 * Wall and CPU of the coordinator come from GNU time; the nodes' and the three nats-servers' CPU
 * from /proc (the servers' as the difference over the run).
 * From the 1-node run it derives the rates docs/cluster.md's paper calculation uses: rows/s of
 * the sink (read + aggregate), customers/s of combine + finalize, bytes of partial packs per
 * customer and of finalized parts per customer. On this 2-core machine, shared with other work,
 * three nodes cannot be faster than one: the point is correctness and overhead.
 *
 *   npm run bench -- --only cluster-rescore [--scale small] [--rounds 2]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from '../../engine/generate/index.js';
import { benchArgs } from './lib/bench-args.js';
import { timedProcess } from './lib/timed-process.js';

const opts = benchArgs(import.meta.url, { scale: { type: 'string', default: 'default' }, rounds: { type: 'string', default: '1' } });
const scale = opts.scale;
const rounds = Number(opts.rounds);
const [customers, transactions] = scale === 'small' ? [100_000, 1_000_000] : [1_000_000, 10_000_000];
const root = new URL('../..', import.meta.url).pathname;
const cli = join(root, 'dist/cli/segstream.js');
const work = join(tmpdir(), `segstream-bench-cluster-${transactions}`);
mkdirSync(work, { recursive: true });
const input = join(work, 'tx.parquet');
if (!existsSync(input)) {
  process.stdout.write(`generating ${transactions.toLocaleString('en-US')} rows …\n`);
  await generate({ customers, transactions, format: 'parquet', seed: 13, out: input });
}

const script = '../../scripts/nats-cluster.mjs';
const { startNatsCluster } = (await import(script)) as { startNatsCluster: (o: { dir: string; port: number }) => Promise<{ servers: string[]; version: string; syncAlways: boolean; stop(): Promise<void> }> };
const nats = await startNatsCluster({ dir: join(work, 'nats'), port: 17322 });
const natsPids = JSON.parse(readFileSync(join(work, 'nats', 'pids.json'), 'utf8')) as number[];
const natsCpu = (): number => natsPids.reduce((s, pid) => s + cpuOf(pid), 0);
const urls = nats.servers.join(',');

interface Summary {
  timings_ms: Record<string, number>;
  customers: number;
  rows: { read: number };
  cluster?: { tasks: number; nodes: Record<string, number>; pack_bytes: number; part_bytes: number; snapshot_bytes: number };
}

function cpuOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function startNodes(ids: string[]): Promise<ChildProcess[]> {
  const out: ChildProcess[] = [];
  for (const id of ids) {
    const log = openSync(join(work, `${id}.log`), 'w');
    const child = spawn(process.execPath, [cli, 'rescore-node', '--cluster', urls, '--node', id], { stdio: ['ignore', log, log] });
    out.push(child);
  }
  // Connected and pulling once each has written its first line.
  for (const id of ids) {
    while (!readFileSync(join(work, `${id}.log`), 'utf8').includes('taking')) await new Promise((r) => setTimeout(r, 100));
  }
  return out;
}

async function stopNodes(nodes: ChildProcess[]): Promise<number> {
  let cpu = 0;
  for (const n of nodes) {
    cpu += cpuOf(n.pid!);
    n.kill('SIGTERM');
    await new Promise((r) => n.once('exit', r));
  }
  return cpu;
}

type Variant = 'single' | '1 node' | '3 nodes';
const results: Array<{ variant: Variant; round: number; wall_s: number; cpu_s: number; nats_cpu_s: number; summary: Summary; load: number }> = [];

async function run(variant: Variant, round: number): Promise<void> {
  const data = join(work, `data-${variant.replace(' ', '')}`);
  rmSync(data, { recursive: true, force: true });
  const nodes = variant === '3 nodes' ? await startNodes(['b', 'c']) : [];
  const base = ['rescore', '--input', input, '--data', data, '--as-of', '2026-06-30', '--json'];
  const extra = variant === 'single' ? ['--workers', '1'] : ['--cluster', urls, '--node', 'a', '--tasks', '12'];
  const load = loadavg()[0]!;
  const natsBefore = natsCpu();
  let r: ReturnType<typeof timedProcess>;
  try {
    r = timedProcess(process.execPath, [cli, ...base, ...extra], root);
  } catch (error) {
    // A failed run must not leave its nodes taking tasks.
    await stopNodes(nodes);
    throw error;
  }
  const nodeCpu = await stopNodes(nodes);
  const natsSpent = natsCpu() - natsBefore;
  const summary = JSON.parse(r.stdout) as Summary;
  results.push({ variant, round, wall_s: r.wall_s, cpu_s: (r.cpu_s ?? 0) + nodeCpu, nats_cpu_s: natsSpent, summary, load });
  const t = summary.timings_ms;
  // The cluster's tail (stats, select, models, score tasks) runs across the nodes: cluster-tail.ts.
  const tail = summary.cluster ? `, tail: stats ${t['cluster_stats']}, select ${t['cluster_select']}, fits ${t['cluster_models']}, score+write parts ${t['cluster_score']}` : `, gather ${t['pool_combine'] ?? '-'}`;
  process.stdout.write(
    `round ${round} ${variant.padEnd(8)} wall ${r.wall_s.toFixed(1)} s, cpu (segstream processes) ${((r.cpu_s ?? 0) + nodeCpu).toFixed(1)} s + nats-servers ${natsSpent.toFixed(1)} s, load ${load.toFixed(1)}; read_aggregate ${t['read_aggregate']} ms (sink ${stage(t, 'read_aggregate')}, combine ${stage(t, 'merge_finalize')}${tail}), models ${t['models']} ms, score ${t['score']} ms, write ${t['write']} ms${summary.cluster ? `; tasks ${summary.cluster.tasks} by ${JSON.stringify(summary.cluster.nodes)}, packs ${(summary.cluster.pack_bytes / 1e6).toFixed(1)} MB, parts ${(summary.cluster.part_bytes / 1e6).toFixed(1)} MB` : ''}\n`,
  );
}

/** A stage's time: the pool's (`pool_*`) on one machine, the cluster's (`cluster_*`) across nodes. */
function stage(t: Record<string, number>, name: string): number {
  return t[`pool_${name}`] ?? t[`cluster_${name}`] ?? Number.NaN;
}

try {
  process.stdout.write(`nats ${nats.version}, sync_interval ${nats.syncAlways ? 'always' : 'default'}; ${transactions.toLocaleString('en-US')} rows, ${customers.toLocaleString('en-US')} customers\n`);
  const order: Variant[] = ['single', '1 node', '3 nodes'];
  for (let round = 1; round <= rounds; round++) for (const v of round % 2 === 1 ? order : [...order].reverse()) await run(v, round);
  const one = results.filter((r) => r.variant === '1 node');
  const rates = one.map((r) => {
    const s = r.summary;
    const c = s.cluster!;
    return {
      sink_rows_per_s: Math.round(s.rows.read / (stage(s.timings_ms, 'read_aggregate') / 1000)),
      combine_customers_per_s: Math.round(s.customers / (stage(s.timings_ms, 'merge_finalize') / 1000)),
      tail_customers_per_s: Math.round(s.customers / (((s.timings_ms['cluster_stats'] ?? 0) + (s.timings_ms['cluster_select'] ?? 0) + (s.timings_ms['cluster_models'] ?? 0) + (s.timings_ms['cluster_score'] ?? Number.NaN)) / 1000)),
      snapshot_bytes_per_customer: Math.round(c.snapshot_bytes / s.customers),
      pack_bytes_per_customer: Math.round(c.pack_bytes / s.customers),
      part_bytes_per_customer: Math.round(c.part_bytes / s.customers),
      pack_bytes_per_row: Math.round((c.pack_bytes / s.rows.read) * 10) / 10,
    };
  });
  process.stdout.write(`rates of the 1-node runs: ${JSON.stringify(rates)}\n`);
  for (let round = 1; round <= rounds; round++) {
    const of = (v: Variant) => results.find((r) => r.round === round && r.variant === v)!;
    process.stdout.write(`round ${round}: wall 3 nodes / 1 node ${(of('3 nodes').wall_s / of('1 node').wall_s).toFixed(2)}, 1 node / single ${(of('1 node').wall_s / of('single').wall_s).toFixed(2)}; cpu 3 nodes / 1 node ${(of('3 nodes').cpu_s / of('1 node').cpu_s).toFixed(2)}\n`);
  }
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  writeFileSync(join(root, 'bench/results/cluster-rescore.json'), `${JSON.stringify({ scale, rows: transactions, customers, nats: nats.version, results: results.map((r) => ({ ...r, summary: { timings_ms: r.summary.timings_ms, cluster: r.summary.cluster } })), rates }, null, 2)}\n`);
} finally {
  await nats.stop();
}
