/**
 * The live store: the one current LiveState, the write-ahead log and the event archive behind
 * it, and the swap to a new snapshot. Readers take `store.state` and use that object for the
 * whole request; a new snapshot replaces it by assigning one reference, so a reader never sees
 * half a swap.
 *
 * Every acknowledged row is in exactly one of: the archive (segments 1..A, event-archive.ts) or
 * the log segments above A. A snapshot folded the rows of segments <= F in (its marker,
 * folded-marker.ts), except those dated after its as_of (future rows of that run). So
 *
 *   live state = snapshot + every row with (seq > F or ts > as_of)
 *
 * read from the archive and from `retained` (the log's rows above A, in append order, kept in
 * memory). Swapping to a new snapshot first moves the sealed segments it folded into the archive
 * (then trims them from the log), then re-applies the archived rows it does not hold and
 * `retained` to the new state in slices of a few milliseconds, yielding to requests between them
 * (lookups meanwhile read the old state, which holds every acknowledged row). Ingests that land
 * during the re-apply push onto `retained` (and apply to the old state); the re-apply walks
 * `retained` by index up to its length at that moment, and the swap happens in the same
 * synchronous step that finds no entry left, so every row reaches the new state exactly once.
 *
 * `event_id`: the ids of the archive and the log are kept in a set, so a retried row is
 * acknowledged again without being appended or applied twice, across restarts.
 */
import { join } from 'node:path';
import { BadRequestError, NotReadyError } from '../errors.js';
import type { TxBatch } from '../parse/parse-batch.js';
import { isValidTimestamp } from '../parse/parse-timestamp.js';
import { isValidMoney } from '../parse/parse-values.js';
import { currentSnapshotId, loadSnapshot } from '../snapshot/snapshot-store.js';
import { TurnBudget } from '../turn-budget.js';
import { EventArchive } from '../wal/event-archive.js';
import { EventIdSet } from '../wal/event-id.js';
import { readFoldedMarker } from '../wal/folded-marker.js';
import { readWal, type WalEntry } from '../wal/read-wal.js';
import { type AppendResult, type WalHooks, WriteAheadLog, repairSegment } from '../wal/write-ahead-log.js';
import { LiveState } from './live-state.js';
import { pickRows, sliceRows } from './tx-batches.js';

/** Observers, for metrics and logs. */
export interface LiveStoreHooks extends WalHooks {
  /** Rows re-applied from the log and the archive at start. */
  onReplay?(rows: number): void;
  /** Rows applied to the live state (ingested or replayed). */
  onApplied?(rows: number): void;
  /** A new snapshot went live. */
  onSnapshot?(state: LiveState): void;
  /** A torn tail was found in a log segment and cut off. */
  onTorn?(seq: number, offset: number, reason: string): void;
  /** Something that did not stop the store went wrong: archiving, trimming, a repair, applying a durable row. */
  onProblem?(what: string, error: unknown): void;
}

/** Options of {@link LiveStore.open}. */
export interface LiveStoreOptions {
  readonly dataDir: string;
  readonly hooks?: LiveStoreHooks;
}

/** What an ingest did. */
export interface IngestResult extends AppendResult {
  /** Distinct customers the new rows changed. */
  readonly customers: number;
  /** Rows whose event_id was already acknowledged: acknowledged again, not counted again. */
  readonly duplicates: number;
}

/** The first row the live state could not hold, or -1. The parser rejects such rows by the same rules; this keeps a bad one out of the log. */
function firstUnfit(batch: TxBatch): number {
  for (let i = 0; i < batch.length; i++) {
    const m = batch.margin ? batch.margin[i]! : 0;
    if (!isValidTimestamp(batch.ts[i]!) || !isValidMoney(batch.amount[i]!) || !(Number.isNaN(m) || isValidMoney(m))) return i;
  }
  return -1;
}

/** Live state plus log plus archive. */
export class LiveStore {
  /** The live state; null until a snapshot exists. */
  state: LiveState | null = null;
  /** The log's rows above the archive, in append order. */
  private retained: WalEntry[] = [];
  /** The last segment the live snapshot folded in. */
  private folded = 0;
  /** Event ids in the archive and the log, and those of appends in flight. */
  private readonly eventIds = new EventIdSet();
  /** Latest row date of each archive file, so a swap reads only the files that can hold rows a snapshot lacks. */
  private readonly archiveMaxTs = new Map<string, number>();
  private swaps: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly dataDir: string,
    readonly wal: WriteAheadLog,
    readonly archive: EventArchive,
    private readonly hooks: LiveStoreHooks,
  ) {}

  /** Directory of the log under a data directory. */
  static walDir(dataDir: string): string {
    return join(dataDir, 'wal');
  }

  /**
   * Loads the live snapshot, cuts torn tails off the log, finishes a fold a crash interrupted,
   * and replays the archived and logged rows the snapshot does not hold.
   */
  static async open(opts: LiveStoreOptions): Promise<LiveStore> {
    const hooks = opts.hooks ?? {};
    const walDir = LiveStore.walDir(opts.dataDir);
    const archive = await EventArchive.open(EventArchive.dirOf(opts.dataDir), true);
    const id = await currentSnapshotId(opts.dataDir);
    const snap = id === null ? null : await loadSnapshot(opts.dataDir, id);
    const retained: WalEntry[] = [];
    const torn: { seq: number; offset: number }[] = [];
    const onTorn = (seq: number, offset: number, reason: string): void => {
      torn.push({ seq, offset });
      hooks.onTorn?.(seq, offset, reason);
    };
    for await (const e of readWal(walDir, { after: archive.through, onTorn })) retained.push(e);
    // Cut garbage off before anything is appended, so a later reader never stops short of a good record.
    for (const t of torn) await repairSegment(walDir, t.seq, t.offset).catch((error: unknown) => hooks.onProblem?.('repairing a torn log segment', error));
    // Opened after reading, so the fresh segment's number is above every replayed one.
    const wal = await WriteAheadLog.open(walDir, hooks);
    const store = new LiveStore(opts.dataDir, wal, archive, hooks);
    store.retained = retained;
    store.folded = snap ? await readFoldedMarker(snap.dir, archive.through) : 0;
    await store.archiveFolded(store.folded);

    const state = snap ? await LiveState.open(snap) : null;
    const asOf = snap?.manifest.as_of_ms ?? Number.POSITIVE_INFINITY;
    let rows = 0;
    for (const file of archive.files) {
      let maxTs = Number.NEGATIVE_INFINITY;
      for await (const { batch, seq } of EventArchive.readFile(file)) {
        for (let i = 0; i < batch.length; i++) if (batch.ts[i]! > maxTs) maxTs = batch.ts[i]!;
        store.remember(batch);
        if (state) rows += store.applySafely(state, pickRows(batch, (i) => seq[i]! > store.folded || batch.ts[i]! > asOf));
      }
      store.archiveMaxTs.set(file.path, maxTs);
    }
    for (const e of store.retained) {
      store.remember(e.batch);
      if (state) rows += store.applySafely(state, e.seq > store.folded ? e.batch : pickRows(e.batch, (i) => e.batch.ts[i]! > asOf));
    }
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

  /**
   * Makes a batch durable in the log, then applies it to the live state; resolves after both.
   * Rows whose event_id is already acknowledged are left out (counted in `duplicates`). Everything
   * that can fail is checked before the append; the apply after it cannot fail the request.
   */
  async ingest(batch: TxBatch): Promise<IngestResult> {
    this.ready();
    const unfit = firstUnfit(batch);
    if (unfit >= 0) throw new BadRequestError(`row ${unfit}: its timestamp, amount or margin is out of range`);
    // A retry racing the request that first carried its id waits for that append's outcome.
    const claim = batch.eventIds ? await this.eventIds.claim(batch.eventIds) : null;
    const fresh = claim ? pickRows(batch, (i) => claim.fresh[i]!) : batch;
    const duplicates = claim?.duplicates ?? 0;
    if (fresh.length === 0) {
      claim?.commit();
      return { seq: this.wal.currentSeq, bytes: 0, customers: 0, duplicates };
    }
    let r: AppendResult;
    try {
      r = await this.wal.append(fresh);
    } catch (error) {
      claim?.release();
      throw error;
    }
    claim?.commit();
    // The push and the apply run in one synchronous step, so a swap sees the batch in `retained` or applies it never twice.
    this.retained.push({ seq: r.seq, batch: fresh });
    const customers = this.state ? this.applySafely(this.state, fresh) : 0;
    this.hooks.onApplied?.(fresh.length);
    return { ...r, customers, duplicates };
  }

  /** Event ids acknowledged so far (archive and log). */
  get knownEventIds(): number {
    return this.eventIds.size;
  }

  /**
   * Swaps to snapshot `id`. What it folded in is read from its marker; `_foldedThrough` (what the
   * job asked for) is only a hint. The sealed segments it folded move to the archive first.
   */
  install(id: string, _foldedThrough?: number): Promise<LiveState> {
    const run = this.swaps.then(() => this.swap(id));
    this.swaps = run.catch(() => undefined);
    return run;
  }

  /**
   * Every step that holds the event loop runs in slices of one budget (turn-budget.ts): the
   * archive of the folded segments, the new state's id index and overlay columns, and the
   * re-apply; the old state answers lookups until the one assignment that makes the new one live.
   */
  private async swap(id: string): Promise<LiveState> {
    const budget = new TurnBudget();
    const snap = await loadSnapshot(this.dataDir, id);
    const folded = await readFoldedMarker(snap.dir, this.archive.through);
    await budget.check();
    await this.archiveFolded(folded, budget);
    const next = await LiveState.open(snap, budget);
    // Ids sort in creation order: a slower install of an older snapshot (a reload racing a job) must not win.
    if (this.state && this.state.snapshot.id > id) return this.state;
    const asOf = snap.manifest.as_of_ms;
    if (this.state) await next.overlay.reserve(this.state.overlay, budget);
    const slices = new ReapplySlices(budget);
    for (const file of this.archive.files) {
      if (file.through <= folded && !((this.archiveMaxTs.get(file.path) ?? Number.POSITIVE_INFINITY) > asOf)) continue;
      for await (const { batch, seq } of EventArchive.readFile(file, SLICE_ROWS)) await slices.apply(next, pickRows(batch, (i) => seq[i]! > folded || batch.ts[i]! > asOf), this);
      await next.derive(budget);
    }
    // `retained` by index: entries ingests push while this yields are taken too. The new state
    // folds the rows and is derived whole before it goes live (lookups on it then find every
    // customer derived); the swap happens in the step that finds no entry left and nothing to derive.
    for (let i = 0; ; ) {
      for (; i < this.retained.length; i++) {
        const e = this.retained[i]!;
        await slices.apply(next, e.seq > folded ? e.batch : pickRows(e.batch, (j) => e.batch.ts[j]! > asOf), this);
      }
      await next.derive(budget);
      if (i === this.retained.length) break;
    }
    this.state = next;
    this.folded = folded;
    this.hooks.onSnapshot?.(next);
    return next;
  }

  /**
   * Moves the sealed log segments <= `folded` that are not archived yet into the archive, then
   * trims the log through the archive's end. A failure (a full disk) leaves the rows in the log,
   * where every reader still finds them, and is retried at the next swap or start.
   */
  private async archiveFolded(folded: number, budget = new TurnBudget()): Promise<void> {
    const upto = Math.min(folded, this.wal.currentSeq - 1);
    if (upto > this.archive.through) {
      try {
        const file = await this.archive.add(upto, this.retained, budget);
        if (file) {
          let maxTs = Number.NEGATIVE_INFINITY;
          for (const e of this.retained) {
            if (e.seq < file.from || e.seq > file.through) continue;
            for (let i = 0; i < e.batch.length; i++) if (e.batch.ts[i]! > maxTs) maxTs = e.batch.ts[i]!;
            await budget.check();
          }
          this.archiveMaxTs.set(file.path, maxTs);
        }
      } catch (error) {
        this.hooks.onProblem?.('archiving folded log segments', error);
        return;
      }
    }
    const through = this.archive.through;
    if (through === 0) return;
    this.retained = this.retained.filter((e) => e.seq > through);
    await this.wal.trimThrough(through).catch((error: unknown) => this.hooks.onProblem?.('trimming archived log segments', error));
  }

  /** Adds a batch's event ids to the known set. */
  private remember(batch: TxBatch): void {
    this.eventIds.add(batch.eventIds);
  }

  /**
   * Applies rows that are already durable (or only folds them in, for a state a swap derives
   * whole): a failure is reported, never thrown, since the rows stay in the log for the next rescore.
   */
  applySafely(state: LiveState, batch: TxBatch, how: 'apply' | 'fold' = 'apply'): number {
    if (batch.length === 0) return 0;
    try {
      return how === 'fold' ? state.fold(batch) : state.apply(batch);
    } catch (error) {
      this.hooks.onProblem?.('applying durable rows to the live state', error);
      return 0;
    }
  }

  /** Picks up a snapshot published by someone else (e.g. `segstream rescore`); true when it swapped. */
  async reloadIfChanged(): Promise<boolean> {
    const id = await currentSnapshotId(this.dataDir);
    if (id === null || id === this.state?.snapshot.id) return false;
    await this.install(id);
    return true;
  }

  /** Flushes and closes the log. */
  async close(): Promise<void> {
    await this.wal.close();
  }
}

/** Rows re-applied in one piece at most, between two looks at the budget's clock. */
const SLICE_ROWS = 1024;

/**
 * The re-apply of a swap in slices: rows are folded into the new state in pieces of at most SLICE_ROWS,
 * and once the budget's slice is spent it yields to the event loop, so waiting requests are
 * answered between slices.
 */
class ReapplySlices {
  constructor(private readonly budget: TurnBudget) {}

  async apply(state: LiveState, batch: TxBatch, store: LiveStore): Promise<void> {
    for (let from = 0; from < batch.length; from += SLICE_ROWS) {
      await this.budget.check();
      store.applySafely(state, from === 0 && batch.length <= SLICE_ROWS ? batch : sliceRows(batch, from, Math.min(batch.length, from + SLICE_ROWS)), 'fold');
    }
  }
}
