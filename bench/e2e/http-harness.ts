/**
 * Shared parts of the HTTP benchmarks: a segstream server in a child process (so the load
 * generator and the server do not share an event loop), a data directory with a snapshot of N
 * customers, autocannon runs, and the results table / JSON file.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Table, type Vector, tableFromIPC, tableToIPC } from 'apache-arrow';
import autocannon from 'autocannon';
import { generate } from '../../engine/generate/index.js';
import { rescore } from '../../engine/rescore/rescore.js';
import { utf8Vector } from '../../engine/snapshot/arrow-columns.js';
import { currentSnapshotId } from '../../engine/snapshot/snapshot-store.js';

const ROOT = join(import.meta.dirname, '../..');

/** Command-line flags as `--name value`. */
export function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

/**
 * A data directory with a published snapshot of `customers` customers (3 rows each), made once and
 * reused. `ids: 'text'` gives every customer a string id (`C` and the number, as a CRM's
 * `C000123`-style ids) instead of the generator's integers.
 */
export async function benchData(customers: number, opts: { ids?: 'integer' | 'text' } = {}): Promise<{ dataDir: string; input: string }> {
  const text = opts.ids === 'text';
  const dir = flag('dir', join(tmpdir(), `segstream-bench-http-${customers}${text ? '-text' : ''}`));
  const dataDir = join(dir, 'data');
  const input = join(dir, text ? 'tx.arrow' : 'tx.parquet');
  if (existsSync(input) && (await currentSnapshotId(dataDir))) return { dataDir, input };
  await mkdir(dir, { recursive: true });
  process.stderr.write(`building a ${customers.toLocaleString('en-US')}-customer snapshot in ${dir} (once)\n`);
  if (!text) {
    await generate({ customers, transactions: customers * 3, format: 'parquet', seed: 7, out: input });
  } else {
    const generated = join(dir, 'tx-integer-ids.arrow');
    await generate({ customers, transactions: customers * 3, format: 'arrow', seed: 7, out: generated });
    const table = tableFromIPC(await readFile(generated));
    const ids = table.getChild('customer_id')!;
    const columns: Record<string, Vector> = { customer_id: utf8Vector(Array.from(ids, (id) => `C${String(id).padStart(7, '0')}`)) };
    for (const f of table.schema.fields) if (f.name !== 'customer_id') columns[f.name] = table.getChild(f.name)!;
    await writeFile(input, tableToIPC(new Table(columns), 'file'));
    await rm(generated);
  }
  await rescore({ input, dataDir });
  return { dataDir, input };
}

/** A server in a child process; resolves with its URL. */
export async function spawnServer(script: string[], env: Record<string, string> = {}): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, script, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /(http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.on('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)));
  });
  return { url, child };
}

/**
 * `segstream serve` over `dataDir` in a child process, from source (a stale dist/ would measure old
 * code); `args` are more serve flags, e.g. `--input-root DIR` for a bench that posts rescore jobs.
 */
export function spawnSegstream(dataDir: string, env: Record<string, string> = {}, args: readonly string[] = []): Promise<{ url: string; child: ChildProcess }> {
  return spawnServer(['--import', 'tsx', 'cli/segstream.ts', 'serve', '--data', dataDir, '--port', '0', ...args], env);
}

/** A bare fastify hello-world in a child process: the ceiling for this machine. */
export function spawnHello(env: Record<string, string> = {}): Promise<{ url: string; child: ChildProcess }> {
  const code = `import Fastify from 'fastify';
const app = Fastify();
app.get('/hello', async () => ({ hello: 'world' }));
const url = await app.listen({ host: '127.0.0.1', port: 0 });
console.log(url);`;
  return spawnServer(['--input-type=module', '-e', code], env);
}

/** What one autocannon run measured. */
export interface LoadResult {
  readonly name: string;
  readonly requests: number;
  readonly requests_per_second: number;
  readonly p50_ms: number;
  readonly p99_ms: number;
  readonly errors: number;
  readonly non2xx: number;
}

/** Runs autocannon; `setup` may rewrite each request (random ids). */
export async function load(name: string, opts: autocannon.Options): Promise<LoadResult> {
  const r = await autocannon({ connections: 100, duration: 10, ...opts });
  return {
    name,
    requests: r.requests.total,
    // The mean of autocannon's per-second counts: its duration also counts the time it takes to
    // prepare a list of requests (seconds for 100 connections x 1,000 paths), which is not load.
    requests_per_second: Math.round(r.requests.average),
    p50_ms: r.latency.p50,
    p99_ms: r.latency.p99,
    errors: r.errors,
    non2xx: r.non2xx,
  };
}

/** Prints a table and writes `bench/results/<name>.json`. */
export async function report(name: string, meta: Record<string, unknown>, rows: readonly object[]): Promise<void> {
  const keys = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cells = [keys, ...rows.map((r) => keys.map((k) => String((r as Record<string, unknown>)[k] ?? '')))];
  const widths = keys.map((_, j) => Math.max(...cells.map((row) => row[j]!.length)));
  process.stdout.write(`\n${name} ${JSON.stringify(meta)}\n`);
  for (const row of cells) process.stdout.write(`${row.map((c, j) => c.padStart(widths[j]!)).join('  ')}\n`);
  await mkdir(join(ROOT, 'bench', 'results'), { recursive: true });
  const file = join(ROOT, 'bench', 'results', `${name}.json`);
  await writeFile(file, `${JSON.stringify({ name, at: new Date().toISOString(), node: process.version, ...meta, results: rows }, null, 2)}\n`);
  process.stdout.write(`wrote ${file}\n`);
}

/** Resident and peak resident memory of a process, and how much of it is in transparent huge pages, in MiB (Linux /proc). */
export async function rssOf(pid: number): Promise<{ rss_mib: number; peak_rss_mib: number; huge_pages_mib: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = (text: string, key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? Number.NaN);
  const smaps = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8').catch(() => '');
  return { rss_mib: Math.round(kib(status, 'VmRSS') / 1024), peak_rss_mib: Math.round(kib(status, 'VmHWM') / 1024), huge_pages_mib: Math.round(kib(smaps, 'AnonHugePages') / 1024) };
}

/** CPU seconds (user + system) a process has used so far (Linux /proc, clock ticks of 1/100 s). */
export async function cpuSecondsOf(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
