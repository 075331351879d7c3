/**
 * The live store: the one current LiveState, the write-ahead log behind it, and the swap to a
 * new snapshot. Readers take `store.state` and use that object for the whole request; a new
 * snapshot replaces it by assigning one reference, so a reader never sees half a swap.
 *
 * Invariant: `retained` holds every batch in the log segments the live snapshot has not folded
 * in (seq > foldedThrough), in append order, and the live state = snapshot + those batches.
 * Swapping to a snapshot that folded segments <= N keeps the batches with seq > N, re-applies
 * them to the new state in one synchronous step, then trims the log through N.
 */
import { join } from 'node:path';
import { NotReadyError } from '../errors.js';
import type { TxBatch } from '../parse/parse-batch.js';
import { currentSnapshotId, loadSnapshot } from '../snapshot/snapshot-store.js';
import { readFoldedMarker } from '../wal/folded-marker.js';
import { readWal } from '../wal/read-wal.js';
import { type AppendResult, type WalHooks, WriteAheadLog } from '../wal/write-ahead-log.js';
import { LiveState } from './live-state.js';

/** Observers, for metrics and logs. */
export interface LiveStoreHooks extends WalHooks {
  /** Rows re-applied from the log at start. */
  onReplay?(rows: number): void;
  /** Rows applied to the live state (ingested or replayed). */
  onApplied?(rows: number): void;
  /** A new snapshot went live. */
  onSnapshot?(state: LiveState): void;
  /** A torn tail was found in a log segment and skipped. */
  onTorn?(seq: number, offset: number, reason: string): void;
}

/** Options of {@link LiveStore.open}. */
export interface LiveStoreOptions {
  readonly dataDir: string;
  readonly hooks?: LiveStoreHooks;
}

interface Retained {
  readonly seq: number;
  readonly batch: TxBatch;
}

/** Live state plus log. */
export class LiveStore {
  /** The live state; null until a snapshot exists. */
  state: LiveState | null = null;
  private retained: Retained[] = [];

  private constructor(
    readonly dataDir: string,
    readonly wal: WriteAheadLog,
    private readonly hooks: LiveStoreHooks,
  ) {}

  /** Directory of the log under a data directory. */
  static walDir(dataDir: string): string {
    return join(dataDir, 'wal');
  }

  /** Loads the live snapshot, replays the log segments it has not folded in, and opens the log. */
  static async open(opts: LiveStoreOptions): Promise<LiveStore> {
    const hooks = opts.hooks ?? {};
    const walDir = LiveStore.walDir(opts.dataDir);
    const id = await currentSnapshotId(opts.dataDir);
    let state: LiveState | null = null;
    let folded = 0;
    if (id !== null) {
      const snap = await loadSnapshot(opts.dataDir, id);
      folded = await readFoldedMarker(snap.dir);
      state = await LiveState.open(snap);
    }
    const retained: Retained[] = [];
    let rows = 0;
    for await (const e of readWal(walDir, { after: folded, ...(hooks.onTorn ? { onTorn: hooks.onTorn } : {}) })) {
      retained.push(e);
      state?.apply(e.batch);
      rows += e.batch.length;
    }
    // Open after reading, so the fresh segment's number is above every replayed one.
    const wal = await WriteAheadLog.open(walDir, hooks);
    if (folded > 0) await wal.trimThrough(folded);
    const store = new LiveStore(opts.dataDir, wal, hooks);
    store.retained = retained;
    store.state = state;
    hooks.onReplay?.(rows);
    if (state) {
      hooks.onApplied?.(rows);
      hooks.onSnapshot?.(state);
    }
    return store;
  }

  /** The live state, or NotReadyError when no snapshot is loaded. */
  ready(): LiveState {
    if (!this.state) throw new NotReadyError(`no snapshot is loaded from ${this.dataDir} yet; run a rescore first`);
    return this.state;
  }

  /** Makes a batch durable in the log, then applies it to the live state; resolves after both. */
  async ingest(batch: TxBatch): Promise<AppendResult & { customers: number }> {
    this.ready();
    if (batch.length === 0) return { seq: this.wal.currentSeq, bytes: 0, customers: 0 };
    const r = await this.wal.append(batch);
    // The push and the apply run in one synchronous step, so a swap sees the batch in `retained` or applies it never twice.
    this.retained.push({ seq: r.seq, batch });
    const customers = this.state?.apply(batch) ?? 0;
    this.hooks.onApplied?.(batch.length);
    return { ...r, customers };
  }

  /** Swaps to snapshot `id`, which folded log segments <= `foldedThrough` in (0: none), then trims the log. */
  async install(id: string, foldedThrough: number): Promise<LiveState> {
    const snap = await loadSnapshot(this.dataDir, id);
    const next = await LiveState.open(snap);
    // Ids sort in creation order: a slower install of an older snapshot (a reload racing a job) must not win.
    if (this.state && this.state.snapshot.id > id) return this.state;
    this.retained = this.retained.filter((e) => e.seq > foldedThrough);
    for (const e of this.retained) next.apply(e.batch);
    this.state = next;
    if (foldedThrough > 0) await this.wal.trimThrough(foldedThrough);
    this.hooks.onSnapshot?.(next);
    return next;
  }

  /** Picks up a snapshot published by someone else (e.g. `segstream rescore`); true when it swapped. */
  async reloadIfChanged(): Promise<boolean> {
    const id = await currentSnapshotId(this.dataDir);
    if (id === null || id === this.state?.snapshot.id) return false;
    const snap = await loadSnapshot(this.dataDir, id);
    await this.install(id, await readFoldedMarker(snap.dir));
    return true;
  }

  /** Flushes and closes the log. */
  async close(): Promise<void> {
    await this.wal.close();
  }
}
