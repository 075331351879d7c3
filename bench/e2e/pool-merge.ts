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
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { benchArgs } from './lib/bench-args.js';

const opts = benchArgs(import.meta.url, {
  input: { type: 'string', default: join(tmpdir(), 'segstream-bench-1000000-10000000', 'duckdb.parquet') },
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
  const imp = (p: string) => import(pathToFileURL(`${root}/dist/engine/${p}`).href);
  const { parseConfig } = await imp('config/load-config.js');
  const { buildColumnMap } = await imp('read/column-map.js');
  const { listInputSet } = await imp('read/open-input.js');
  const { InputDialect } = await imp('parse/input-dialect.js');
  const { decideFromHead } = await imp('rescore/input-decisions.js');
  const { aggregateParallel } = await imp('pool/parallel-aggregate.js');
  const { aggregateInputs } = await imp('rescore/aggregate-inputs.js');
  const { finalize, endOfDay } = await imp('aggregate/finalize.js');
  const { loadKernels } = await imp('kernels/load-kernels.js');
  const config = parseConfig({});
  const readOptions = { columns: buildColumnMap(config.input.columns), batchSize: 65_536 };
  const { files } = await listInputSet(input, {});
  const dialect = new InputDialect({ tsFormat: config.input.ts_format, decimal: config.input.decimal });
  await decideFromHead(files[0], readOptions, dialect);
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
  const rounds = Number(opts.rounds);
  const workers = (opts.workers ?? '0,1,2').split(',').map(Number);
  for (let r = 0; r < rounds; r++) {
    const order = roots.flatMap((root) => workers.map((w) => ({ root, w })));
    if (r % 2 === 1) order.reverse();
    for (const { root, w } of order) {
      const out = execFileSync(process.execPath, ['--import', 'tsx', new URL(import.meta.url).pathname, '--child', '--root', root, '--workers', String(w), '--input', input, '--engine', opts.engine], { encoding: 'utf8', maxBuffer: 1 << 24 });
      const load = (execFileSync('cat', ['/proc/loadavg'], { encoding: 'utf8' }).split(' ')[0]);
      console.log(`round ${r} ${root} load ${load} ${out.trim().split('\n').pop()}`);
    }
  }
}

if (opts.child) await child();
else main();
