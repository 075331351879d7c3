/**
 * Child-process entry of a rescore job (rescore-jobs.ts): takes its input as the first message
 * from the server, lowers the CPU priority of every one of its threads, and runs `rescore()` as
 * the CLI does (the parallel pipeline on `workers` threads), folding in the event archive and
 * the sealed log segments above it up to the one it is given; rescore marks the snapshot with
 * them (engine/wal/event-fold.ts, folded-marker.ts).
 * Messages to the parent: `progress` (at most every 250 ms), then `done` or `error`.
 *
 * A job's process must not outlive its server (a server killed mid-job and restarted would
 * otherwise have an orphan publishing beside its next job): when the channel to the parent
 * closes, the process kills itself at once.
 */
import { readdirSync } from 'node:fs';
import { setPriority } from 'node:os';
import { loadConfig } from '../config/load-config.js';
import { SegError } from '../errors.js';
import { buildColumnMap } from '../read/column-map.js';
import { rescore } from '../rescore/rescore.js';
import { capMessage, isUnwritable, outputError } from '../snapshot/output-error.js';
import type { RescoreWorkerInput, RescoreWorkerMessage } from './rescore-messages.js';

process.on('disconnect', () => process.kill(process.pid, 'SIGKILL'));

/**
 * Linux sets the nice value per thread, and V8's and libuv's threads started before this code
 * ran: each one of /proc/self/task is lowered. Threads started later (the pool's workers)
 * inherit the value of the thread that starts them.
 */
function lowerPriority(nice: number): void {
  let tasks: string[] = [];
  try {
    tasks = readdirSync('/proc/self/task');
  } catch {
    // No /proc (not Linux): the process's priority is all there is to set.
  }
  for (const tid of tasks.length > 0 ? tasks.map(Number) : [0]) {
    try {
      setPriority(tid, nice);
    } catch {
      // A thread that ended meanwhile, or a sandbox that forbids it: the job still runs.
    }
  }
}

/** Sends a message; resolves once it is handed to the channel. */
function post(m: RescoreWorkerMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send?.(m, () => resolve())) resolve();
  });
}

async function run(job: RescoreWorkerInput): Promise<void> {
  lowerPriority(job.nice);
  let lastProgress = 0;
  try {
    const config = await loadConfig(job.configPath);
    const summary = await rescore({
      input: job.input,
      dataDir: job.dataDir,
      config,
      ...(job.workers > 0 ? { workers: job.workers } : {}),
      ...(job.asOf !== undefined ? { asOf: job.asOf } : {}),
      ...(job.force !== undefined ? { force: job.force } : {}),
      columns: buildColumnMap(config.input.columns, job.columns),
      ...(job.tsFormat !== undefined ? { tsFormat: job.tsFormat } : {}),
      ...(job.decimal !== undefined ? { decimal: job.decimal } : {}),
      ...(job.walThrough > 0 ? { wal: { dir: job.walDir, through: job.walThrough } } : {}),
      onProgress: (p) => {
        const now = Date.now();
        if (now - lastProgress < 250) return;
        lastProgress = now;
        void post({ type: 'progress', progress: { rows: p.rows, bytes_read: p.bytesRead, bytes_total: p.bytesTotal } });
      },
    });
    await post({ type: 'done', summary });
  } catch (error) {
    // A full or read-only disk is the operator's to fix, not an internal error: say so with its code, in one line.
    const e = !(error instanceof SegError) && isUnwritable(error) ? outputError(error, `the snapshot under ${job.dataDir}`) : (error as Error);
    await post({ type: 'error', code: e instanceof SegError ? e.code : 'SEG_ERR_INTERNAL', message: capMessage(e?.message ?? String(error)) });
  }
  // The pool's threads and open handles must not keep a finished job's process alive.
  process.exit(0);
}

process.once('message', (job: RescoreWorkerInput) => void run(job));
