/**
 * The write-ahead log of live events (DESIGN "Real-time path"): valid rows are appended and
 * fsynced before the caller is told they are accepted.
 *
 * Group commit: appends queue up; one flush writes every queued record with one `writev` and
 * covers them all with one fsync. While a flush waits on its fsync, new appends gather for the
 * next flush, so N concurrent requests cost about two fsyncs, not N (after PostgreSQL's
 * commit_delay-free group commit).
 *
 * Segments: `DIR/<seq>.wal`, seq zero-padded so names sort. A process always opens a fresh
 * segment and never appends to one left by an earlier process; a torn tail (a crash mid-write)
 * is cut off at start by `repairSegment` before anything else happens. `rotate()` seals the
 * current segment; a rescore folds sealed segments <= N in, they move to the event archive
 * (event-archive.ts) and only then `trimThrough(N)` deletes them.
 * Every file operation runs on one promise chain, so writes, rotations and trims never interleave.
 *
 * A write can fail without throwing: on a full disk `writev` returns fewer bytes than asked. A
 * group is acknowledged only when every byte was written and fsynced. Otherwise the segment is
 * cut back to where the group began (so no record of an unacknowledged request survives to be
 * replayed, and no later record lands after a torn one) and the log is broken: every later
 * append fails (SEG_ERR_WAL_WRITE, HTTP 503) until a restart repairs the tail.
 */
import { mkdir, open, readdir, rm, stat, truncate, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { WalWriteError } from '../errors.js';
import type { TxBatch } from '../parse/parse-batch.js';
import { encodeRecord } from './wal-record.js';
import { syncDir } from '../durable-files.js';

/** Observers of the log, for metrics. */
export interface WalHooks {
  /** After each group's fsync: its duration, the bytes and the records it covered. */
  onFsync?(seconds: number, bytes: number, records: number): void;
}

/** Where an accepted append landed. */
export interface AppendResult {
  readonly seq: number;
  readonly bytes: number;
}

interface Pending {
  readonly buf: Buffer;
  readonly resolve: (r: AppendResult) => void;
  readonly reject: (e: unknown) => void;
}

const SUFFIX = '.wal';

/** File name of segment `seq`. */
export function segmentName(seq: number): string {
  return `${String(seq).padStart(12, '0')}${SUFFIX}`;
}

/** Sequence numbers of the segments in `dir`, ascending. */
export async function listSegments(dir: string): Promise<number[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return names.filter((n) => /^\d{12}\.wal$/.test(n)).map((n) => Number.parseInt(n, 10)).sort((a, b) => a - b);
}

/** Cuts segment `seq` back to `offset` bytes (the end of its last whole record) and fsyncs it: the repair of a torn tail. */
export async function repairSegment(dir: string, seq: number, offset: number): Promise<void> {
  const path = join(dir, segmentName(seq));
  await truncate(path, offset);
  const fh = await open(path, 'r+');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Writes every byte of `bufs` at the end of `fh`: `writev` may write fewer bytes than asked (a full disk) without throwing. */
async function writeAll(fh: FileHandle, bufs: readonly Buffer[], total: number): Promise<void> {
  let written = (await fh.writev(bufs as Buffer[])).bytesWritten;
  while (written < total) {
    let skip = written;
    const rest: Buffer[] = [];
    for (const b of bufs) {
      if (skip >= b.length) skip -= b.length;
      else {
        rest.push(skip > 0 ? b.subarray(skip) : b);
        skip = 0;
      }
    }
    const n = (await fh.writev(rest)).bytesWritten;
    // A write that makes no progress would loop forever: the device takes nothing more.
    if (n === 0) throw new Error(`short write: ${written} of ${total} bytes written, the device takes no more`);
    written += n;
  }
}

/** An open write-ahead log. */
export class WriteAheadLog {
  private pending: Pending[] = [];
  private scheduled = false;
  private chain: Promise<unknown> = Promise.resolve();
  private broken: Error | null = null;
  private closed = false;
  /** Bytes in the segments on disk (sealed and current). */
  bytesOnDisk: number;
  /** Bytes of the current segment known to hold whole, fsynced records. */
  private segmentBytes = 0;

  private constructor(
    readonly dir: string,
    private fh: FileHandle,
    private seq: number,
    bytesOnDisk: number,
    private readonly hooks: WalHooks,
  ) {
    this.bytesOnDisk = bytesOnDisk;
  }

  /** Opens the log in `dir` (created if needed) on a fresh segment after the existing ones. */
  static async open(dir: string, hooks: WalHooks = {}): Promise<WriteAheadLog> {
    // A new folder is durable only once its parent is fsynced.
    if ((await mkdir(dir, { recursive: true })) !== undefined) await syncDir(dirname(dir));
    const existing = await listSegments(dir);
    let bytes = 0;
    for (const s of existing) bytes += (await stat(join(dir, segmentName(s)))).size;
    const seq = (existing.at(-1) ?? 0) + 1;
    const fh = await open(join(dir, segmentName(seq)), 'a');
    await syncDir(dir);
    return new WriteAheadLog(dir, fh, seq, bytes, hooks);
  }

  /** The segment appends go to now. */
  get currentSeq(): number {
    return this.seq;
  }

  /** Why the log refuses appends, or null while it takes them. */
  get brokenBy(): Error | null {
    return this.broken;
  }

  /** Appends a batch; resolves once it is on disk (fsynced), with the segment it went to. */
  append(batch: TxBatch): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new WalWriteError('the write-ahead log is closed'));
    if (this.broken) return Promise.reject(new WalWriteError(`the write-ahead log failed earlier (${describeCause(this.broken)}) and refuses writes until the server restarts`, { cause: this.broken }));
    const buf = encodeRecord(batch);
    return new Promise<AppendResult>((resolve, reject) => {
      this.pending.push({ buf, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        this.chain = this.chain.then(() => this.flushGroup());
      }
    });
  }

  private async flushGroup(): Promise<void> {
    // Appends that arrive from here on wait for the next group.
    this.scheduled = false;
    const group = this.pending;
    this.pending = [];
    if (group.length === 0) return;
    const seq = this.seq;
    let bytes = 0;
    for (const p of group) bytes += p.buf.length;
    try {
      if (this.broken) throw this.broken;
      await writeAll(this.fh, group.map((p) => p.buf), bytes);
      const t0 = performance.now();
      await this.fh.sync();
      this.hooks.onFsync?.((performance.now() - t0) / 1000, bytes, group.length);
      this.bytesOnDisk += bytes;
      this.segmentBytes += bytes;
    } catch (cause) {
      if (!this.broken) {
        // After a failed write or fsync the file's state is unknown (fsyncgate): refuse all later appends.
        this.broken = cause as Error;
        // Best effort: drop the group's bytes so they cannot be replayed for requests that were refused.
        await this.fh.truncate(this.segmentBytes).then(() => this.fh.sync()).catch(() => undefined);
      }
      const error = new WalWriteError(`cannot write the write-ahead log: ${describeCause(cause)}; the log refuses writes until the server restarts`, { cause });
      for (const p of group) p.reject(error);
      return;
    }
    for (const p of group) p.resolve({ seq, bytes: p.buf.length });
  }

  /** Seals the current segment after every append queued so far; returns its seq. Later appends go to the next one. */
  rotate(): Promise<number> {
    const run = this.chain.then(async () => {
      await this.flushGroup();
      const sealed = this.seq;
      const next = await open(join(this.dir, segmentName(sealed + 1)), 'a');
      await syncDir(this.dir);
      await this.fh.close();
      this.fh = next;
      this.seq = sealed + 1;
      this.segmentBytes = 0;
      return sealed;
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Deletes the sealed segments <= `seq` (never the current one). */
  trimThrough(seq: number): Promise<void> {
    const run = this.chain.then(async () => {
      for (const s of await listSegments(this.dir)) {
        if (s > seq || s >= this.seq) continue;
        const path = join(this.dir, segmentName(s));
        this.bytesOnDisk -= (await stat(path)).size;
        await rm(path, { force: true });
      }
      await syncDir(this.dir);
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Flushes what is queued, fsyncs and closes; later appends fail. */
  close(): Promise<void> {
    const run = this.chain.then(async () => {
      await this.flushGroup();
      this.closed = true;
      await this.fh.close();
    });
    this.chain = run.catch(() => undefined);
    return run;
  }
}

/** A cause as one short line (an errno message, never data). */
function describeCause(cause: unknown): string {
  const text = cause instanceof Error ? cause.message : String(cause);
  const line = text.split('\n', 1)[0]!;
  return line.length > 200 ? `${line.slice(0, 200)}...` : line;
}
