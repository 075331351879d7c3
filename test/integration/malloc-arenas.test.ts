/**
 * cli/malloc-arenas.ts: `segstream rescore` starts again in place (execve, same PID) with
 * glibc.malloc.arena_max=1. The plan is checked as a function; the exec itself on the real CLI,
 * reading the process's /proc entries while it waits for its stdin.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadBinding } from '../../engine/kernels/native-binding.js';
import { ARENA_TUNABLE, EXEC_MARKER, type ProcessStart, arenaExecPlan } from '../../cli/malloc-arenas.js';
import { CDNOW_DIR } from '../engine/model/cdnow.js';
import { tempDir } from '../engine/read/fixtures.js';
import { CLI } from '../helpers/cli.js';

const NODE = '/usr/bin/node';
const SCRIPT = '/opt/segstream/dist/cli/segstream.js';

function start(args: string[], env: Record<string, string> = {}, platform = 'linux'): ProcessStart {
  return { platform, execPath: NODE, argv0: 'node', execArgv: ['--max-old-space-size=4096'], argv: [NODE, SCRIPT, ...args], env: { PATH: '/usr/bin', ...env } };
}

describe('arenaExecPlan', () => {
  it('starts rescore and rescore-node again with the same arguments, the tunable and the marker', () => {
    const plan = arenaExecPlan(start(['rescore', '--input', '-', '--json']));
    expect(plan).toEqual({
      path: NODE,
      argv: ['node', '--max-old-space-size=4096', SCRIPT, 'rescore', '--input', '-', '--json'],
      env: ['PATH=/usr/bin', `GLIBC_TUNABLES=${ARENA_TUNABLE}`, `${EXEC_MARKER}=1`],
      keep: [0, 1, 2],
    });
    expect(arenaExecPlan(start(['rescore-node', '--cluster', 'nats://x']))?.argv.slice(3)).toEqual(['rescore-node', '--cluster', 'nats://x']);
  });

  it('appends to tunables already set, keeps a fork IPC channel open', () => {
    const plan = arenaExecPlan(start(['rescore'], { GLIBC_TUNABLES: 'glibc.malloc.perturb=0', NODE_CHANNEL_FD: '3' }));
    expect(plan?.env).toContain(`GLIBC_TUNABLES=glibc.malloc.perturb=0:${ARENA_TUNABLE}`);
    expect(plan?.env.filter((v) => v.startsWith('GLIBC_TUNABLES='))).toHaveLength(1);
    expect(plan?.keep).toEqual([0, 1, 2, 3]);
  });

  it('leaves the process as it is: other commands, switched off, already exec\'d, an arena count chosen, not Linux, a NUL', () => {
    expect(arenaExecPlan(start(['serve', '--data', 'd']))).toBeNull();
    expect(arenaExecPlan(start(['--version']))).toBeNull();
    expect(arenaExecPlan(start([]))).toBeNull();
    expect(arenaExecPlan(start(['rescore'], { SEGSTREAM_MALLOC_ARENA: 'keep' }))).toBeNull();
    expect(arenaExecPlan(start(['rescore'], { [EXEC_MARKER]: '1' }))).toBeNull();
    expect(arenaExecPlan(start(['rescore'], { GLIBC_TUNABLES: 'glibc.malloc.perturb=0:glibc.malloc.arena_max=4' }))).toBeNull();
    expect(arenaExecPlan(start(['rescore'], {}, 'darwin'))).toBeNull();
    expect(arenaExecPlan(start(['rescore', '--input', 'a\0b']))).toBeNull();
  });
});

/** The CDNOW sample (test/fixtures/cdnow) as a `customer_id,ts,amount` CSV. */
function cdnowCsv(): string {
  const lines = readFileSync(join(CDNOW_DIR, 'CDNOW_sample.txt'), 'utf8').trim().split('\n');
  const rows = lines.map((line) => {
    const [, id, d, , dollars] = line.trim().split(/\s+/) as [string, string, string, string, string];
    return `${id},${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)},${dollars}`;
  });
  return `customer_id,ts,amount\n${rows.join('\n')}\n`;
}

/** /proc/PID/environ or cmdline as its strings. */
function procStrings(pid: number, file: 'environ' | 'cmdline'): string[] {
  return readFileSync(`/proc/${pid}/${file}`, 'utf8').split('\0').slice(0, -1);
}

/** Polls until `ok` holds of the process's environment (the exec happened), for up to 20 s. */
async function waitForEnviron(child: ChildProcess, ok: (env: string[]) => boolean): Promise<string[]> {
  for (let i = 0; i < 400; i++) {
    const env = procStrings(child.pid!, 'environ');
    if (ok(env)) return env;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the process never showed the tunable');
}

/** Runs the CLI with the test's environment less the variables that decide the plan, plus `env`. */
function run(args: string[], env: Record<string, string>): { child: ChildProcess; done: Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> } {
  const { GLIBC_TUNABLES: _g, SEGSTREAM_MALLOC_ARENA: _s, [EXEC_MARKER]: _m, ...inherited } = process.env;
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...inherited, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, done };
}

/** A rescore summary without what differs from run to run (the snapshot's name, times, memory). */
function comparable(stdout: string): unknown {
  const { snapshot: _s, timings_ms: _t, rows_per_second: _r, peak_rss_bytes: _p, ...rest } = JSON.parse(stdout) as Record<string, unknown>;
  return rest;
}

const loaded = loadBinding();
const execMissing =
  process.platform !== 'linux' ? 'not Linux' : 'reason' in loaded ? loaded.reason : loaded.binding.processExec === undefined ? 'addon without processExec' : null;
const skipped = execMissing === null ? '' : ` (SKIPPED: ${execMissing})`;
// No tunable set before: glibc 2.36 writes a NUL over each ':' of GLIBC_TUNABLES in place when it
// parses it, so /proc shows only a first one (the appending is checked on the plan above).
const preset = {};
const keepArenas = { SEGSTREAM_MALLOC_ARENA: 'keep' };

describe('segstream rescore under one malloc arena', () => {
  it.skipIf(execMissing !== null)(`execs in place: same PID and arguments, stdin read across the exec, the same summary as without${skipped}`, async () => {
    const csv = cdnowCsv();
    const args = (data: string) => ['rescore', '--input', '-', '--data', data, '--as-of', '1997-09-30', '--json'];
    const dir = tempDir();

    const exec = run(args(join(dir, 'a')), preset);
    const env = await waitForEnviron(exec.child, (e) => e.includes(`${EXEC_MARKER}=1`));
    expect(env).toContain(`GLIBC_TUNABLES=${ARENA_TUNABLE}`);
    expect(procStrings(exec.child.pid!, 'cmdline')).toEqual([process.execPath, CLI, ...args(join(dir, 'a'))]);
    exec.child.stdin!.end(csv);
    const a = await exec.done;
    expect(a.stderr).toBe('');
    expect(a.code).toBe(0);

    const keep = run(args(join(dir, 'b')), keepArenas);
    keep.child.stdin!.end(csv);
    const b = await keep.done;
    expect(b.code).toBe(0);
    expect(JSON.parse(a.stdout).customers).toBe(2357);
    expect(comparable(a.stdout)).toEqual(comparable(b.stdout));
  });

  it.skipIf(execMissing !== null)(`keeps exit codes and signals: a bad input fails with the same code and line, SIGTERM ends it${skipped}`, async () => {
    const bad = 'id,when,amount\n1,2024-01-01,3\n';
    const args = ['rescore', '--input', '-', '--data', join(tempDir(), 'd'), '--json'];
    const exec = run(args, preset);
    await waitForEnviron(exec.child, (e) => e.includes(`${EXEC_MARKER}=1`));
    exec.child.stdin!.end(bad);
    const keep = run(args, keepArenas);
    keep.child.stdin!.end(bad);
    const [a, b] = [await exec.done, await keep.done];
    expect(a.code).not.toBe(0);
    expect([a.code, a.stderr]).toEqual([b.code, b.stderr]);

    const waiting = run(['rescore', '--input', '-', '--data', join(tempDir(), 'e'), '--json'], preset);
    await waitForEnviron(waiting.child, (e) => e.includes(`${EXEC_MARKER}=1`));
    waiting.child.kill('SIGTERM');
    expect(await waiting.done).toMatchObject({ code: null, signal: 'SIGTERM' });
  });
});
