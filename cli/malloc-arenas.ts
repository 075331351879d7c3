/**
 * One glibc malloc arena for the rescore. glibc gives each thread that allocates its own arena
 * (64 MiB heaps, up to 8 per core); the pool's workers and the addon's threads free big blocks
 * there, glibc hands them back to the kernel and the next batch faults them in again
 * (docs/performance.md, "one malloc arena"). `GLIBC_TUNABLES=glibc.malloc.arena_max=1` avoids
 * that, but glibc reads it only when a program starts (mallopt from the addon came too late), and
 * a child process started with it would outlive a `kill -9` of the segstream the user started.
 * So the process replaces its own image with execve(2) (the addon's processExec): same PID, same
 * parent, same stdio descriptors, same arguments, the environment plus the tunable and a marker.
 *
 * Called first thing by cli/segstream.ts, before any module that starts a thread or touches
 * stdin/stdout is loaded: bytes of `--input -` not read yet stay in the pipe for the new image,
 * and no stdio descriptor has been made non-blocking.
 */
import { nativeBinding } from '../engine/kernels/native-binding.js';

/** The tunable the new image starts with. */
export const ARENA_TUNABLE = 'glibc.malloc.arena_max=1';

/** Set in the new image's environment: that process never execs again, whatever glibc made of the tunable. */
export const EXEC_MARKER = 'SEGSTREAM_MALLOC_ARENA_EXEC';

/** `SEGSTREAM_MALLOC_ARENA=keep` keeps glibc's default arenas (no exec). */
export const ARENA_SWITCH = 'SEGSTREAM_MALLOC_ARENA';

/** The commands whose run is measured better with one arena (docs/performance.md); `serve` and the rest were not measured. */
const COMMANDS: ReadonlySet<string> = new Set(['rescore', 'rescore-node']);

/** What `processExec` is given: the program, its arguments, its environment and the descriptors it keeps. */
export interface ExecPlan {
  path: string;
  argv: string[];
  env: string[];
  /** stdin, stdout, stderr, and the IPC channel of a parent that forked us (NODE_CHANNEL_FD): node marked them close-on-exec. */
  keep: number[];
}

/** The parts of `process` the plan depends on. */
export interface ProcessStart {
  platform: string;
  execPath: string;
  argv0: string;
  execArgv: readonly string[];
  argv: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
}

/**
 * The exec that starts this command again with one malloc arena, or null when it should run as it
 * is: not Linux, another command, switched off, already exec'd, or `GLIBC_TUNABLES` already
 * choosing an arena count (the user's choice stands).
 */
export function arenaExecPlan(start: ProcessStart): ExecPlan | null {
  const { env } = start;
  if (start.platform !== 'linux' || env[ARENA_SWITCH] === 'keep' || env[EXEC_MARKER] !== undefined) return null;
  // The same rule as cli/segstream.ts: the first word that is not an option names the command.
  const command = start.argv.slice(2).find((a) => !a.startsWith('-'));
  if (command === undefined || !COMMANDS.has(command)) return null;
  const tunables = env['GLIBC_TUNABLES'];
  if (tunables?.split(':').some((t) => t.startsWith('glibc.malloc.arena_max='))) return null;
  const vars = Object.entries(env).flatMap(([k, v]) => (v === undefined || k === 'GLIBC_TUNABLES' ? [] : [`${k}=${v}`]));
  vars.push(`GLIBC_TUNABLES=${tunables ? `${tunables}:${ARENA_TUNABLE}` : ARENA_TUNABLE}`, `${EXEC_MARKER}=1`);
  const channel = Number(env['NODE_CHANNEL_FD']);
  const keep = Number.isInteger(channel) && channel > 2 ? [0, 1, 2, channel] : [0, 1, 2];
  const plan = { path: start.execPath, argv: [start.argv0, ...start.execArgv, ...start.argv.slice(1)], env: vars, keep };
  // A C string ends at its first NUL: such an argument could not be passed on as it is.
  return [plan.path, ...plan.argv, ...plan.env].some((s) => s.includes('\0')) ? null : plan;
}

/** The strings as one block of NUL-terminated UTF-8 (the addon's string lists). */
function cStrings(strings: readonly string[]): Uint8Array {
  return new TextEncoder().encode(strings.map((s) => `${s}\0`).join(''));
}

/**
 * Replaces the process with itself started under one malloc arena when `arenaExecPlan` says so.
 * Returns only when it did not exec (no plan, no addon, or execve failed: the run goes on with
 * glibc's default arenas, the errno on stderr with SEGSTREAM_DEBUG).
 */
export function execWithOneArena(start: ProcessStart = process): void {
  const plan = arenaExecPlan(start);
  if (plan === null) return;
  const b = nativeBinding();
  if (b?.processExec === undefined) return;
  const errno = b.processExec(cStrings([plan.path]), cStrings(plan.argv), cStrings(plan.env), Int32Array.from(plan.keep));
  if (start.env['SEGSTREAM_DEBUG']) process.stderr.write(`segstream: exec with ${ARENA_TUNABLE} failed (errno ${errno}); default malloc arenas\n`);
}
