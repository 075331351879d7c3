/**
 * What the live-event reliability tests (fold, kill-serve, disk-full) share: the real
 * `segstream serve` and `segstream rescore` of dist/ as child processes, posting events with
 * event_ids, waiting for jobs, and reading what a snapshot counted.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, type CliResult, runCli } from '../helpers/cli.js';

export { runCli };

/** The token every test server runs with. */
export const TOKEN = 'reliability-secret';

/** One live row as posted. */
export interface EventRow {
  readonly customer_id: string | number;
  readonly ts: string;
  readonly amount: number;
  readonly event_id?: string | number;
}

/** A fresh temporary folder; `cleanup()` removes every folder made so far. */
export function tempDirs(prefix: string): { make: () => Promise<string>; cleanup: () => Promise<void> } {
  const made: string[] = [];
  return {
    make: async () => {
      const d = await mkdtemp(join(tmpdir(), prefix));
      made.push(d);
      return d;
    },
    cleanup: async () => {
      for (const d of made.splice(0)) await rm(d, { recursive: true, force: true });
    },
  };
}

/** A running `segstream serve`. */
export interface Served {
  readonly child: ChildProcess;
  readonly url: string;
  output(): string;
  /** SIGKILL, and wait for the exit. */
  kill(): Promise<void>;
  /** SIGTERM, and wait for the exit; its exit code. */
  stop(): Promise<number | null>;
}

const running = new Set<ChildProcess>();

/** Kills every server a test started and left running (afterAll / afterEach). */
export async function killAll(): Promise<void> {
  for (const child of [...running]) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
    running.delete(child);
  }
}

/** Starts `segstream serve --data dataDir --port 0 ...args` and waits for the URL it prints. */
export async function serve(dataDir: string, args: readonly string[] = []): Promise<Served> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first (npm test does)`);
  const child = spawn(process.execPath, [CLI, 'serve', '--data', dataDir, '--port', '0', ...args], {
    env: { ...process.env, SEGSTREAM_TOKEN: TOKEN },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = once(child, 'exit');
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start in 30 s: ${out.slice(-2000)}`)), 30_000);
    const check = (): void => {
      const m = /at (http:\/\/[^\s]+) /.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', check);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code} before it listened: ${out.slice(-2000)}`));
    });
  });
  return {
    child,
    url,
    output: () => out,
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
      running.delete(child);
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const [code] = (await exited) as [number | null];
      running.delete(child);
      return code;
    },
  };
}

const auth = { authorization: `Bearer ${TOKEN}` };

/** POST /v1/events as JSON; the status and the parsed body. */
export async function postEvents(url: string, rows: readonly EventRow[]): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await fetch(`${url}/v1/events`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(rows) });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}

/** A job as GET /v1/jobs/:id answers. */
export interface JobAnswer {
  readonly id: string;
  readonly status: string;
  readonly summary: { snapshot: string; rows: { read: number; valid: number; future: number }; warnings: string[] } | null;
  readonly error: { code: string; message: string } | null;
}

/** Starts a rescore job and waits for it to end. */
export async function runJob(url: string, body: Record<string, unknown>): Promise<JobAnswer> {
  const started = await fetch(`${url}/v1/jobs/rescore`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const job = (await started.json()) as JobAnswer;
  if (started.status !== 202) throw new Error(`job not started: ${started.status} ${JSON.stringify(job)}`);
  for (;;) {
    const r = (await (await fetch(`${url}/v1/jobs/${job.id}`, { headers: auth })).json()) as JobAnswer;
    if (r.status !== 'running') return r;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** GET /v1/customers/:id, or null on 404. */
export async function lookup(url: string, id: string | number): Promise<Record<string, unknown> | null> {
  const r = await fetch(`${url}/v1/customers/${encodeURIComponent(String(id))}`);
  if (r.status === 404) return null;
  if (r.status !== 200) throw new Error(`lookup ${id}: ${r.status} ${await r.text()}`);
  return (await r.json()) as Record<string, unknown>;
}

/** What a snapshot counted: its rows and its total revenue. */
export interface Counted {
  readonly id: string;
  readonly rows: { read: number; valid: number; future: number };
  readonly revenue: number;
}

/** The live snapshot's counts (or snapshot `id`'s). */
export async function counted(dataDir: string, id?: string): Promise<Counted> {
  const sid = id ?? (await readFile(join(dataDir, 'CURRENT'), 'utf8')).trim();
  const m = JSON.parse(await readFile(join(dataDir, 'snapshots', sid, 'manifest.json'), 'utf8')) as { rows: Counted['rows']; revenue: number };
  return { id: sid, rows: m.rows, revenue: m.revenue };
}

/** `segstream rescore --json` of `input` into `dataDir`. */
export async function cliRescore(input: string, dataDir: string, extra: readonly string[] = []): Promise<CliResult & { summary: { snapshot: string; rows: Counted['rows'] } | null }> {
  const r = await runCli(['rescore', '--input', input, '--data', dataDir, '--json', '--workers', '0', ...extra]);
  let summary = null;
  try {
    summary = JSON.parse(r.stdout) as { snapshot: string; rows: Counted['rows'] };
  } catch {
    // not JSON: the caller looks at code and stderr
  }
  return { ...r, summary };
}

/** An input folder (inputFolder) and a data folder the real CLI rescored it into: where a suite's server starts. */
export async function rescoredInput(dirs: ReturnType<typeof tempDirs>, base: { text: string }): Promise<{ inDir: string; input: string; dataDir: string }> {
  const { dir, inDir, input } = await inputFolder(dirs, base);
  const dataDir = join(dir, 'data');
  const r = await cliRescore(input, dataDir);
  if (r.code !== 0) throw new Error(`the first rescore failed (exit ${r.code}): ${r.stderr}`);
  return { inDir, input, dataDir };
}

/** A fresh temp folder holding `in/tx.csv` with `base`: the input folder the server's jobs may read. */
export async function inputFolder(dirs: ReturnType<typeof tempDirs>, base: { text: string }): Promise<{ dir: string; inDir: string; input: string }> {
  const dir = await dirs.make();
  const inDir = join(dir, 'in');
  await mkdir(inDir);
  const input = join(inDir, 'tx.csv');
  await writeFile(input, base.text);
  return { dir, inDir, input };
}

/** The base the tests start from: `customers` customers with a few purchases each in the first half of 2026, as CSV. */
export function baseCsv(customers: number): { text: string; rows: number; revenue: number } {
  const lines = ['customer_id,ts,amount'];
  let revenue = 0;
  for (let c = 1; c <= customers; c++) {
    for (let k = 0; k <= c % 3; k++) {
      const amount = 10 + ((c * 7 + k * 3) % 90);
      lines.push(`${c},2026-0${1 + ((c + k) % 6)}-${String(10 + k).padStart(2, '0')},${amount}`);
      revenue += amount;
    }
  }
  return { text: `${lines.join('\n')}\n`, rows: lines.length - 1, revenue };
}

/** Polls `check` every 50 ms until it returns true, for at most `ms`. */
export async function waitFor(check: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}`);
}
