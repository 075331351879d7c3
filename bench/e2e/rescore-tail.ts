/**
 * The rescore's serial tail alone — the gather of the pool's partitions into the base, the models,
 * the scores, the snapshot's encode and its publish — as a whole process per run: each run reads
 * and aggregates the input once, then times every stage of the tail one after the other, wall and
 * CPU seconds (every thread). `gather` is the main thread's part after the pool's merge tasks
 * (from the addon's partsGather call to the base in hand: no worker runs meanwhile). `--root`
 * points at another checkout's built dist/ (a before/after pair); runs alternate per round.
 * In a rescore with workers the models run on their own thread beside the scores (model-thread.ts);
 * here the stages run in a row, so each one's CPU is its own.
 *
 *   node --import tsx bench/e2e/rescore-tail.ts [--input FILE] [--as-of 2025-12-31] [--rounds 2] [--root DIR ...] [--engine native]
 *
 * The input defaults to the DuckDB-written 10M-row file of rescore-vs-duckdb (made by that bench).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { benchArgs } from './lib/bench-args.js';
import { alternateRuns, DUCKDB_10M_PARQUET, engineOf, openInput } from './lib/checkout-runs.js';

const opts = benchArgs(import.meta.url, {
  input: { type: 'string', default: DUCKDB_10M_PARQUET },
  'as-of': { type: 'string', default: '2025-12-31' },
  rounds: { type: 'string', default: '2' },
  root: { type: 'string', multiple: true, default: ['.'] },
  engine: { type: 'string', default: 'native' },
  child: { type: 'boolean' },
});
const input = opts.input;
const roots = opts.root.map((r) => resolve(r));

async function child(): Promise<void> {
  const root = roots[0]!;
  const engine = opts.engine as 'native' | 'js';
  const imp = engineOf(root);
  const { aggregateParallel } = await imp('pool/parallel-aggregate.js');
  const { parseAsOf } = await imp('rescore/as-of.js');
  const { loadKernels } = await imp('kernels/load-kernels.js');
  const { fitPredictions } = await imp('rescore/fit-predictions.js');
  const { scoreBase } = await imp('rescore/score-base.js');
  const customersFile = await imp('snapshot/customers-file.js');
  const { publishSnapshot } = await imp('snapshot/snapshot-publisher.js');
  // The gather starts when the main thread calls the addon's partsGather (the same module object
  // the loader requires); a tree without it (TypeScript kernels) reports no gather.
  const addonFile = join(root, 'native', `segstream.${process.platform}-${process.arch}-gnu.node`);
  const addon = existsSync(addonFile) ? (createRequire(import.meta.url)(addonFile) as { partsGather?: (...a: unknown[]) => unknown }) : {};
  let gather0: { cpu: NodeJS.CpuUsage; wall: number } | null = null;
  const partsGather = addon.partsGather;
  if (partsGather) {
    addon.partsGather = (...a: unknown[]) => {
      gather0 = { cpu: process.cpuUsage(), wall: performance.now() };
      return partsGather.apply(addon, a);
    };
  }
  const { config, readOptions, files, dialect } = await openInput(imp, input);
  const asOf = parseAsOf(opts['as-of']);
  const { table } = await aggregateParallel(files, readOptions, { workers: 2, engine, windowDays: [config.tiers.window_days], asOfMs: asOf, readCutMs: asOf, dialect: dialect.decisions });
  const stages: Record<string, { wall_ms: number; cpu_ms: number }> = {};
  const g = gather0 as { cpu: NodeJS.CpuUsage; wall: number } | null;
  if (g) {
    const cpu = process.cpuUsage(g.cpu);
    stages['gather'] = { wall_ms: Math.round(performance.now() - g.wall), cpu_ms: Math.round((cpu.user + cpu.system) / 1000) };
  }
  const kernels = loadKernels(engine);
  const timed = async <T>(name: string, run: () => T | Promise<T>): Promise<T> => {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const out = await run();
    const cpu = process.cpuUsage(cpu0);
    stages[name] = { wall_ms: Math.round(performance.now() - t0), cpu_ms: Math.round((cpu.user + cpu.system) / 1000) };
    return out;
  };
  const fit = await timed('models', () => fitPredictions(table, config, { engine }));
  // The engine's kernels where the tree takes them (an older tree ignores the argument).
  const scored = await timed('score', () => scoreBase(table, config, null, fit.columns, kernels.quantileThresholds, engine));
  // A tree from before the chunked encode has only the whole-file one.
  const bytes = await timed('encode', () => {
    const t = customersFile.buildCustomersTable(scored, {}, engine);
    return customersFile.encodeCustomerChunks ? customersFile.encodeCustomerChunks(t) : customersFile.encodeCustomers(t);
  });
  const dataDir = mkdtempSync(join(tmpdir(), 'segstream-tail-'));
  try {
    await timed('publish', () => publishSnapshot(dataDir, 'tail', { 'manifest.json': '{}', 'customers.arrow': bytes, 'rejects.ndjson': '' }, 1));
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  const total = Object.values(stages).reduce((s, v) => ({ wall_ms: s.wall_ms + v.wall_ms, cpu_ms: s.cpu_ms + v.cpu_ms }), { wall_ms: 0, cpu_ms: 0 });
  console.log(JSON.stringify({ customers: table.size, bgnbd_iterations: fit.manifest.bgnbd?.iterations, stages, total }));
}

function main(): void {
  if (!existsSync(input)) {
    console.log(`rescore-tail: no ${input}; run \`npm run bench -- --only rescore-vs-duckdb\` first or pass --input`);
    return;
  }
  const runs = roots.map((root) => ({ root, args: ['--input', input, '--as-of', opts['as-of'], '--engine', opts.engine] }));
  alternateRuns(import.meta.url, Number(opts.rounds), runs);
}

if (opts.child) await child();
else main();
