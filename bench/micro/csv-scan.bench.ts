/**
 * CSV scan + parse, the native scanner (engine/read/csv-native.ts) against the TypeScript scanner
 * and, with `--root`, against another checkout's native scanner (a before/after pair), alternating
 * round by round, each measurement in a child process of its own running the checkout's built
 * dist/ (build each first: `npx tsc -p tsconfig.json`). Two kinds of work:
 *
 *   scan + parse  readCsv, then each batch as the sink parses it: arrowRows (parse-batch.ts,
 *                 columns straight from the buffers), or parseBatch row by row where arrowRows
 *                 declines (text columns: the TypeScript scanner's)
 *   scan          readCsv alone
 *
 * Both read by a dialect decided from the file's head beforehand, as each worker of a rescore
 * does (the inline path's first batch is read as text while it decides).
 *
 * Inputs: two files of `--rows` rows (default 1M): the project's generator (integer ids,
 * `2025-06-16T05:11:08.670Z`, 2-decimal amounts and margins) and the same rows with DuckDB-style
 * string ids (`C93512`) and `2025-06-16 05:11:08.670` timestamps; or the files given with
 * `--input` (repeatable). Prints rows per CPU-second of the read loop (median of rounds; CPU of
 * the whole process, garbage collection included) and the median of the per-round ratios of CPU
 * time to this checkout's native scanner's, and writes bench/results/csv-scan.json. Asserts no time.
 *
 *   npm run bench -- --only csv-scan [--rounds 5] [--rows 1000000] [--input FILE ...] [--root DIR ...] [--no-ts]
 */
import { execFileSync } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] : undefined;
};
const all = (name: string): string[] => args.flatMap((a, i) => (args[i - 1] === `--${name}` ? [a] : []));

interface Measure {
  rows: number;
  cpu_s: number;
  wall_s: number;
}

if (args.includes('--child')) {
  // One measurement: this process reads one file once with the scanner of one checkout.
  // The checkout's built JavaScript, as a rescore runs it (no TypeScript loader in the process).
  const root = resolve(opt('root') ?? '.');
  const imp = (p: string) => import(pathToFileURL(join(root, 'dist', 'engine', p)).href);
  const { InputDialect } = await imp('parse/input-dialect.js');
  const { arrowRows, parseBatch } = await imp('parse/parse-batch.js');
  const { RejectLog } = await imp('parse/reject-log.js');
  const { readCsv } = await imp('read/csv-reader.js');
  const { nativeCsvBinding } = await imp('read/csv-native.js');
  const { DEFAULT_COLUMN_MAP } = await imp('read/raw-batch.js');
  const { decideFromHead } = await imp('rescore/input-decisions.js');
  const scanner = opt('scanner') as 'js' | 'native';
  if (scanner === 'native' && nativeCsvBinding() === null) throw new Error(`${root}: the addon has no CSV scanner (npm run build:native)`);
  const path = opt('input')!;
  const parse = opt('work') === 'parse';
  const size = statSync(path).size;
  // Decided from the file's head before the clock starts, as a rescore on workers decides it
  // (rescore.ts), so every batch is read by the decided rules, on both scanners.
  const head = new InputDialect();
  await decideFromHead({ path, size, format: 'csv' }, { columns: DEFAULT_COLUMN_MAP }, head);
  const dialect = new InputDialect(undefined, head.decisions);
  const rejects = new RejectLog(10);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let rows = 0;
  for await (const raw of readCsv({ kind: 'file', path, size }, { columns: DEFAULT_COLUMN_MAP, dialect, scanner })) {
    if (parse) rows += arrowRows(raw, dialect) !== null ? raw.length : parseBatch(raw, rejects, dialect).length;
    else rows += raw.length;
  }
  const c = process.cpuUsage(c0);
  console.log(JSON.stringify({ rows, cpu_s: (c.user + c.system) / 1e6, wall_s: (performance.now() - t0) / 1000 } satisfies Measure));
  process.exit(0);
}

const ROUNDS = Number(opt('rounds') ?? 5);
const ROWS = Number(opt('rows') ?? 1_000_000);

async function generatedInputs(): Promise<string[]> {
  const { generate } = await import('../../engine/generate/index.js');
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
  return [ints, strings];
}

const inputs = all('input').length > 0 ? all('input').map((p) => resolve(p)) : await generatedInputs();
// Contestants: this checkout's native scanner first (the ratios' base), its TypeScript scanner, then each --root's native scanner.
const contestants = [
  { name: 'native', root: resolve('.'), scanner: 'native' },
  ...(args.includes('--no-ts') ? [] : [{ name: 'ts', root: resolve('.'), scanner: 'js' }]),
  ...all('root').map((r) => ({ name: `native@${basename(resolve(r))}`, root: resolve(r), scanner: 'native' })),
];

function measure(c: (typeof contestants)[number], input: string, work: string): Measure {
  if (!existsSync(join(c.root, 'dist', 'engine', 'read', 'csv-reader.js'))) throw new Error(`${c.root}: no dist/ (npx tsc -p tsconfig.json there first)`);
  const out = execFileSync(process.execPath, ['--import', 'tsx', new URL(import.meta.url).pathname, '--child', '--root', c.root, '--scanner', c.scanner, '--input', input, '--work', work], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  return JSON.parse(out.trim().split('\n').pop()!) as Measure;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const table: Record<string, unknown>[] = [];
for (const input of inputs) {
  for (const work of ['parse', 'scan']) {
    const runs = contestants.map(() => [] as Measure[]);
    const loads: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      loads.push(Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]));
      contestants.forEach((c, k) => {
        runs[k]!.push(measure(c, input, work));
      });
    }
    contestants.forEach((c, k) => {
      const m = runs[k]!;
      table.push({
        file: basename(input),
        work: work === 'parse' ? 'scan + parse' : 'scan',
        scanner: c.name,
        rows: m[0]!.rows,
        'rows/cpu-s': Math.round(median(m.map((x) => x.rows / x.cpu_s))),
        'cpu s (median)': Number(median(m.map((x) => x.cpu_s)).toFixed(3)),
        'wall s (median)': Number(median(m.map((x) => x.wall_s)).toFixed(3)),
        'cpu / native cpu (median of rounds)': Number(median(m.map((x, i) => x.cpu_s / runs[0]![i]!.cpu_s)).toFixed(2)),
        'load (min-max)': `${Math.min(...loads).toFixed(1)}-${Math.max(...loads).toFixed(1)}`,
      });
    });
    console.table(table.slice(-contestants.length));
  }
}
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/csv-scan.json', `${JSON.stringify({ date: new Date().toISOString(), rows: ROWS, rounds: ROUNDS, inputs, roots: contestants.map((c) => c.root), results: table }, null, 2)}\n`);
