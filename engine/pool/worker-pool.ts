/**
 * A piscina pool of segstream workers, and `runTask`, which hands a task its own MessageChannel
 * and resolves with the result message posted on it (progress messages go to a callback).
 */
import { MessageChannel, type TransferListItem } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { ERROR_CODES, type SegError } from '../errors.js';
import { threadFile } from '../thread-file.js';
import type { PoolMessage, PoolTask } from './worker-tasks.js';

/** The compiled worker file (thread-file.ts). */
export function workerFile(): string {
  const file = threadFile(import.meta.url, 'worker');
  if (file === null) throw new Error('the worker pool needs dist/engine/pool/worker.js: run `npm run build` first');
  return file;
}

/** A started pool of `threads` workers. */
export function startPool(threads: number): Piscina {
  const pool = new Piscina({ filename: workerFile(), minThreads: threads, maxThreads: threads, idleTimeout: 60_000 });
  // One probe per thread (a thread runs one task at a time, so each takes one): a probe answers
  // only once its thread has loaded the task module.
  const probes = Array.from({ length: threads }, () => pool.run(null).catch(() => undefined));
  poolStarted.set(pool, Promise.all(probes).then(() => undefined));
  return pool;
}

/**
 * A pool started ahead of its stage: a rescore from the CLI starts its workers before it loads
 * its own modules (cli/early-pool.ts), so that their threads start (60-240 ms each) on the core
 * the loading leaves idle and are up before the main thread lists, opens and sniffs the input.
 */
let early: { readonly threads: number; readonly pool: Piscina } | null = null;

/** Starts the pool the next `takePool(threads)` will get (nothing when one waits already). */
export function prestartPool(threads: number): void {
  if (early === null && Number.isInteger(threads) && threads >= 1) early = { threads, pool: startPool(threads) };
}

/** The prestarted pool when it has `threads` threads (then the caller's to close), else a new one. */
export function takePool(threads: number): Piscina {
  const waiting = early;
  if (waiting !== null && waiting.threads === threads) {
    early = null;
    return waiting.pool;
  }
  return startPool(threads);
}

/** Closes a prestarted pool no stage took (a run that failed before reading, or read standard input). */
export async function releasePrestartedPool(): Promise<void> {
  const waiting = early;
  early = null;
  if (waiting !== null) await closePool(waiting.pool);
}

// Time a pool waits at close for threads still starting.
const STARTUP_WAIT_MS = 10_000;
const poolStarted = new WeakMap<Piscina, Promise<void>>();

/**
 * Destroys a pool, first letting threads that are still starting finish: terminating a worker
 * while it instantiates its ES modules aborts the whole process in Node 20 ("FATAL ERROR:
 * v8::Module::IsGraphAsync must be used on an instantiated module"), which a job failing on its
 * first bad input did, before the other threads were up.
 */
export async function closePool(pool: Piscina): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const waited = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, STARTUP_WAIT_MS);
  });
  await Promise.race([poolStarted.get(pool), waited]);
  clearTimeout(timer);
  await pool.destroy();
}

const retiring = new Set<Promise<void>>();

/**
 * Closes `pool` in the background (closePool): the stage that used it returns without waiting
 * for its threads to end (13-37 ms of the read's wall time, at one worker as at two). The
 * process stays up until they have; `poolsRetired` waits for them.
 */
export function retirePool(pool: Piscina): void {
  const closing: Promise<void> = closePool(pool)
    .catch(() => undefined)
    .finally(() => retiring.delete(closing));
  retiring.add(closing);
}

/** Resolves once every pool handed to `retirePool` so far has closed. */
export async function poolsRetired(): Promise<void> {
  await Promise.all(retiring);
}

type TaskWithoutPort<T> = T extends PoolTask ? Omit<T, 'port'> : never;

/** Runs `task` on the pool; resolves with its result message, rejects with the worker's error. */
export async function runTask(
  pool: Piscina,
  task: TaskWithoutPort<PoolTask>,
  transferList: TransferListItem[],
  onProgress: (rows: number, bytes: number) => void,
): Promise<PoolMessage> {
  const { port1, port2 } = new MessageChannel();
  const result = new Promise<PoolMessage>((resolve, reject) => {
    port1.on('message', (msg: PoolMessage) => {
      if (msg.type === 'progress') onProgress(msg.rows, msg.bytes);
      else if (msg.type === 'error') reject(toSegError(msg.code, msg.message));
      else resolve(msg);
    });
  });
  try {
    const done = pool.run({ ...task, port: port2 }, { transferList: [port2, ...transferList] as never });
    const [msg] = await Promise.all([result, done]);
    return msg;
  } finally {
    port1.close();
  }
}

function toSegError(code: string | undefined, message: string): Error {
  const Class = code === undefined ? undefined : (ERROR_CODES as Record<string, new (m: string) => SegError>)[code];
  return Class ? new Class(message) : new Error(message);
}
