/**
 * The model thread's entry (compiled to dist/engine/rescore/model-thread-main.js; model-thread.ts
 * starts it): one job, fit-predictions.ts `fitPredictions`, answered with the prediction columns
 * moved, not copied.
 */
import { parentPort } from 'node:worker_threads';
import { fitPredictions } from './fit-predictions.js';
import type { ModelJob, ModelReply } from './model-thread.js';

parentPort?.once('message', (job: ModelJob) => {
  let reply: ModelReply;
  try {
    reply = { ok: fitPredictions(job.table, job.config, job.opts) };
  } catch (err) {
    reply = { error: err instanceof Error ? err.message : String(err) };
  }
  const columns = 'ok' in reply ? Object.values(reply.ok.columns).map((c) => c.buffer as ArrayBuffer) : [];
  parentPort?.postMessage(reply, columns);
});
