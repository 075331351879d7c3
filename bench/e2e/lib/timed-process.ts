/**
 * One child process, measured as a whole: wall time from spawn to exit, CPU time (user + system,
 * every thread) and peak resident memory. CPU and peak RSS come from GNU time (`/usr/bin/time`,
 * Debian's `time` package), which reads them from the kernel's accounting of the child at exit;
 * without it they are null and callers fall back to what the child reports of itself.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What one run measured. */
export interface TimedRun {
  readonly stdout: string;
  readonly wall_s: number;
  /** User + system CPU seconds of the child and its threads; null without GNU time. */
  readonly cpu_s: number | null;
  /** Peak resident set of the child in bytes (its VmHWM); null without GNU time. */
  readonly peak_rss_bytes: number | null;
}

const TIME_BIN = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

/** Whether CPU time and peak RSS are measured (GNU time is installed). */
export const measuresResources = TIME_BIN !== null;

/** Runs `cmd args` in `cwd` to completion; throws with its stderr when it fails. */
export function timedProcess(cmd: string, args: readonly string[], cwd: string, env?: NodeJS.ProcessEnv): TimedRun {
  const report = join(tmpdir(), `segstream-bench-time-${process.pid}`);
  const [bin, all] = TIME_BIN ? [TIME_BIN, ['-f', '%U %S %M', '-o', report, cmd, ...args]] : [cmd, [...args]];
  const t0 = performance.now();
  const run = spawnSync(bin, all, { cwd, encoding: 'utf8', maxBuffer: 64 << 20, env: env ?? process.env });
  const wall_s = (performance.now() - t0) / 1000;
  if (run.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${run.status ?? run.signal}): ${run.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  if (TIME_BIN === null) return { stdout: run.stdout, wall_s, cpu_s: null, peak_rss_bytes: null };
  // GNU time writes its line last; a child's own stderr never goes into this file.
  const [user, system, maxKib] = readFileSync(report, 'utf8').trim().split('\n').pop()!.split(' ').map(Number) as [number, number, number];
  rmSync(report, { force: true });
  return { stdout: run.stdout, wall_s, cpu_s: user + system, peak_rss_bytes: maxKib * 1024 };
}
