/**
 * Reading the write-ahead log back: at start (replay) and by a rescore that folds sealed
 * segments in. A torn record ends its segment: everything before it is returned, the rest of
 * that segment is skipped and reported, and the next segment is read as usual.
 */
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { TxBatch } from '../parse/parse-batch.js';
import { decodeRecord } from './wal-record.js';
import { listSegments, segmentName } from './write-ahead-log.js';

/** A batch read back, with the segment it came from. */
export interface WalEntry {
  readonly seq: number;
  readonly batch: TxBatch;
}

/** Which segments to read: `after < seq <= through`. */
export interface SegmentRange {
  readonly after?: number;
  readonly through?: number;
  /** Told of a torn tail: the segment, the byte offset and why. */
  readonly onTorn?: (seq: number, offset: number, reason: string) => void;
}

/** Every batch in the segments of `dir` within the range, in append order. */
export async function* readWal(dir: string, range: SegmentRange = {}): AsyncGenerator<WalEntry> {
  const after = range.after ?? 0;
  const through = range.through ?? Number.POSITIVE_INFINITY;
  for (const seq of await listSegments(dir)) {
    if (seq <= after || seq > through) continue;
    const buf = await readFile(join(dir, segmentName(seq)));
    let offset = 0;
    while (offset < buf.length) {
      const r = decodeRecord(buf, offset);
      if (r.kind === 'torn') {
        range.onTorn?.(seq, offset, r.reason);
        break;
      }
      yield { seq, batch: r.batch };
      offset += r.bytes;
    }
  }
}

/** Just the batches of {@link readWal}: what `rescore({ extra })` takes. */
export async function* walBatches(dir: string, range: SegmentRange = {}): AsyncGenerator<TxBatch> {
  for await (const e of readWal(dir, range)) yield e.batch;
}

/** True when `dir` holds at least one segment. */
export async function hasSegments(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).some((n) => n.endsWith('.wal'));
  } catch {
    return false;
  }
}
