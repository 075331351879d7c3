/**
 * A snapshot's report built in a child process (report-child.ts) at the lowest CPU priority:
 * on a base of millions a report scans every customer of two snapshots for a few seconds, which
 * a server's serving thread must not spend. The server keeps what comes back.
 */
import { fork } from 'node:child_process';
import { constants, setPriority } from 'node:os';
import { fileURLToPath } from 'node:url';
import { ERROR_CODES, InternalError } from '../errors.js';
import type { ReportData } from './report-data.js';

/** A report without the campaign parts, which are read fresh on every request. */
export type SnapshotReport = Omit<ReportData, 'campaign' | 'campaigns'>;

/** What the child is asked. */
export interface ReportChildRequest {
  readonly dataDir: string;
  readonly snapshot: string;
  /** The snapshot compared with; null: none. */
  readonly compare: string | null;
}

/** What the child answers. */
export type ReportChildMessage =
  | { readonly type: 'done'; readonly report: SnapshotReport }
  | { readonly type: 'error'; readonly message: string; readonly code?: string };

const FROM_SOURCE = import.meta.url.endsWith('.ts');
const CHILD = fileURLToPath(new URL(`./report-child.${FROM_SOURCE ? 'ts' : 'js'}`, import.meta.url));

/** Builds the report of `req.snapshot` against `req.compare` in a child process. */
export function buildReportInChild(req: ReportChildRequest): Promise<SnapshotReport> {
  return new Promise((resolve, reject) => {
    const execArgv = FROM_SOURCE ? ['--import', import.meta.resolve('tsx')] : [];
    const child = fork(CHILD, [], { execArgv, serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    if (child.pid !== undefined) {
      try {
        setPriority(child.pid, constants.priority.PRIORITY_LOW);
      } catch {
        // Not allowed here (a sandbox): the report is still built, at normal priority.
      }
    }
    let settled = false;
    child.once('message', (m: ReportChildMessage) => {
      settled = true;
      if (m.type === 'done') return resolve(m.report);
      const Class = m.code === undefined ? undefined : ERROR_CODES[m.code as keyof typeof ERROR_CODES];
      reject(Class ? new Class(m.message) : new InternalError(`building the report failed: ${m.message}`));
    });
    child.on('error', (error) => {
      if (!settled) reject(new InternalError(`building the report failed: ${error.message}`, { cause: error }));
      settled = true;
    });
    child.on('exit', (code, signal) => {
      if (!settled) reject(new InternalError(`the report process exited with ${signal ?? `code ${code}`}`));
      settled = true;
    });
    child.send(req);
  });
}

/** Reports kept, each a snapshot pair (snapshots never change once published). */
const KEPT_REPORTS = 4;
const keptReports = new Map<string, Promise<SnapshotReport>>();

/**
 * The report of a snapshot pair as the server's routes ask for it: built once, in a child process
 * (it scans every customer of two snapshots, never on the serving thread), and kept; requests
 * that arrive meanwhile, from `GET /v1/report` or `GET /v1/lost`, wait for the same build.
 */
export function keptReport(dataDir: string, snapshot: string, compare: string | null): Promise<SnapshotReport> {
  const key = `${dataDir}|${snapshot}|${compare ?? ''}`;
  let report = keptReports.get(key);
  if (report === undefined) {
    report = buildReportInChild({ dataDir, snapshot, compare });
    keptReports.set(key, report);
    // A failed build is not kept: the next request tries again.
    report.catch(() => keptReports.delete(key));
    while (keptReports.size > KEPT_REPORTS) keptReports.delete(keptReports.keys().next().value!);
  }
  return report;
}
