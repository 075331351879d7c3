/**
 * Parquet decoding on a worker thread of its own, so a corrupt file cannot take the process down.
 *
 * parquet-wasm drives its async reads as Rust futures polled from microtasks; when a corrupt page
 * or footer makes the Rust side panic, the wasm `RuntimeError: unreachable` is thrown from such a
 * microtask: nothing can catch it, the read's promise never settles, and on the main thread the
 * process dies (or a job hangs). On this worker the same trap only ends the worker: its file's
 * request fails (the reader makes it InputUnreadableError), and the next file gets another worker
 * with a fresh wasm instance (a trapped instance may be left with a poisoned allocator). A worker
 * holds one open file at a time, so a trap never fails a file read beside the one that caused it.
 *
 *   main thread                          decoder worker (one open file each; kept for the next)
 *   open(path | bytes) ── {open} ──────► ParquetFile.fromFile → schema (IPC), row-group sizes
 *   readGroup(g, cols) ── {read} ──────► file.read(...) → Arrow IPC stream bytes (transferred)
 *   close()            ── {close} ─────► file.free()
 *
 * The worker is unref'd while no request is pending, so it never keeps a CLI alive. Its JS heap
 * is capped; wasm memory is capped by wasm32 itself (4 GiB), and a failed grow is a trap as well.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

// Plain JavaScript (eval'd), so it runs the same from dist/ and from the TypeScript sources.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { openAsBlob } = require('node:fs');
const { ParquetFile } = require(workerData.parquetWasm);
const files = new Map();
let next = 1;
async function handle(msg) {
  switch (msg.op) {
    case 'open': {
      const blob = msg.path !== undefined ? await openAsBlob(msg.path) : new Blob([msg.bytes]);
      const file = await ParquetFile.fromFile(blob);
      const handle = next++;
      files.set(handle, file);
      const meta = file.metadata();
      const groupBytes = meta.rowGroups().map((g) => { const b = g.compressedSize(); g.free(); return b; });
      meta.free();
      const schema = file.schema().intoIPCStream();
      return [{ handle, schema, groupBytes, size: blob.size }, [schema.buffer]];
    }
    case 'read': {
      const file = files.get(msg.handle);
      const table = await file.read({ rowGroups: [msg.group], batchSize: msg.batchRows, columns: msg.columns });
      const ipc = table.intoIPCStream();
      return [{ ipc }, [ipc.buffer]];
    }
    case 'close': {
      const file = files.get(msg.handle);
      files.delete(msg.handle);
      if (file !== undefined) file.free();
      return [{}, []];
    }
  }
}
parentPort.on('message', (msg) => {
  handle(msg).then(
    ([result, transfer]) => parentPort.postMessage({ id: msg.id, result }, transfer),
    (err) => parentPort.postMessage({ id: msg.id, error: err instanceof Error ? err.message : String(err) }),
  );
});
`;

// parquet-wasm decodes 1,024 rows per Arrow batch by default, about 5x slower than this (TOOLCHAIN.md).
const DECODE_BATCH_ROWS = 65_536;
// The worker's JS heap; decoded row groups travel as transferred ArrayBuffers, outside it.
const WORKER_HEAP_MB = 1024;

type Request = { op: 'open'; path?: string; bytes?: Uint8Array } | { op: 'read'; handle: number; group: number; columns: string[]; batchRows: number } | { op: 'close'; handle: number };

interface Pending {
  resolve(value: unknown): void;
  reject(err: Error): void;
}

/** One worker and its requests in flight; replaced when the worker dies. */
class DecoderThread {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  dead = false;

  constructor() {
    const parquetWasm = createRequire(import.meta.url).resolve('parquet-wasm');
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { parquetWasm }, resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB } });
    this.worker.unref();
    this.worker.on('message', (msg: { id: number; result?: unknown; error?: string }) => {
      const p = this.pending.get(msg.id);
      if (p === undefined) return;
      this.settled(msg.id);
      if (msg.error !== undefined) p.reject(new Error(msg.error));
      else p.resolve(msg.result);
    });
    // A wasm trap (or the heap cap) ends the worker: fail everything it was doing.
    const die = (err: Error): void => {
      this.dead = true;
      for (const [id, p] of this.pending) {
        this.settled(id);
        p.reject(new DecoderCrash(err));
      }
    };
    this.worker.on('error', die);
    this.worker.on('exit', (code) => die(new Error(`decoder exited with code ${code}`)));
  }

  request<T>(req: Request, transfer: ArrayBuffer[] = []): Promise<T> {
    if (this.dead) return Promise.reject(new DecoderCrash(new Error('decoder is gone')));
    const id = this.nextId++;
    if (this.pending.size === 0) this.worker.ref(); // a pending decode keeps the process alive
    const promise = new Promise<T>((resolve, reject) => this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject }));
    this.worker.postMessage({ id, ...req }, transfer);
    return promise;
  }

  /** Ends the worker (nothing may be pending). */
  stop(): void {
    this.dead = true;
    void this.worker.terminate();
  }

  private settled(id: number): void {
    this.pending.delete(id);
    if (this.pending.size === 0 && !this.dead) this.worker.unref();
  }
}

/** The decoder ended mid-request (a wasm trap, out of memory): the input is what broke it. */
class DecoderCrash extends Error {
  constructor(cause: Error) {
    super('the Parquet decoder failed on this input', { cause });
  }
}

// One open file per thread at a time, so a trap fails only the file that caused it; threads
// are kept for the next file (starting one costs more than most small files take to read).
const idle: DecoderThread[] = [];
const MAX_IDLE_THREADS = 4;

function takeThread(): DecoderThread {
  for (let t = idle.pop(); t !== undefined; t = idle.pop()) if (!t.dead) return t;
  return new DecoderThread();
}

function giveBack(t: DecoderThread): void {
  if (t.dead) return;
  if (idle.length < MAX_IDLE_THREADS) idle.push(t);
  else t.stop();
}

/** An open Parquet file on the decoder worker. */
export class ParquetDecoder {
  private constructor(
    private readonly thread: DecoderThread,
    private readonly handle: number,
    /** The file's Arrow schema as an IPC stream (no batches). */
    readonly schemaIpc: Uint8Array,
    /** Compressed bytes of each row group. */
    readonly groupBytes: readonly number[],
    /** Bytes of the file. */
    readonly size: number,
  ) {}

  /** Opens a file by path (read by byte range) or whole bytes (stdin). */
  static async open(input: { path: string } | { bytes: Uint8Array }): Promise<ParquetDecoder> {
    const t = takeThread();
    const req: Request = 'path' in input ? { op: 'open', path: input.path } : { op: 'open', bytes: input.bytes };
    try {
      const r = await t.request<{ handle: number; schema: Uint8Array; groupBytes: number[]; size: number }>(req);
      return new ParquetDecoder(t, r.handle, r.schema, r.groupBytes, r.size);
    } catch (err) {
      giveBack(t);
      throw err;
    }
  }

  /** Row group `group`, only `columns`, as Arrow IPC stream bytes. */
  async readGroup(group: number, columns: string[]): Promise<Uint8Array> {
    const r = await this.thread.request<{ ipc: Uint8Array }>({ op: 'read', handle: this.handle, group, columns, batchRows: DECODE_BATCH_ROWS });
    return r.ipc;
  }

  /** Frees the file on the worker (nothing to do when the worker died). */
  async close(): Promise<void> {
    if (this.thread.dead) return;
    await this.thread.request({ op: 'close', handle: this.handle }).catch(() => undefined);
    giveBack(this.thread);
  }
}
