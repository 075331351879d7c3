/**
 * CSV scan + parse, the native scanner (engine/read/csv-native.ts) against the TypeScript scanner,
 * alternating round by round in one process: readCsv with the rescore's dialect, then parseBatch
 * on every batch (the row-by-row parser both paths share today), and the scan alone. Two files of
 * 1M rows: the project's generator (integer ids, `2025-06-16T05:11:08.670Z`, 2-decimal amounts and
 * margins) and the same rows with DuckDB-style string ids (`C93512`) and `2025-06-16 05:11:08.670`
 * timestamps. Prints rows per CPU-second (median of rounds, and the median of the per-round
 * native/TypeScript ratios) and writes bench/results/csv-scan.json. Asserts no time.
 *
 *   npm run bench -- --only csv-scan [--rounds 5] [--rows 1000000]
 */
import { createReadStream, existsSync, mkdirSync, statSync, writeFileSync, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { generate } from '../../engine/generate/index.js';
import { InputDialect } from '../../engine/parse/input-dialect.js';
import { parseBatch } from '../../engine/parse/parse-batch.js';
import { RejectLog } from '../../engine/parse/reject-log.js';
import { nativeCsvBinding } from '../../engine/read/csv-native.js';
import { readCsv } from '../../engine/read/csv-reader.js';
import { DEFAULT_COLUMN_MAP } from '../../engine/read/raw-batch.js';

const arg = (name: string) => {
  const at = process.argv.indexOf(name);
  return at >= 0 ? process.argv[at + 1] : undefined;
};
const ROUNDS = Number(arg('--rounds') ?? 5);
const ROWS = Number(arg('--rows') ?? 1_000_000);

if (nativeCsvBinding() === null) {
  console.log('csv-scan: the addon has no CSV scanner (npm run build:native); nothing to compare');
  process.exit(0);
}

const dir = join(tmpdir(), `segstream-csv-scan-${ROWS}`);
mkdirSync(dir, { recursive: true });
const ints = join(dir, 'ints.csv');
const strings = join(dir, 'strings.csv');
if (!existsSync(ints)) await generate({ customers: Math.max(1, Math.round(ROWS / 10)), transactions: ROWS, format: 'csv', seed: 1, out: ints });
if (!existsSync(strings)) {
  // The same rows as a DuckDB export writes them: text ids, a space before the time, no Z.
  const out = createWriteStream(strings);
  let first = true;
  for await (const line of createInterface({ input: createReadStream(ints) })) {
    const text = first ? line : line.replace(/^(\d+),(\d{4}-\d\d-\d\d)T([\d:.]+)Z/, 'C$1,$2 $3');
    first = false;
    if (!out.write(`${text}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

interface Measure {
  rows: number;
  cpu_s: number;
  wall_s: number;
}

async function run(path: string, scanner: 'js' | 'native', parse: boolean): Promise<Measure> {
  const dialect = new InputDialect();
  const rejects = new RejectLog(10);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let rows = 0;
  for await (const raw of readCsv({ kind: 'file', path, size: statSync(path).size }, { columns: DEFAULT_COLUMN_MAP, dialect, scanner })) {
    if (parse) rows += parseBatch(raw, rejects, dialect).length;
    else {
      // The scan alone: the dialect decides on the first batch as the parse step would.
      if (dialect.undecided) dialect.observe(raw);
      rows += raw.length;
    }
  }
  const c = process.cpuUsage(c0);
  return { rows, cpu_s: (c.user + c.system) / 1e6, wall_s: (performance.now() - t0) / 1000 };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const table: Record<string, unknown>[] = [];
for (const [file, path] of [['generator (integer ids)', ints], ['DuckDB-style (string ids)', strings]] as const) {
  for (const parse of [true, false]) {
    const js: Measure[] = [];
    const rs: Measure[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      js.push(await run(path, 'js', parse));
      rs.push(await run(path, 'native', parse));
    }
    const perCpu = (m: Measure[]) => median(m.map((x) => x.rows / x.cpu_s));
    const ratio = median(js.map((j, i) => j.cpu_s / rs[i]!.cpu_s));
    table.push({
      file,
      work: parse ? 'scan + parse' : 'scan',
      rows: rs[0]!.rows,
      'ts rows/cpu-s': Math.round(perCpu(js)),
      'native rows/cpu-s': Math.round(perCpu(rs)),
      'native/ts (median of rounds)': Number(ratio.toFixed(2)),
      'ts wall s (median)': Number(median(js.map((x) => x.wall_s)).toFixed(3)),
      'native wall s (median)': Number(median(rs.map((x) => x.wall_s)).toFixed(3)),
    });
    console.table([table.at(-1)]);
  }
}
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/csv-scan.json', `${JSON.stringify({ date: new Date().toISOString(), rows: ROWS, rounds: ROUNDS, results: table }, null, 2)}\n`);
