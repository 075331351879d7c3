/**
 * The piscina worker (compiled to dist/engine/pool/worker.js): dispatches a task, and reports a
 * failure on the task's port with its SEG_ERR code so the main thread can rethrow the same class.
 */
import type { SegError } from '../errors.js';
import { type PoolTask, runAggregate, runMerge } from './worker-tasks.js';

/** Runs one pool task; `null` is the start-up probe (worker-pool.ts), answered once this module has loaded. */
export default async function runTask(task: PoolTask | null): Promise<void> {
  if (task === null) return;
  try {
    if (task.kind === 'aggregate') await runAggregate(task);
    else runMerge(task);
  } catch (err) {
    const code = (err as Partial<SegError> | null)?.code;
    const message = err instanceof Error ? err.message : String(err);
    task.port.postMessage({ type: 'error', code: typeof code === 'string' ? code : undefined, message });
  }
  // The main thread closes the channel once it has the result: closing here could drop it.
}
