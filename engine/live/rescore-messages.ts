/** What a rescore job's process is given and what it says back (rescore-worker.ts). */
import type { RescoreSummary } from '../rescore/rescore.js';
import type { ColumnNames } from '../read/column-map.js';

/** The process's input: the first message its parent sends. */
export interface RescoreWorkerInput {
  readonly input: string;
  readonly dataDir: string;
  readonly asOf?: string;
  readonly configPath?: string;
  readonly walDir: string;
  /** Fold the sealed log segments above the event archive up to this one in (the archive is always folded in); 0: none of the log. */
  readonly walThrough: number;
  /** Publish even when the publishing guard refuses. */
  readonly force?: boolean;
  /** Source columns the job's input names differently (over the config's input.columns; the rest keep the contract names). */
  readonly columns?: ColumnNames;
  /** Timestamp format and decimal mark; default: the config's input block. */
  readonly tsFormat?: string;
  readonly decimal?: 'auto' | '.' | ',';
  /** Worker threads of the parallel rescore, as the CLI's `--workers` (0: all on the process's main thread). */
  readonly workers: number;
  /** Nice value every thread of the process takes before it starts. */
  readonly nice: number;
}

/** Progress of a running job. */
export interface JobProgress {
  readonly rows: number;
  readonly bytes_read: number;
  /** -1 when unknown. */
  readonly bytes_total: number;
}

/** A message from the process. */
export type RescoreWorkerMessage =
  | { readonly type: 'progress'; readonly progress: JobProgress }
  | { readonly type: 'done'; readonly summary: RescoreSummary }
  | { readonly type: 'error'; readonly code: string; readonly message: string };
