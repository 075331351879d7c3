/**
 * What a rescore folds in besides its input files (DESIGN "An acknowledged event stays in the
 * base"): every row of the event archive, then, for a server job, the sealed log segments above
 * the archive up to the one the job sealed. The snapshot is marked as folded through the last
 * segment it read (folded-marker.ts), which is how the live state knows what is already in it.
 *
 * Every rescore goes through here, the CLI's included: a CLI rescore reads the archive (through
 * segment M) but not the log a running server appends to, and marks its snapshot folded through
 * M, so the server keeps the segments above M on top of it.
 */
import { pickRows } from '../live/tx-batches.js';
import type { TxBatch } from '../parse/parse-batch.js';
import { EventArchive } from './event-archive.js';
import { walBatches } from './read-wal.js';

/** Options of {@link openEventFold}. */
export interface EventFoldOptions {
  readonly dataDir: string;
  /** A server job: the log folder and the last sealed segment to fold in. */
  readonly wal?: { readonly dir: string; readonly through: number };
  /** `live_events.superseded_by_input`: the input files carry the live purchases up to their latest timestamp. */
  readonly supersededByInput?: boolean;
}

/** The events one rescore folds in. */
export interface EventFold {
  /** The last log segment the snapshot holds: what its marker says. */
  readonly foldedThrough: number;
  /** True when there is nothing to fold in (no archive, no log range). */
  readonly empty: boolean;
  /** The rows to fold in, given the latest timestamp of the input files' rows (-Infinity: none); then `more`, as they are. */
  batches(inputMaxTs: number, more?: AsyncIterable<TxBatch> | Iterable<TxBatch>): AsyncGenerator<TxBatch>;
  /** Rows left out as superseded by the input, once `batches` has run. */
  readonly superseded: number;
}

/** Lists the archive (and the log range) a rescore will fold in. */
export async function openEventFold(opts: EventFoldOptions): Promise<EventFold> {
  const archive = await EventArchive.open(EventArchive.dirOf(opts.dataDir));
  const after = archive.through;
  const walThrough = opts.wal && opts.wal.through > after ? opts.wal.through : 0;
  let superseded = 0;
  return {
    foldedThrough: Math.max(after, walThrough),
    empty: archive.files.length === 0 && walThrough === 0,
    get superseded() {
      return superseded;
    },
    async *batches(inputMaxTs: number, more?: AsyncIterable<TxBatch> | Iterable<TxBatch>): AsyncGenerator<TxBatch> {
      const drop = opts.supersededByInput === true && inputMaxTs > Number.NEGATIVE_INFINITY;
      const filter = (b: TxBatch): TxBatch => {
        if (!drop) return b;
        const kept = pickRows(b, (i) => b.ts[i]! > inputMaxTs);
        superseded += b.length - kept.length;
        return kept;
      };
      for await (const { batch } of archive.read()) yield filter(batch);
      if (walThrough > 0 && opts.wal) for await (const batch of walBatches(opts.wal.dir, { after, through: walThrough })) yield filter(batch);
      if (more) yield* more;
    },
  };
}
