/**
 * Rescore jobs of a running server: one at a time, each in a child process at the lowest CPU
 * priority (nice 19), running the CLI's parallel pipeline (`rescore()` on every core), so the
 * serving thread keeps its cores whenever it has work: lookups during a job keep their latency.
 * A job seals the current log segment, the child folds the sealed segments in, and on success
 * the store swaps to the new snapshot. A job has a time limit and can be cancelled: either kills
 * the child, so nothing it wrote goes live unless it was already inside its publish (atomic,
 * like a crash there). A child whose server is gone kills itself (rescore-worker.ts).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { availableParallelism, constants, setPriority } from 'node:os';
import { fileURLToPath } from 'node:url';
import { capMessage, JobCancelledError, JobNotFoundError, JobRunningError, JobTimeoutError, type SegError } from '../errors.js';
import type { ColumnNames } from '../read/column-map.js';
import type { RescoreSummary } from '../rescore/rescore.js';
import type { JobProgress, RescoreWorkerInput, RescoreWorkerMessage } from './rescore-messages.js';
import { LiveStore } from './live-store.js';

/** What a caller asks a job to do. */
export interface RescoreJobRequest {
  readonly input: string;
  readonly asOf?: string;
  readonly configPath?: string;
  /** Fold the live event log in (default true). */
  readonly includeLog?: boolean;
  /** Publish even when the publishing guard refuses (DESIGN "A bad run never goes live"). */
  readonly force?: boolean;
  /** Source column of each contract field the input names differently (over the config's input.columns). */
  readonly columns?: ColumnNames;
  /** Timestamp format and decimal mark (over the config's input.ts_format and input.decimal). */
  readonly tsFormat?: string;
  readonly decimal?: 'auto' | '.' | ',';
}

/** A job as the API shows it. */
export interface JobInfo {
  readonly id: string;
  status: 'running' | 'succeeded' | 'failed' | 'cancelled';
  readonly input: string;
  readonly started_at: string;
  finished_at: string | null;
  progress: JobProgress;
  summary: RescoreSummary | null;
  error: { code: string; message: string } | null;
}

/** Observers, for metrics. */
export interface RescoreJobHooks {
  onFinished?(job: JobInfo, seconds: number): void;
}

/** Default time limit of a job: the nightly 100M-row base takes minutes, a wedged job never ends. */
export const DEFAULT_JOB_TIMEOUT_MS = 4 * 3600 * 1000;

const KEEP_JOBS = 50;

const FROM_SOURCE = import.meta.url.endsWith('.ts');
const WORKER_URL = new URL(`./rescore-worker.${FROM_SOURCE ? 'ts' : 'js'}`, import.meta.url);

/** Nice value of a job's process: the lowest priority, so the server's threads always run first. */
export const JOB_NICE = constants.priority.PRIORITY_LOW;

/** A child process running rescore-worker, from source under tsx (vitest, `node --import tsx`). */
function startChild(): ChildProcess {
  const execArgv = FROM_SOURCE ? ['--import', import.meta.resolve('tsx')] : [];
  const child = fork(fileURLToPath(WORKER_URL), [], { execArgv, serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  // The child lowers all its threads itself; this covers its main thread from the first moment.
  if (child.pid !== undefined) {
    try {
      setPriority(child.pid, JOB_NICE);
    } catch {
      // Not allowed here (a sandbox): the job still runs, at normal priority.
    }
  }
  return child;
}

/** The jobs of one server. */
export class RescoreJobs {
  private readonly jobs = new Map<string, JobInfo>();
  private running: JobInfo | null = null;
  private done: Promise<void> = Promise.resolve();
  private child: ChildProcess | null = null;
  /** Why the running job is being stopped (cancel, time limit, shutdown); null while it may go on. */
  private stopping: SegError | null = null;

  constructor(
    private readonly store: LiveStore,
    private readonly hooks: RescoreJobHooks = {},
    private readonly timeoutMs: number = DEFAULT_JOB_TIMEOUT_MS,
  ) {}

  /** Starts a job; JobRunningError while another runs. */
  start(req: RescoreJobRequest): JobInfo {
    if (this.running) throw new JobRunningError(`rescore job ${this.running.id} is still running`);
    const job: JobInfo = {
      id: randomUUID(),
      status: 'running',
      input: req.input,
      started_at: new Date().toISOString(),
      finished_at: null,
      progress: { rows: 0, bytes_read: 0, bytes_total: -1 },
      summary: null,
      error: null,
    };
    this.running = job;
    this.jobs.set(job.id, job);
    for (const id of [...this.jobs.keys()].slice(0, Math.max(0, this.jobs.size - KEEP_JOBS))) this.jobs.delete(id);
    this.done = this.run(job, req);
    return job;
  }

  /** A job by id; JobNotFoundError when unknown. */
  get(id: string): JobInfo {
    const job = this.jobs.get(id);
    if (!job) throw new JobNotFoundError(`no job ${id}`);
    return job;
  }

  /** The running job, if any. */
  get current(): JobInfo | null {
    return this.running;
  }

  /** Resolves when the running job (if any) has finished. */
  idle(): Promise<void> {
    return this.done;
  }

  /** Cancels a running job (its record says `cancelled`); a finished job is returned as it is. */
  async cancel(id: string): Promise<JobInfo> {
    const job = this.get(id);
    if (job === this.running) {
      this.abort(new JobCancelledError(`job ${id} was cancelled`));
      await this.done;
    }
    return job;
  }

  /** Stops a running job's process (at shutdown); its snapshot is not published unless it already was. */
  async stop(): Promise<void> {
    if (this.running) this.abort(new JobCancelledError('the server shut down while the job ran'));
    await this.done;
  }

  /** Kills the running job's process, once, recording why. */
  private abort(reason: SegError): void {
    if (this.stopping) return;
    this.stopping = reason;
    this.child?.kill('SIGKILL');
  }

  private async run(job: JobInfo, req: RescoreJobRequest): Promise<void> {
    const t0 = performance.now();
    this.stopping = null;
    const minutes = Math.round(this.timeoutMs / 60_000);
    const limit = setTimeout(() => this.abort(new JobTimeoutError(`job ${job.id} ran past its time limit (${minutes >= 1 ? `${minutes} min` : `${this.timeoutMs} ms`}) and was stopped`)), this.timeoutMs);
    limit.unref();
    try {
      const through = req.includeLog === false ? 0 : await this.store.wal.rotate();
      if (this.stopping) throw this.stopping;
      const input: RescoreWorkerInput = {
        input: req.input,
        dataDir: this.store.dataDir,
        walDir: LiveStore.walDir(this.store.dataDir),
        walThrough: through,
        ...(req.asOf !== undefined ? { asOf: req.asOf } : {}),
        ...(req.configPath !== undefined ? { configPath: req.configPath } : {}),
        ...(req.force !== undefined ? { force: req.force } : {}),
        ...(req.columns !== undefined ? { columns: req.columns } : {}),
        ...(req.tsFormat !== undefined ? { tsFormat: req.tsFormat } : {}),
        ...(req.decimal !== undefined ? { decimal: req.decimal } : {}),
        workers: availableParallelism(),
        nice: JOB_NICE,
      };
      const summary = await runChild(input, (p) => (job.progress = p), (c) => {
        this.child = c;
        // Stopped while the log was rotating: the process ends before it reads anything.
        if (this.stopping) c.kill('SIGKILL');
      });
      await this.store.install(summary.snapshot, through);
      job.summary = summary;
      job.status = 'succeeded';
    } catch (error) {
      // A killed process only says it exited (an error without a code): the reason it was
      // stopped is the error then. A coded failure that came first stays what it was.
      const coded = (error as { code?: unknown } | null)?.code !== undefined;
      const e = (coded || !this.stopping ? error : this.stopping) as Error & { code?: string };
      job.status = e instanceof JobCancelledError ? 'cancelled' : 'failed';
      job.error = { code: e.code ?? 'SEG_ERR_INTERNAL', message: capMessage(String(e.message)) };
    } finally {
      clearTimeout(limit);
      this.stopping = null;
      job.finished_at = new Date().toISOString();
      this.running = null;
      this.child = null;
      this.hooks.onFinished?.(job, (performance.now() - t0) / 1000);
    }
  }
}

function runChild(input: RescoreWorkerInput, onProgress: (p: JobProgress) => void, onStart: (c: ChildProcess) => void): Promise<RescoreSummary> {
  return new Promise((resolve, reject) => {
    const child = startChild();
    onStart(child);
    let settled = false;
    child.on('message', (m: RescoreWorkerMessage) => {
      if (m.type === 'progress') onProgress(m.progress);
      else if (m.type === 'done') {
        settled = true;
        resolve(m.summary);
      } else {
        settled = true;
        reject(Object.assign(new Error(m.message), { code: m.code }));
      }
    });
    child.on('error', (e) => {
      if (!settled) reject(e);
      settled = true;
    });
    // 'close', not 'exit': it comes after the channel's last message, so a `done` sent just before the exit is read first.
    child.on('close', (code, signal) => {
      if (!settled) reject(new Error(`the rescore process exited with ${signal ?? `code ${code}`}`));
      settled = true;
    });
    child.send(input);
  });
}
