/**
 * End-to-end: the share of a rescore's wall time that fitting and scoring the models takes. Generates
 * a base (Parquet, kept in the OS temp folder and reused), then runs `rescore()` in this process
 * with models disabled and enabled (alternating, `--runs` times each, disabled first so neither
 * side alone pays the JIT warm-up) and prints wall times, `timings_ms.models` and the share.
 * Writes bench/results/models-share.json. Never asserts times.
 *
 *   node --import tsx bench/e2e/models-share.ts [--customers 1000000 --transactions 10000000 --runs 2]
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../engine/config/load-config.js';
import { generate } from '../../engine/generate/index.js';
import { rescore } from '../../engine/rescore/rescore.js';
import { benchArgs } from './lib/bench-args.js';

const opts = benchArgs(import.meta.url, {
  customers: { type: 'string', default: '1000000' },
  transactions: { type: 'string', default: '10000000' },
  runs: { type: 'string', default: '2' },
});
const customers = Number(opts.customers);
const transactions = Number(opts.transactions);
const runs = Number(opts.runs);

const dir = join(tmpdir(), `segstream-bench-${customers}-${transactions}`);
const input = join(dir, 'base.parquet');
if (!existsSync(input)) {
  mkdirSync(dir, { recursive: true });
  const t0 = performance.now();
  await generate({ customers, transactions, format: 'parquet', seed: 1, out: input });
  process.stdout.write(`generated ${input} in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
}

interface Run {
  models: boolean;
  wall_ms: number;
  timings_ms: Record<string, number>;
}
const results: Run[] = [];
for (let k = 0; k < runs; k++) {
  for (const enabled of [false, true]) {
    const dataDir = mkdtempSync(join(tmpdir(), 'segstream-models-share-'));
    const config = parseConfig({ models: { enabled } });
    const t0 = performance.now();
    const summary = await rescore({ input, dataDir, config, asOf: '2026-06-30' });
    const wall = performance.now() - t0;
    rmSync(dataDir, { recursive: true, force: true });
    results.push({ models: enabled, wall_ms: Math.round(wall), timings_ms: summary.timings_ms });
    process.stdout.write(`  models ${enabled ? 'on ' : 'off'}: ${(wall / 1000).toFixed(2)} s wall, timings_ms.models ${summary.timings_ms.models ?? 0}\n`);
  }
}

const median = (v: number[]): number => {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const on = results.filter((r) => r.models);
const off = results.filter((r) => !r.models);
const wallOn = median(on.map((r) => r.wall_ms));
const wallOff = median(off.map((r) => r.wall_ms));
const modelsMs = median(on.map((r) => r.timings_ms.models ?? 0));
const summary = {
  customers, transactions, runs,
  wall_ms_models_on: wallOn,
  wall_ms_models_off: wallOff,
  timings_ms_models: modelsMs,
  // Two views: the models stage against the rescore without it, and the whole difference in wall
  // time (which also counts writing the four extra columns).
  share_models_stage: modelsMs / wallOff,
  share_wall_difference: (wallOn - wallOff) / wallOff,
  results,
};
console.table([
  { what: 'rescore, models off (median)', ms: wallOff },
  { what: 'rescore, models on (median)', ms: wallOn },
  { what: 'timings_ms.models (median)', ms: modelsMs },
  { what: 'models stage / rescore without models', ms: `${(100 * summary.share_models_stage).toFixed(1)} %` },
  { what: '(on − off) / off', ms: `${(100 * summary.share_wall_difference).toFixed(1)} %` },
]);
const out = new URL('../results/models-share.json', import.meta.url).pathname;
mkdirSync(join(out, '..'), { recursive: true });
writeFileSync(out, `${JSON.stringify(summary, null, 2)}\n`);
process.stdout.write(`wrote ${out}\n`);
