/**
 * End-to-end, the benchmark of issue 10: `segstream rescore` (the CLI, one child process per run)
 * against the issue's peer job, `lib/duckdb-job.mjs` (a verbatim copy of
 * ../shared/bench/duckdb-job.mjs: per-customer aggregates, NTILE R/F/M, Parquet out), as whole
 * processes: wall time, CPU time (user + system) and peak RSS, segstream and DuckDB alternating
 * round by round on the same files, with their ratios (segstream / DuckDB; below 1 is faster).
 *
 *   npm run bench -- --only rescore-vs-duckdb [--scale small|default|100m] [--workers N] [--rounds R]
 *                    [--shapes duckdb,segstream] [--formats parquet,csv] [--engine auto|native|js] [--no-single] [--line-items]
 *                    [--customers N]   (another number of customers over the scale's rows; its own files)
 *
 * Two data shapes, each as Parquet and CSV:
 * - `duckdb`: the peer's own data, string ids `C<n>`, skewed (duckdb-job.mjs --generate); its CSV
 *   is the same rows written by DuckDB (`COPY ... TO csv`); as_of 2025-12-31, the script's last day;
 * - `segstream`: the project's generator, integer ids (engine/generate, seed 1); as_of 2026-06-30.
 * For CSV the peer is the same script with `read_parquet(...)` replaced by `read_csv(..., header = true)`
 * (DuckDB sniffs the types, as segstream does) — the only change to its SQL.
 * Each case also runs segstream on one worker (unless `--no-single`, for the long 100m runs), so the
 * table shows the aggregation's 1 → N worker speed-up (`timings_ms.read_aggregate`, read +
 * aggregate + merge + finalize) beside the whole job's, and the operator's own (`operator_speedup`:
 * the pool's `pool_read_aggregate` + `pool_merge_finalize`, without the main thread's serial parts).
 * The same rounds run the peer on one thread too: its whole job, and its aggregation alone (the
 * `tx` + `agg` steps into a table, timed inside the process) on 1 and N threads, so its own 1 → N
 * scaling on this machine (`duckdb_aggregation_speedup`, `duckdb_whole_job_speedup`) stands beside ours.
 * Rounds: 3 by default (medians), 1 at the 100m scale.
 *
 * Scales: small = 100k customers / 1M rows (quick; CI does not run benchmarks), default = 1M / 10M,
 * 100m = 10M / 100M (by hand: many minutes and ~10 GB of disk per format). Inputs are generated once
 * under the OS temp folder and reused. Writes bench/results/rescore-vs-duckdb-<scale>.json.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { DEFAULT_END_DATE, generate } from '../../engine/generate/index.js';
import { benchArgs } from './lib/bench-args.js';
import { runLineItems } from './lib/line-items-case.js';
import { measuresResources, type TimedRun, timedProcess } from './lib/timed-process.js';

const root = new URL('../..', import.meta.url).pathname;
const opts = benchArgs(import.meta.url, {
  scale: { type: 'string', default: 'default' },
  workers: { type: 'string' },
  rounds: { type: 'string' },
  engine: { type: 'string', default: 'auto' },
  shapes: { type: 'string', default: 'duckdb,segstream' },
  formats: { type: 'string', default: 'parquet,csv' },
  'no-single': { type: 'boolean' },
  'line-items': { type: 'boolean' },
  customers: { type: 'string' },
});

const SCALES: Record<string, [customers: number, rows: number]> = { small: [100_000, 1_000_000], default: [1_000_000, 10_000_000], '100m': [10_000_000, 100_000_000] };
const scale = opts.scale === '10m' ? '100m' : opts.scale;
if (!(scale in SCALES)) throw new Error(`--scale must be one of ${Object.keys(SCALES).join(', ')}`);
const [scaleCustomers, transactions] = SCALES[scale]!;
// Another cardinality over the same rows (its own generated files): how the aggregation's scaling
// depends on the number of customers each worker's share holds.
const customers = opts.customers !== undefined ? Number(opts.customers) : scaleCustomers;
if (!Number.isInteger(customers) || customers < 1) throw new Error('--customers must be a positive whole number');
const workers = Number(opts.workers ?? Math.min(2, availableParallelism()));
// Three rounds (medians) by default below 100M rows: one round on a shared machine swung the ratios by half.
const rounds = Number(opts.rounds ?? (scale === '100m' ? 1 : 3));
const engine = opts.engine;
const shapes = opts.shapes.split(',') as Shape[];
const formats = opts.formats.split(',') as Format[];

type Shape = 'duckdb' | 'segstream';
type Format = 'parquet' | 'csv';
const AS_OF: Record<Shape, string> = { duckdb: '2025-12-31', segstream: DEFAULT_END_DATE };

// The peer: the copy in the repository, checked against the original where that is present.
const PEER = join(root, 'bench/e2e/lib/duckdb-job.mjs');
const ORIGINAL = join(root, '../shared/bench/duckdb-job.mjs');
const peerSource = readFileSync(PEER, 'utf8');
const peerBody = peerSource.split('\n').filter((line) => !line.startsWith('// segstream:')).join('\n');
if (existsSync(ORIGINAL) && readFileSync(ORIGINAL, 'utf8') !== peerBody) {
  process.stdout.write(`WARNING: bench/e2e/lib/duckdb-job.mjs differs from ${ORIGINAL}: copy the original over it (keeping the three // segstream: lines)\n`);
}
// The script's own template placeholder for its input path, as text.
const INP = '$' + '{inp}';
const PARQUET_SOURCE = `read_parquet('${INP}')`;
if (peerBody.split(PARQUET_SOURCE).length !== 2) throw new Error(`the peer job no longer reads ${PARQUET_SOURCE} exactly once: update the CSV variant`);
const dataDir = join(tmpdir(), `segstream-bench-${customers}-${transactions}`);
mkdirSync(dataDir, { recursive: true });
const PEER_CSV = join(dataDir, 'duckdb-job-csv.mjs');
writeFileSync(PEER_CSV, peerBody.replace(PARQUET_SOURCE, `read_csv('${INP}', header = true)`));

/**
 * The peer's aggregation alone (its `tx` and `agg` steps into an in-memory table, no NTILE and no
 * write), timed inside the process as the script prints it: the counterpart of segstream's
 * `read_aggregate`, so the two engines' own 1 → N thread scaling stand side by side.
 */
function peerAggregateOnly(body: string): string {
  const cuts: Array<[RegExp, string]> = [
    [/await con\.run\(`COPY \(\n/, 'await con.run(`CREATE TABLE agg_only AS (\n'],
    [/\n {2}SELECT \*, DATE[\s\S]*?FROM agg\) TO '\$\{out\}' \(FORMAT parquet\)`\);/, '\n  SELECT * FROM agg)`);'],
  ];
  return cuts.reduce((text, [pattern, replacement]) => {
    if ((text.match(new RegExp(pattern.source, 'g')) ?? []).length !== 1) throw new Error(`the peer job changed shape (${pattern.source}): update its aggregation-only variant`);
    return text.replace(pattern, replacement);
  }, body);
}
const PEER_AGG: Record<'parquet' | 'csv', string> = { parquet: join(dataDir, 'duckdb-aggregate.mjs'), csv: join(dataDir, 'duckdb-aggregate-csv.mjs') };
writeFileSync(PEER_AGG.parquet, peerAggregateOnly(peerBody));
writeFileSync(PEER_AGG.csv, peerAggregateOnly(peerBody.replace(PARQUET_SOURCE, `read_csv('${INP}', header = true)`)));

/** The input file of a case, generated on first use. */
async function input(shape: Shape, format: Format): Promise<string> {
  const file = join(dataDir, `${shape === 'duckdb' ? 'duckdb' : 'base'}.${format}`);
  if (existsSync(file)) return file;
  const t0 = performance.now();
  if (shape === 'segstream') await generate({ customers, transactions, format, seed: 1, out: file });
  else if (format === 'parquet') timedProcess(process.execPath, [PEER, '--generate', file, String(customers), String(transactions)], root);
  else {
    const db = await DuckDBInstance.create(':memory:', { threads: String(workers) });
    const conn = await db.connect();
    await conn.run(`COPY (SELECT * FROM read_parquet('${await input('duckdb', 'parquet')}')) TO '${file}' (HEADER, DELIMITER ',')`);
    conn.closeSync();
  }
  process.stdout.write(`generated ${file} (${Math.round(statSync(file).size / 2 ** 20)} MiB) in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  return file;
}

/** One measured run. */
interface Run {
  shape: Shape;
  format: Format;
  /** `duckdb-aggregate`: the peer's aggregation alone, wall_s its query time (see peerAggregateOnly). */
  side: 'segstream' | 'duckdb' | 'duckdb-aggregate';
  workers: number;
  round: number;
  wall_s: number;
  cpu_s: number | null;
  peak_rss_mib: number | null;
  /** segstream's own per-stage times (its `--json` summary). */
  timings_ms?: Record<string, number>;
}

function segstreamRun(file: string, shape: Shape, w: number): { run: TimedRun; timings: Record<string, number>; rss: number } {
  const data = mkdtempSync(join(tmpdir(), 'segstream-bench-data-'));
  try {
    const run = timedProcess(process.execPath, ['dist/cli/segstream.js', 'rescore', '--input', file, '--data', data, '--as-of', AS_OF[shape], '--workers', String(w), '--engine', engine, '--json'], root);
    const summary = JSON.parse(run.stdout) as { timings_ms: Record<string, number>; peak_rss_bytes: number };
    return { run, timings: summary.timings_ms, rss: run.peak_rss_bytes ?? summary.peak_rss_bytes };
  } finally {
    rmSync(data, { recursive: true, force: true });
  }
}

function duckdbRun(file: string, shape: Shape, format: Format, threads = workers, aggregateOnly = false): TimedRun {
  const out = join(tmpdir(), `segstream-bench-duckdb-${process.pid}.parquet`);
  const script = aggregateOnly ? PEER_AGG[format] : format === 'csv' ? PEER_CSV : PEER;
  try {
    return timedProcess(process.execPath, [script, file, out, AS_OF[shape], String(threads)], root, { ...process.env, DUCK_HOME: root });
  } finally {
    rmSync(out, { force: true });
  }
}

const runs: Run[] = [];
const mib = (bytes: number | null): number | null => (bytes === null ? null : bytes / 2 ** 20);
for (const shape of shapes) {
  for (const format of formats) {
    const file = await input(shape, format);
    for (let round = 0; round < rounds; round++) {
      // Alternating, and each round in the opposite order, so a drifting machine load falls on both sides.
      const steps: Array<() => void> = [
        () => {
          const s = segstreamRun(file, shape, workers);
          runs.push({ shape, format, side: 'segstream', workers, round, wall_s: s.run.wall_s, cpu_s: s.run.cpu_s, peak_rss_mib: mib(s.rss), timings_ms: s.timings });
        },
        () => {
          const d = duckdbRun(file, shape, format);
          runs.push({ shape, format, side: 'duckdb', workers, round, wall_s: d.wall_s, cpu_s: d.cpu_s, peak_rss_mib: mib(d.peak_rss_bytes) });
        },
      ];
      if (workers > 1 && !opts['no-single']) {
        steps.push(() => {
          const s = segstreamRun(file, shape, 1);
          runs.push({ shape, format, side: 'segstream', workers: 1, round, wall_s: s.run.wall_s, cpu_s: s.run.cpu_s, peak_rss_mib: mib(s.rss), timings_ms: s.timings });
        });
        // The peer's own scaling on the same file: its whole job on one thread, its aggregation alone on both.
        steps.push(() => {
          const d = duckdbRun(file, shape, format, 1);
          runs.push({ shape, format, side: 'duckdb', workers: 1, round, wall_s: d.wall_s, cpu_s: d.cpu_s, peak_rss_mib: mib(d.peak_rss_bytes) });
        });
        for (const threads of [workers, 1]) {
          steps.push(() => {
            const d = duckdbRun(file, shape, format, threads, true);
            const queryMs = (JSON.parse(d.stdout) as { ms: number }).ms;
            runs.push({ shape, format, side: 'duckdb-aggregate', workers: threads, round, wall_s: queryMs / 1000, cpu_s: d.cpu_s, peak_rss_mib: mib(d.peak_rss_bytes) });
          });
        }
      }
      for (const step of round % 2 === 0 ? steps : steps.reverse()) {
        step();
        const r = runs.at(-1)!;
        process.stdout.write(`  ${r.shape} ${r.format} ${r.side} workers=${r.workers} round ${r.round}: ${r.wall_s.toFixed(2)} s wall, ${r.cpu_s?.toFixed(2) ?? '?'} s cpu, ${r.peak_rss_mib?.toFixed(0) ?? '?'} MiB\n`);
      }
    }
  }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const r2 = (x: number | null): number | null => (x === null || Number.isNaN(x) ? null : Math.round(x * 100) / 100);
const pick = (xs: Run[], key: 'wall_s' | 'cpu_s' | 'peak_rss_mib'): number | null => {
  const values = xs.map((r) => r[key]).filter((v): v is number => v !== null);
  return values.length > 0 ? median(values) : null;
};
const cases = shapes.flatMap((shape) => formats.map((format) => {
  const of = (side: Run['side'], w: number) => runs.filter((r) => r.shape === shape && r.format === format && r.side === side && r.workers === w);
  const seg = of('segstream', workers);
  const duck = of('duckdb', workers);
  const one = of('segstream', 1);
  const ratio = (key: 'wall_s' | 'cpu_s' | 'peak_rss_mib') => {
    const a = pick(seg, key);
    const b = pick(duck, key);
    return a === null || b === null ? null : a / b;
  };
  const aggregate = (xs: Run[]) => median(xs.map((r) => r.timings_ms?.read_aggregate ?? Number.NaN)) / 1000;
  // The operator's own scaling: the pool's read + aggregate and merge stages, without what runs on
  // the main thread whatever the workers (the head sniff and plan, the gather of the base).
  const operator = (xs: Run[]) => median(xs.map((r) => (r.timings_ms?.pool_read_aggregate ?? Number.NaN) + (r.timings_ms?.pool_merge_finalize ?? Number.NaN))) / 1000;
  const stages = Object.fromEntries(Object.keys(seg[0]?.timings_ms ?? {}).map((k) => [k, median(seg.map((r) => r.timings_ms?.[k] ?? Number.NaN))]));
  return {
    shape, format, workers,
    segstream_wall_s: r2(pick(seg, 'wall_s')), duckdb_wall_s: r2(pick(duck, 'wall_s')), wall_ratio: r2(ratio('wall_s')),
    segstream_cpu_s: r2(pick(seg, 'cpu_s')), duckdb_cpu_s: r2(pick(duck, 'cpu_s')), cpu_ratio: r2(ratio('cpu_s')),
    segstream_rss_mib: r2(pick(seg, 'peak_rss_mib')), duckdb_rss_mib: r2(pick(duck, 'peak_rss_mib')), rss_ratio: r2(ratio('peak_rss_mib')),
    aggregation_speedup: one.length > 0 ? r2(aggregate(one) / aggregate(seg)) : null,
    operator_speedup: one.length > 0 ? r2(operator(one) / operator(seg)) : null,
    whole_job_speedup: one.length > 0 ? r2(pick(one, 'wall_s')! / pick(seg, 'wall_s')!) : null,
    duckdb_aggregation_speedup: one.length > 0 ? r2(pick(of('duckdb-aggregate', 1), 'wall_s')! / pick(of('duckdb-aggregate', workers), 'wall_s')!) : null,
    duckdb_whole_job_speedup: one.length > 0 ? r2(pick(of('duckdb', 1), 'wall_s')! / pick(duck, 'wall_s')!) : null,
    segstream_stages_ms: stages,
  };
}));

const lineItems = opts['line-items'] ? await runLineItems({ root, dataDir, customers, transactions, workers, engine }) : [];

process.stdout.write(`\nsegstream rescore vs DuckDB (issue 10's peer job), ${customers.toLocaleString('en-US')} customers / ${transactions.toLocaleString('en-US')} rows, `
  + `${availableParallelism()} cores, ${workers} workers / threads, ${rounds} round(s), medians; ratios are segstream / DuckDB${measuresResources ? '' : ' (no /usr/bin/time: CPU and DuckDB RSS not measured; apt-get install time)'}\n`);
console.table(cases.map(({ segstream_stages_ms: _, ...c }) => c));
process.stdout.write('segstream stages (median ms, timings_ms)\n');
console.table(cases.map((c) => ({ shape: c.shape, format: c.format, ...c.segstream_stages_ms })));
if (lineItems.length > 0) {
  process.stdout.write('\nline items (order ids, amount = quantity * price), the same number of rows\n');
  console.table(lineItems.map((r) => ({ ...r, wall_s: r2(r.wall_s), cpu_s: r2(r.cpu_s), peak_rss_mib: r2(r.peak_rss_mib), rows_per_s: Math.round(r.rows_per_s) })));
}
mkdirSync(join(root, 'bench/results'), { recursive: true });
const outFile = join(root, 'bench/results', `rescore-vs-duckdb-${scale}${opts.customers !== undefined ? `-${customers}-customers` : ''}.json`);
writeFileSync(outFile, JSON.stringify({ date: new Date().toISOString(), customers, transactions, cores: availableParallelism(), workers, rounds, engine, node: process.version, cases, runs, line_items: lineItems }, null, 2));
process.stdout.write(`wrote ${outFile}\n`);
