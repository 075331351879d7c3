/**
 * `npm run bench`: every benchmark, one child process each (so one's memory and JIT state never
 * colour the next): bench/micro/*.bench.ts, then bench/e2e/*.ts. Arguments after `--` go to each
 * benchmark (e.g. `npm run bench -- --scale small`); `--only NAME` runs the files whose name holds NAME.
 * Benchmarks print a table and write JSON under bench/results/; none asserts a time.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const onlyAt = args.indexOf('--only');
const only = onlyAt >= 0 ? args[onlyAt + 1] : undefined;
const passed = onlyAt >= 0 ? [...args.slice(0, onlyAt), ...args.slice(onlyAt + 2)] : args;

function list(dir: string, keep: (name: string) => boolean): string[] {
  const full = join(root, dir);
  if (!existsSync(full)) return [];
  return readdirSync(full).filter(keep).sort().map((name) => join(dir, name));
}

// The worker pool runs compiled workers from dist/; build once so every benchmark sees fresh code.
const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

const files = [...list('bench/micro', (n) => n.endsWith('.bench.ts')), ...list('bench/e2e', (n) => n.endsWith('.ts'))].filter(
  (f) => only === undefined || f.includes(only),
);
let failed = 0;
for (const file of files) {
  process.stdout.write(`\n=== ${file}\n`);
  const run = spawnSync(process.execPath, ['--import', 'tsx', file, ...passed], { cwd: root, stdio: 'inherit' });
  if (run.status !== 0) {
    failed++;
    process.stdout.write(`${file} failed (exit ${run.status ?? run.signal})\n`);
  }
}
process.exit(failed > 0 ? 1 : 0);
