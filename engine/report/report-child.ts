/**
 * Child-process entry of report-process.ts: reads a snapshot and the one it is compared with
 * from disk and builds their report (load-report.ts), so the scan of every customer, the
 * migration and the lost report never run on a server's serving thread. Takes its request as
 * the first message, answers `done` or `error`, and exits; dies with its parent.
 */
import { ERROR_CODES, SegError } from '../errors.js';
import { loadReport } from './load-report.js';
import type { ReportChildMessage, ReportChildRequest } from './report-process.js';

process.on('disconnect', () => process.kill(process.pid, 'SIGKILL'));

process.once('message', (req: ReportChildRequest) => {
  const reply = (m: ReportChildMessage) => process.send!(m, () => process.exit(0));
  loadReport(req.dataDir, { snapshot: req.snapshot, compare: req.compare ?? undefined }).then(
    ({ campaign: _c, campaigns: _n, ...report }) => reply({ type: 'done', report }),
    (error: unknown) => {
      const code = error instanceof SegError && error.code in ERROR_CODES ? error.code : undefined;
      reply({ type: 'error', message: error instanceof Error ? error.message : String(error), ...(code ? { code } : {}) });
    },
  );
});
