/**
 * The worker pool of a `segstream rescore` and its model thread, started before the CLI loads
 * its modules: loading them (commander, the rescore and its ~300 modules) keeps this thread busy
 * ~0.45 s while the other core idles, and a worker thread needs 60-240 ms to start (its isolate
 * and the bundle), which otherwise fell inside the read, its first share waiting (at two workers
 * on two cores both starts, the model thread's and the main thread's sniff and plan shared the
 * cores). The command takes this pool (engine/pool/worker-pool.ts `takePool`) when its
 * `--workers` says as many threads, and releases it otherwise (a `--cluster` from the config
 * file, a failure before the read).
 */
import { availableParallelism } from 'node:os';

/**
 * Threads the rescore of command line `args` (argv without node and the script) will run its pool
 * on, read as rescore-command.ts reads them; 0 for any other command, standard input, `--cluster`,
 * help, or a `--workers` it would refuse.
 */
export function earlyPoolThreads(args: readonly string[]): number {
  if (args.find((a) => !a.startsWith('-')) !== 'rescore') return 0;
  let workers: number | null = null;
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = splitOption(args[i]!);
    const value = (): string | undefined => inline ?? args[i + 1];
    if (flag === '--help' || flag === '-h' || flag === '--cluster') return 0;
    if (flag === '--input' && value() === '-') return 0;
    // Commander takes the last of a repeated option, through Number.parseInt.
    if (flag === '--workers') workers = Number.parseInt(value() ?? '', 10);
  }
  if (workers === null) return availableParallelism();
  return Number.isInteger(workers) && workers >= 1 ? workers : 0;
}

/** `--name=value` as its name and value; any other word as itself with no value. */
function splitOption(arg: string): [string, string | undefined] {
  const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
  return eq < 0 ? [arg, undefined] : [arg.slice(0, eq), arg.slice(eq + 1)];
}

/**
 * Starts the pool of a rescore of `args`, when it will have one, and the model thread a rescore
 * with a pool fits on (unless its config says otherwise: then that thread ends with the process).
 */
export async function startEarlyPool(args: readonly string[]): Promise<void> {
  const threads = earlyPoolThreads(args);
  if (threads === 0) return;
  (await import('../engine/pool/worker-pool.js')).prestartPool(threads);
  (await import('../engine/rescore/model-thread.js')).ModelThread.prestart();
}
