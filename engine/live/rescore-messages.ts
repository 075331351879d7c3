/** What a rescore job's worker is given and what it says back (rescore-worker.ts). */
import type { RescoreSummary } from '../rescore/rescore.js';

/** The worker's input. */
export interface RescoreWorkerInput {
  readonly input: string;
  readonly dataDir: string;
  readonly asOf?: string;
  readonly configPath?: string;
  readonly walDir: string;
  /** Fold the log segments <= this in; 0 folds none. */
  readonly walThrough: number;
}

/** Progress of a running job. */
export interface JobProgress {
  readonly rows: number;
  readonly bytes_read: number;
  /** -1 when unknown. */
  readonly bytes_total: number;
}

/** A message from the worker. */
export type RescoreWorkerMessage =
  | { readonly type: 'progress'; readonly progress: JobProgress }
  | { readonly type: 'done'; readonly summary: RescoreSummary }
  | { readonly type: 'error'; readonly code: string; readonly message: string };
