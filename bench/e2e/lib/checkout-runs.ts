/**
 * Benchmarks of one rescore stage against built checkouts (pool-merge.ts, rescore-tail.ts): the
 * bench file runs itself as a child process per run, with `--child --root DIR`, so a run's CPU and
 * peak RSS are its own, and the child imports the engine from that checkout's dist/ (a before/after
 * pair: `--root` once per checkout). Rounds alternate the order of the runs.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The DuckDB-written 10M-row file that rescore-vs-duckdb makes (and keeps) at its default scale. */
export const DUCKDB_10M_PARQUET = join(tmpdir(), 'segstream-bench-1000000-10000000', 'duckdb.parquet');

/** The engine built in the checkout at `root`: its module `p` (relative to dist/engine/). */
export function engineOf(root: string) {
  return (p: string) => import(pathToFileURL(`${root}/dist/engine/${p}`).href);
}

/** The default config's read of `input` by the engine `imp`, with the dialect decided from its head. */
export async function openInput(imp: ReturnType<typeof engineOf>, input: string) {
  const { parseConfig } = await imp('config/load-config.js');
  const { buildColumnMap } = await imp('read/column-map.js');
  const { listInputSet } = await imp('read/open-input.js');
  const { InputDialect } = await imp('parse/input-dialect.js');
  const { decideFromHead } = await imp('rescore/input-decisions.js');
  const config = parseConfig({});
  const readOptions = { columns: buildColumnMap(config.input.columns), batchSize: 65_536 };
  const { files } = await listInputSet(input, {});
  const dialect = new InputDialect({ tsFormat: config.input.ts_format, decimal: config.input.decimal });
  await decideFromHead(files[0], readOptions, dialect);
  return { config, readOptions, files, dialect };
}

/** One child run: the checkout and the bench's own arguments. */
export interface CheckoutRun {
  readonly root: string;
  readonly args: readonly string[];
}

/** Runs the bench at `fileUrl` as a child per run, `rounds` times (odd rounds in reverse), printing each child's last line with the load average. */
export function alternateRuns(fileUrl: string, rounds: number, runs: readonly CheckoutRun[]): void {
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 1 ? [...runs].reverse() : runs;
    for (const { root, args } of order) {
      const out = execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(fileUrl), '--child', '--root', root, ...args], { encoding: 'utf8', maxBuffer: 1 << 24 });
      const load = readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
      console.log(`round ${r} ${root} load ${load} ${out.trim().split('\n').pop()}`);
    }
  }
}
