/**
 * The rescore's read → aggregate → merge → finalize stage alone, as a whole process per run, so
 * its CPU seconds (every thread) and peak RSS are the stage's: 0 workers (inline sink + finalize)
 * against the pool with 1 and 2 workers. `--root` points at another checkout's built dist/ (a
 * before/after pair); runs alternate per round.
 *
 *   node --import tsx bench/e2e/pool-merge.ts [--input FILE] [--workers 0,1,2] [--rounds 2] [--root DIR ...] [--engine auto]
 *
 * The input defaults to the DuckDB-written 10M-row file of rescore-vs-duckdb (made by that bench).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { benchArgs } from './lib/bench-args.js';
import { alternateRuns, DUCKDB_10M_PARQUET, engineOf, openInput } from './lib/checkout-runs.js';

const opts = benchArgs(import.meta.url, {
  input: { type: 'string', default: DUCKDB_10M_PARQUET },
  workers: { type: 'string' },
  rounds: { type: 'string', default: '2' },
  root: { type: 'string', multiple: true, default: ['.'] },
  engine: { type: 'string', default: 'auto' },
  child: { type: 'boolean' },
});
const input = opts.input;
const roots = opts.root.map((r) => resolve(r));

async function child(): Promise<void> {
  const root = roots[0]!;
  const workers = Number(opts.workers ?? '2');
  const engine = opts.engine;
  const imp = engineOf(root);
  const { config, readOptions, files, dialect } = await openInput(imp, input);
  const { aggregateParallel } = await imp('pool/parallel-aggregate.js');
  const { aggregateInputs } = await imp('rescore/aggregate-inputs.js');
  const { finalize, endOfDay } = await imp('aggregate/finalize.js');
  const { loadKernels } = await imp('kernels/load-kernels.js');
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let size: number;
  let timings: Record<string, number> = {};
  if (workers === 0) {
    const kernels = loadKernels(engine);
    const { agg } = await aggregateInputs(files, readOptions, { asOfMs: Number.POSITIVE_INFINITY, kernels, dialect });
    const t1 = performance.now();
    size = finalize(agg, endOfDay(agg.state.maxTs), [config.tiers.window_days]).size;
    timings = { read_aggregate: t1 - t0, finalize: performance.now() - t1 };
  } else {
    const out = await aggregateParallel(files, readOptions, { workers, engine, windowDays: [config.tiers.window_days], dialect: dialect.decisions });
    size = out.table.size;
    timings = out.timings_ms;
  }
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  console.log(JSON.stringify({ workers, size, wall_ms: Math.round(wall), cpu_s: (cpu.user + cpu.system) / 1e6, rss_mib: Math.round(process.resourceUsage().maxRSS / 1024), timings }));
}

function main(): void {
  if (!existsSync(input)) {
    console.log(`pool-merge: no ${input}; run \`npm run bench -- --only rescore-vs-duckdb\` first or pass --input`);
    return;
  }
  const workers = (opts.workers ?? '0,1,2').split(',');
  const runs = roots.flatMap((root) => workers.map((w) => ({ root, args: ['--workers', w, '--input', input, '--engine', opts.engine] })));
  alternateRuns(import.meta.url, Number(opts.rounds), runs);
}

if (opts.child) await child();
else main();
