/**
 * Worker-thread entry of a rescore job: runs `rescore()` off the server's event loop, folding in
 * the event archive and the sealed log segments above it up to the one it is given; rescore
 * marks the snapshot with them (engine/wal/event-fold.ts, folded-marker.ts).
 * Messages to the parent: `progress` (at most every 250 ms), then `done` or `error`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadConfig } from '../config/load-config.js';
import { SegError } from '../errors.js';
import { buildColumnMap } from '../read/column-map.js';
import { rescore } from '../rescore/rescore.js';
import { capMessage, isUnwritable, outputError } from '../snapshot/output-error.js';
import type { RescoreWorkerInput, RescoreWorkerMessage } from './rescore-messages.js';

const job = workerData as RescoreWorkerInput;
const post = (m: RescoreWorkerMessage) => parentPort!.postMessage(m);
let lastProgress = 0;

try {
  const config = await loadConfig(job.configPath);
  const summary = await rescore({
    input: job.input,
    dataDir: job.dataDir,
    config,
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
      post({ type: 'progress', progress: { rows: p.rows, bytes_read: p.bytesRead, bytes_total: p.bytesTotal } });
    },
  });
  post({ type: 'done', summary });
} catch (error) {
  // A full or read-only disk is the operator's to fix, not an internal error: say so with its code, in one line.
  const e = !(error instanceof SegError) && isUnwritable(error) ? outputError(error, `the snapshot under ${job.dataDir}`) : (error as Error);
  post({ type: 'error', code: e instanceof SegError ? e.code : 'SEG_ERR_INTERNAL', message: capMessage(e?.message ?? String(error)) });
}
