/**
 * End-to-end: `segstream rescore` (the CLI, a child process per run) against the same job in
 * DuckDB, on one generated base written as Parquet, Arrow IPC and CSV; then the aggregation phase
 * alone on 1 vs N workers. Prints tables and writes bench/results/rescore-vs-duckdb-<scale>.json.
 *
 *   npm run bench -- --only rescore-vs-duckdb [--scale small|default|10m] [--workers N]
 *
 * Scales: small = 100k customers / 1M rows, default = 1M / 10M, 10m = 10M / 100M. Generated files
 * are kept under the OS temp folder and reused by later runs of the same scale.
 * Then a line-item case: the same number of rows as invoice lines (`order_id`, `quantity`,
 * `price`, no amount; lib/line-items.ts), rescored with `--map amount=quantity*price,order_id=order_id`
 * so orders are distinct invoices, against DuckDB's count(DISTINCT order_id). `--plain-only` skips it.
 * The DuckDB job runs in a child too (this file with `--duckdb-job`) so both sides pay a process
 * start and are measured the same way (wall clock, peak RSS from /usr/bin/time when present).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from '../../engine/generate/index.js';
import { aggregateParallel } from '../../engine/pool/parallel-aggregate.js';
import { activeKernels } from '../../engine/kernels/load-kernels.js';
import { listInputs } from '../../engine/read/open-input.js';
import { DEFAULT_COLUMN_MAP } from '../../engine/read/raw-batch.js';
import { DuckDBInstance } from '@duckdb/node-api';
import { writeLineItems } from './lib/line-items.js';

const root = new URL('../..', import.meta.url).pathname;
const args = process.argv.slice(2);
const arg = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};

const AS_OF = '2026-06-30';
const SCALES: Record<string, [number, number]> = { small: [100_000, 1_000_000], default: [1_000_000, 10_000_000], '10m': [10_000_000, 100_000_000] };
const FORMATS = ['parquet', 'arrow', 'csv'] as const;
type Format = (typeof FORMATS)[number];

interface Row {
  job: string;
  format: Format;
  engine: string;
  workers: number;
  wall_s: number;
  rows_per_s: number;
  /** User + system CPU seconds of the child (when /usr/bin/time is there): robust to a busy machine. */
  cpu_s: number | null;
  peak_rss_mib: number;
  vs_duckdb?: number | string;
}

/**
 * The same job in DuckDB: per-customer aggregates of DESIGN "Definitions" with GROUP BY and
 * FILTER, then R/F/M with NTILE(5) over the purchasing customers, written to Parquet.
 */
async function duckdbJob(file: string, format: Format, threads: number, out: string, asOf: string, lineItems = false): Promise<number> {
  const asOfMs = Date.parse(`${asOf}T23:59:59.999Z`);
  const asOfDay = Math.floor(asOfMs / 86_400_000);
  const columns = lineItems
    ? `{'customer_id': 'BIGINT', 'ts': 'TIMESTAMPTZ', 'order_id': 'VARCHAR', 'quantity': 'BIGINT', 'price': 'DOUBLE'}`
    : `{'customer_id': 'BIGINT', 'ts': 'TIMESTAMPTZ', 'amount': 'DOUBLE', 'margin': 'DOUBLE'}`;
  const source = format === 'parquet' ? `read_parquet('${file}')` : `read_csv('${file}', header = true, columns = ${columns})`;
  // Line items: amount = quantity * price, orders and returns are distinct invoices.
  const amount = lineItems ? 'quantity * price AS amount, order_id, NULL::DOUBLE AS margin' : 'amount, margin';
  const count = (filter: string) => (lineItems ? `count(DISTINCT order_id) FILTER (WHERE ${filter})` : `count(*) FILTER (WHERE ${filter})`);
  const db = await DuckDBInstance.create(':memory:', { threads: String(threads) });
  const conn = await db.connect();
  await conn.run(`
    COPY (
      WITH rows AS (
        SELECT customer_id, epoch_ms(ts) AS ms, epoch_ms(ts) // 86400000 AS day, ${amount}
        FROM ${source} WHERE epoch_ms(ts) <= ${asOfMs}
      ), agg AS (
        SELECT customer_id,
          ${count('amount >= 0')} AS orders,
          count(DISTINCT day) FILTER (WHERE amount >= 0) AS purchase_days,
          min(ms) FILTER (WHERE amount >= 0) AS first_purchase_at,
          max(ms) FILTER (WHERE amount >= 0) AS last_purchase_at,
          sum(amount) AS revenue,
          ${count('amount < 0')} AS returns,
          coalesce(-sum(amount) FILTER (WHERE amount < 0), 0) AS returned_amount,
          sum(margin) AS margin,
          coalesce(sum(amount) FILTER (WHERE day > ${asOfDay - 90}), 0) AS revenue_90d,
          coalesce(sum(amount) FILTER (WHERE day > ${asOfDay - 365}), 0) AS revenue_365d
        FROM rows GROUP BY customer_id
      ), base AS (
        SELECT *, ${asOfDay} - last_purchase_at // 86400000 AS recency_days,
          ${asOfDay} - first_purchase_at // 86400000 AS tenure_days FROM agg
      )
      SELECT *,
        CASE WHEN orders >= 1 THEN ntile(5) OVER (PARTITION BY orders >= 1 ORDER BY -recency_days) ELSE 0 END AS r_score,
        CASE WHEN orders >= 1 THEN ntile(5) OVER (PARTITION BY orders >= 1 ORDER BY orders) ELSE 0 END AS f_score,
        CASE WHEN orders >= 1 THEN ntile(5) OVER (PARTITION BY orders >= 1 ORDER BY revenue) ELSE 0 END AS m_score
      FROM base
    ) TO '${out}' (FORMAT parquet)`);
  const written = await conn.runAndReadAll(`SELECT count(*)::INTEGER AS n FROM read_parquet('${out}')`);
  const n = Number(written.getRows()[0]?.[0] ?? 0);
  conn.closeSync();
  return n;
}

if (args[0] === '--duckdb-job') {
  // Child mode: args = --duckdb-job FILE FORMAT THREADS OUT [line-items]
  const [, file, format, threads, out, kind] = args as [string, string, string, string, string, string | undefined];
  const t0 = performance.now();
  const customers = await duckdbJob(file, format as Format, Number(threads), out, AS_OF, kind === 'line-items');
  process.stdout.write(JSON.stringify({ wall_ms: performance.now() - t0, customers, peak_rss_bytes: process.resourceUsage().maxRSS * 1024 }));
  process.exit(0);
}

const scale = arg('--scale') ?? 'default';
const [customers, transactions] = SCALES[scale] ?? SCALES['default']!;
const allWorkers = Number(arg('--workers') ?? availableParallelism());
const dataDir = join(tmpdir(), `segstream-bench-${customers}-${transactions}`);
mkdirSync(dataDir, { recursive: true });
const files: Record<Format, string> = { parquet: join(dataDir, 'base.parquet'), arrow: join(dataDir, 'base.arrow'), csv: join(dataDir, 'base.csv') };
for (const format of FORMATS) {
  if (existsSync(files[format])) continue;
  const t0 = performance.now();
  await generate({ customers, transactions, format, seed: 1, out: files[format] });
  process.stdout.write(`generated ${files[format]} (${mib(statSync(files[format]).size)} MiB) in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
}

const timeBin = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

/** Runs a command, returns its stdout, wall seconds and peak RSS in bytes (from /usr/bin/time, else `reported`). */
function timed(cmd: string, cmdArgs: string[]): { stdout: string; wall_s: number; rss: number | null; cpu: number | null } {
  const rssFile = join(tmpdir(), `segstream-bench-rss-${process.pid}`);
  const [bin, all] = timeBin ? [timeBin, ['-f', '%M %U %S', '-o', rssFile, cmd, ...cmdArgs]] : [cmd, cmdArgs];
  const t0 = performance.now();
  const run = spawnSync(bin, all, { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 });
  const wall_s = (performance.now() - t0) / 1000;
  if (run.status !== 0) throw new Error(`${cmd} ${cmdArgs.join(' ')} failed: ${run.stderr}`);
  const measured = timeBin ? readFileSync(rssFile, 'utf8').trim().split('\n').pop()!.split(' ').map(Number) : null;
  return { stdout: run.stdout, wall_s, rss: measured ? measured[0]! * 1024 : null, cpu: measured ? measured[1]! + measured[2]! : null };
}

// `--engines js` skips the addon (e.g. while it is being rebuilt); default: js, and native when it loads.
const engines = (arg('--engines') ?? `js${activeKernels() === 'native' ? ',native' : ''}`).split(',');
const workerCounts = [...new Set([1, allWorkers])];
const rows: Row[] = [];
for (const format of FORMATS) {
  for (const engine of engines) {
    for (const workers of [0, ...workerCounts]) {
      const data = mkdtempSync(join(tmpdir(), 'segstream-bench-data-'));
      try {
        const r = timed(process.execPath, ['dist/cli/segstream.js', 'rescore', '--input', files[format], '--data', data, '--as-of', AS_OF, '--workers', String(workers), '--engine', engine, '--json']);
        const summary = JSON.parse(r.stdout) as { rows: { read: number }; peak_rss_bytes: number; timings_ms: Record<string, number> };
        rows.push({ job: 'segstream rescore', format, engine, workers, wall_s: r.wall_s, rows_per_s: summary.rows.read / r.wall_s, cpu_s: r.cpu, peak_rss_mib: mib(r.rss ?? summary.peak_rss_bytes) });
        progress(rows.at(-1)!);
      } catch (err) {
        process.stdout.write(`  segstream ${format} ${engine} workers=${workers}: failed: ${String(err).split('\n')[0]}\n`);
      } finally {
        rmSync(data, { recursive: true, force: true });
      }
    }
  }
  if (format === 'arrow') continue; // DuckDB reads Arrow IPC files only through an extension it cannot download here
  for (const threads of workerCounts) {
    const out = join(tmpdir(), `segstream-bench-duckdb-${process.pid}.parquet`);
    const r = timed(process.execPath, ['--import', 'tsx', 'bench/e2e/rescore-vs-duckdb.ts', '--duckdb-job', files[format], format, String(threads), out]);
    const child = JSON.parse(r.stdout) as { peak_rss_bytes: number };
    rmSync(out, { force: true });
    rows.push({ job: 'duckdb GROUP BY + NTILE', format, engine: 'duckdb', workers: threads, wall_s: r.wall_s, rows_per_s: transactions / r.wall_s, cpu_s: r.cpu, peak_rss_mib: mib(r.rss ?? child.peak_rss_bytes) });
    progress(rows.at(-1)!);
  }
}
for (const row of rows) {
  if (row.engine === 'duckdb') continue;
  const peer = rows.find((d) => d.engine === 'duckdb' && d.format === row.format && d.workers === Math.max(1, row.workers));
  row.vs_duckdb = peer ? round(row.wall_s / peer.wall_s, 2) : 'n/a';
}

// Line items: as many rows as the plain case, as invoice lines (about 3.5 a invoice).
const lineRows: Row[] = [];
const linesRead = new Map<Format, number>();
if (!args.includes('--plain-only')) {
  const lineFiles = { csv: join(dataDir, 'lines.csv'), parquet: join(dataDir, 'lines.parquet') } as const;
  if (!existsSync(lineFiles.csv) || !existsSync(lineFiles.parquet)) {
    const t0 = performance.now();
    const lines = await writeLineItems({ customers, orders: Math.round(transactions / 3.5), seed: 1, ...lineFiles });
    process.stdout.write(`generated ${lines.toLocaleString('en-US')} invoice lines as ${lineFiles.csv} and .parquet in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  }
  for (const format of ['parquet', 'csv'] as const) {
    for (const engine of engines) {
      for (const workers of [0, allWorkers]) {
        const data = mkdtempSync(join(tmpdir(), 'segstream-bench-data-'));
        try {
          const r = timed(process.execPath, ['dist/cli/segstream.js', 'rescore', '--input', lineFiles[format], '--data', data, '--as-of', AS_OF, '--workers', String(workers), '--engine', engine,
            '--map', 'amount=quantity*price,order_id=order_id', '--json']);
          const summary = JSON.parse(r.stdout) as { rows: { read: number }; peak_rss_bytes: number };
          linesRead.set(format, summary.rows.read);
          lineRows.push({ job: 'segstream rescore (line items)', format, engine, workers, wall_s: r.wall_s, rows_per_s: summary.rows.read / r.wall_s, cpu_s: r.cpu, peak_rss_mib: mib(r.rss ?? summary.peak_rss_bytes) });
          progress(lineRows.at(-1)!);
        } catch (err) {
          process.stdout.write(`  segstream line items ${format} ${engine} workers=${workers}: failed: ${String(err).split('\n')[0]}\n`);
        } finally {
          rmSync(data, { recursive: true, force: true });
        }
      }
    }
    const out = join(tmpdir(), `segstream-bench-duckdb-${process.pid}.parquet`);
    const r = timed(process.execPath, ['--import', 'tsx', 'bench/e2e/rescore-vs-duckdb.ts', '--duckdb-job', lineFiles[format], format, String(allWorkers), out, 'line-items']);
    rmSync(out, { force: true });
    const child = JSON.parse(r.stdout) as { peak_rss_bytes: number };
    lineRows.push({ job: 'duckdb count(DISTINCT order_id)', format, engine: 'duckdb', workers: allWorkers, wall_s: r.wall_s, rows_per_s: (linesRead.get(format) ?? 0) / r.wall_s, cpu_s: r.cpu, peak_rss_mib: mib(r.rss ?? child.peak_rss_bytes) });
    progress(lineRows.at(-1)!);
  }
}

// The aggregation phase alone (read → parse → aggregate → merge → finalize), in this process.
const phase: Array<{ format: Format; workers: number; seconds: number; cpu_s: number; speedup: number }> = [];
for (const format of ['parquet', 'csv'] as const) {
  const inputs = await listInputs(files[format]);
  const read = { columns: DEFAULT_COLUMN_MAP, batchSize: 65_536 };
  let base = 0;
  for (const workers of workerCounts.length > 1 ? workerCounts : [1, 2]) {
    const t0 = performance.now();
    const cpu0 = process.cpuUsage(); // worker threads count: they are threads of this process
    await aggregateParallel(inputs, read, { workers, windowDays: [365] });
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    if (workers === 1) base = seconds;
    phase.push({ format, workers, seconds: round(seconds, 2), cpu_s: round((cpu.user + cpu.system) / 1e6, 2), speedup: round(base / seconds, 2) });
  }
}

process.stdout.write(`\nsegstream rescore vs DuckDB, ${customers.toLocaleString('en-US')} customers / ${transactions.toLocaleString('en-US')} rows, ${availableParallelism()} cores (workers 0 = all on the main thread)\n`);
console.table(rows.map((r) => ({ ...r, wall_s: round(r.wall_s, 2), cpu_s: r.cpu_s === null ? null : round(r.cpu_s, 2), rows_per_s: Math.round(r.rows_per_s).toLocaleString('en-US'), peak_rss_mib: Math.round(r.peak_rss_mib) })));
if (lineRows.length > 0) {
  process.stdout.write('\nline items (order ids, amount = quantity * price), the same number of rows\n');
  console.table(lineRows.map((r) => ({ ...r, wall_s: round(r.wall_s, 2), cpu_s: r.cpu_s === null ? null : round(r.cpu_s, 2), rows_per_s: Math.round(r.rows_per_s).toLocaleString('en-US'), peak_rss_mib: Math.round(r.peak_rss_mib) })));
}
process.stdout.write('\naggregation phase alone (aggregateParallel)\n');
console.table(phase);
mkdirSync(join(root, 'bench/results'), { recursive: true });
const outFile = join(root, 'bench/results', `rescore-vs-duckdb-${scale}.json`);
writeFileSync(outFile, JSON.stringify({ date: new Date().toISOString(), customers, transactions, cores: availableParallelism(), node: process.version, rows, line_items: lineRows, phase }, null, 2));
process.stdout.write(`wrote ${outFile}\n`);

function progress(r: Row): void {
  process.stdout.write(`  ${r.job} ${r.format} ${r.engine} workers=${r.workers}: ${r.wall_s.toFixed(2)} s wall, ${r.cpu_s ?? '?'} s cpu, ${Math.round(r.peak_rss_mib)} MiB\n`);
}
function mib(bytes: number): number {
  return bytes / (1 << 20);
}
function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
