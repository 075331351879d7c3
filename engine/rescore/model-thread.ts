/**
 * The model fit on a thread of its own, so that the rescore scores the base and encodes the
 * snapshot's other columns while BG/NBD and Gamma-Gamma are fitted (when no rule reads a
 * prediction). The thread is started early, while the workers read, so its modules (the
 * special functions' ~150 small packages) load off the critical path; it runs exactly
 * fit-predictions.ts `fitPredictions`, so the result is the one the calling thread would get.
 *
 *   main:   start thread ── read + aggregate ── fit(table) ┬─ score, encode others ─┬─ encode predictions ── publish
 *   thread: load modules ──────────────────────────────────└─ fitPredictions ───────┘
 */
import { Worker } from 'node:worker_threads';
import type { Config } from '../config/config-schema.js';
import type { ModelResult } from '../model/fit-models.js';
import { PREDICTION_COLUMNS } from '../segment/scored-base.js';
import { threadFile } from '../thread-file.js';
import type { FitPredictionsOptions } from './fit-predictions.js';
import type { ModelTable } from './model-table.js';

/** What the thread is sent: the columns the fit reads, the config and the options. */
export interface ModelJob {
  readonly table: ModelTable;
  readonly config: Config;
  readonly opts: FitPredictionsOptions;
}

/** What the thread answers. */
export type ModelReply = { readonly ok: ModelResult } | { readonly error: string };


/** A thread started ahead of its rescore (prestart), for the next `start`. */
let early: Worker | null = null;

/** A started model thread: one fit, then it ends. */
export class ModelThread {
  private constructor(private readonly worker: Worker) {}

  /** Starts the thread (or takes the one prestarted), or null when its file is not built (the fit then runs on the calling thread). */
  static start(): ModelThread | null {
    const worker = early ?? ModelThread.newWorker();
    early = null;
    return worker === null ? null : new ModelThread(worker);
  }

  /**
   * Starts the thread the next `start` takes, before the rescore knows it will want one: the CLI
   * starts it with the pool's (cli/early-pool.ts), while its own modules load and a core idles,
   * instead of inside the read. A thread no rescore takes ends with the process.
   */
  static prestart(): void {
    early ??= ModelThread.newWorker();
  }

  private static newWorker(): Worker | null {
    const file = threadFile(import.meta.url, 'model-thread-main');
    const worker = file === null ? null : new Worker(file);
    // An idle thread must not keep the process alive after a failed rescore, or one that fits here.
    worker?.unref();
    return worker;
  }

  /** Fits the models of `job` on the thread; the thread ends after it answers. */
  fit(job: ModelJob): Promise<ModelResult> {
    return new Promise<ModelResult>((resolve, reject) => {
      this.worker.once('message', (reply: ModelReply) => {
        void this.worker.terminate();
        if ('ok' in reply) resolve(reply.ok);
        else reject(new Error(`the model fit failed: ${reply.error}`));
      });
      this.worker.once('error', reject);
      this.worker.postMessage(job);
    });
  }

  /** Ends the thread without a fit (a rescore that failed or has models disabled). */
  close(): void {
    void this.worker.terminate();
  }
}

/** Whether a segment, lifecycle or lost-reason rule of `config` tests a prediction, so scoring must wait for the fit. */
export function rulesReadPredictions(config: Config): boolean {
  const rules: ReadonlyArray<{ readonly when?: Readonly<Record<string, unknown>> | undefined }> = [
    ...config.segments,
    ...(config.lifecycle.rules ?? []),
    ...config.lost_reasons,
  ];
  return rules.some((rule) => Object.keys(rule.when ?? {}).some((field) => PREDICTION_COLUMNS.has(field)));
}
