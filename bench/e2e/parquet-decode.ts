/**
 * Parquet decode speed: the native reader (engine/read/parquet-native.ts) against parquet-wasm
 * (engine/read/parquet-wasm.ts, the reference), alternating round by round in one process, on a
 * 10M-row file of each shape: DuckDB-written string ids (`C123…`, skewed, as ../shared/bench's
 * duckdb-job makes it) and the project's generator (integer ids). Each round drains every batch
 * of customer_id, ts and amount (the rescore's columns) and counts the rows; DuckDB scanning the
 * same columns (2 threads) is printed beside them for scale. Wall time, CPU time (all threads of
 * the process: parquet-wasm decodes on its worker) and the ratio per round, median over rounds.
 *
 * usage: npm run bench -- --only parquet-decode [--rows 10000000] [--rounds 3] [--shape duckdb|generator|both]
 * Writes bench/results/parquet-decode.json. Never asserts times.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { DuckDBInstance } from '@duckdb/node-api';
import { nativeParquetBinding, readParquetGroups } from '../../engine/read/parquet-native.js';
import { readWasmRowGroups } from '../../engine/read/parquet-wasm.js';
import type { RawBatch, ReadOptions } from '../../engine/read/raw-batch.js';
import { benchArgs } from './lib/bench-args.js';

const opts = benchArgs(import.meta.url, {
  rows: { type: 'string', default: '10000000' },
  rounds: { type: 'string', default: '3' },
  shape: { type: 'string', default: 'both' },
});
const rows = Number(opts.rows);
const rounds = Number(opts.rounds);
const shapes = opts.shape === 'both' ? ['duckdb', 'generator'] : [opts.shape];
const root = new URL('../..', import.meta.url).pathname;
// Kept between runs (generating 10M rows takes a while); outside the repository.
const dataDir = `${tmpdir()}/segstream-bench`;
mkdirSync(dataDir, { recursive: true });

if (nativeParquetBinding() === null) {
  console.error('parquet-decode: the native Parquet reader is not built (npm run build:native)');
  process.exit(1);
}

async function makeFile(shape: string): Promise<string> {
  const path = `${dataDir}/parquet-decode-${shape}-${rows}.parquet`;
  if (existsSync(path)) return path;
  if (shape === 'duckdb') {
    const db = await DuckDBInstance.create(':memory:', { threads: '2' });
    const con = await db.connect();
    const customers = Math.max(1, Math.floor(rows / 10));
    // The same SQL as ../shared/bench/duckdb-job.mjs --generate.
    await con.run(`COPY (SELECT
        ('C' || (floor(${customers} * pow(random(), 2.5)))::BIGINT::VARCHAR) AS customer_id,
        (TIMESTAMP '2023-01-01' + to_milliseconds((i::HUGEINT * 94608000000 // ${rows})::BIGINT)) AS ts,
        round(exp(3.0 + (random() + random() + random() + random() - 2.0) * 1.7) * (CASE WHEN random() < 0.03 THEN -1 ELSE 1 END), 2) AS amount
      FROM range(${rows}) t(i)) TO '${path}' (FORMAT parquet)`);
    con.closeSync();
  } else {
    const cli = `${root}dist/cli/segstream.js`;
    const made = spawnSync(process.execPath, [cli, 'generate', '--customers', String(Math.max(1, Math.floor(rows / 10))), '--transactions', String(rows), '--format', 'parquet', '--seed', '7', '--out', path], { stdio: 'inherit' });
    if (made.status !== 0) throw new Error('segstream generate failed (build dist/ first: npx tsc -p tsconfig.json)');
  }
  return path;
}

interface Timing {
  wall_ms: number;
  cpu_ms: number;
  rows: number;
}

async function timed(read: () => AsyncIterable<RawBatch>): Promise<Timing> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let n = 0;
  for await (const b of read()) n += b.length;
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { wall_ms: Math.round(wall), cpu_ms: Math.round((cpu.user + cpu.system) / 1000), rows: n };
}

async function duckdbScan(path: string): Promise<Timing> {
  const db = await DuckDBInstance.create(':memory:', { threads: '2' });
  const con = await db.connect();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const r = await con.runAndReadAll(`SELECT count(*), min(customer_id), max(ts), sum(amount) FROM read_parquet('${path}')`);
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const n = Number(r.getRows()[0]![0]);
  con.closeSync();
  return { wall_ms: Math.round(wall), cpu_ms: Math.round((cpu.user + cpu.system) / 1000), rows: n };
}

const median = (v: number[]): number => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

const options: ReadOptions = { columns: { customer_id: 'customer_id', ts: 'ts', amount: 'amount' } };
const summary: Record<string, unknown> = { rows, rounds, cpus: cpus().length, loadavg_before: loadavg() };
const table: Record<string, string | number>[] = [];
for (const shape of shapes) {
  const path = await makeFile(shape);
  const runs: { native: Timing; wasm: Timing; duckdb: Timing }[] = [];
  for (let r = 0; r < rounds; r++) {
    // Alternating, so load from other processes falls on both sides alike.
    const native = await timed(() => readParquetGroups(path, { path }, 0, Infinity, options, false, (m) => console.error(m)));
    const wasm = await timed(() => readWasmRowGroups(path, { path }, 0, Infinity, options));
    const duckdb = await duckdbScan(path);
    if (native.rows !== rows || wasm.rows !== rows || duckdb.rows !== rows) throw new Error(`row counts differ: ${native.rows} ${wasm.rows} ${duckdb.rows}`);
    runs.push({ native, wasm, duckdb });
    console.error(`${shape} round ${r + 1}: native ${native.wall_ms} ms (cpu ${native.cpu_ms}), parquet-wasm ${wasm.wall_ms} ms (cpu ${wasm.cpu_ms}), duckdb scan ${duckdb.wall_ms} ms (cpu ${duckdb.cpu_ms})`);
  }
  const ratio = median(runs.map((x) => x.wasm.wall_ms / x.native.wall_ms));
  summary[shape] = { file: path, runs, wasm_over_native_wall_median: ratio, wasm_over_native_cpu_median: median(runs.map((x) => x.wasm.cpu_ms / x.native.cpu_ms)) };
  table.push(
    { shape, reader: 'native', 'wall ms (median)': median(runs.map((x) => x.native.wall_ms)), 'cpu ms (median)': median(runs.map((x) => x.native.cpu_ms)), 'Mrows/s': +(rows / 1e3 / median(runs.map((x) => x.native.wall_ms))).toFixed(2) },
    { shape, reader: 'parquet-wasm', 'wall ms (median)': median(runs.map((x) => x.wasm.wall_ms)), 'cpu ms (median)': median(runs.map((x) => x.wasm.cpu_ms)), 'Mrows/s': +(rows / 1e3 / median(runs.map((x) => x.wasm.wall_ms))).toFixed(2) },
    { shape, reader: 'duckdb scan (2 threads)', 'wall ms (median)': median(runs.map((x) => x.duckdb.wall_ms)), 'cpu ms (median)': median(runs.map((x) => x.duckdb.cpu_ms)), 'Mrows/s': +(rows / 1e3 / median(runs.map((x) => x.duckdb.wall_ms))).toFixed(2) },
  );
}
summary.loadavg_after = loadavg();
console.table(table);
const out = new URL('../results/parquet-decode.json', import.meta.url).pathname;
writeFileSync(out, `${JSON.stringify(summary, null, 2)}\n`);
console.log(`wrote ${out}`);
