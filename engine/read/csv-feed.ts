/**
 * The bytes the native CSV scanner reads (csv-native.ts), gathered in one buffer that is reused
 * from fill to fill: a file, or a split of one (its header line, then the lines it owns,
 * line-range.ts), read in place with positional reads; a stream's chunks copied in. A read
 * stream's new 1 MiB Buffer per chunk, and a Buffer.concat at every chunk boundary, cost more in
 * allocation and garbage collection than the scan of the bytes.
 *
 *   buf: [ scanned | tail: a record cut off | free ]  ──fill(tail)──▶  [ tail | new bytes | free ]
 *
 * The buffer doubles while a tail takes more than half of it, so each fill adds at least as many
 * bytes as the tail holds and a long record is rescanned a logarithmic number of times.
 */
import { type FileHandle, open } from 'node:fs/promises';
import { asBuffer, type ByteSource } from './byte-source.js';
import { afterNewline, lineRange } from './line-range.js';

const QUOTE = 0x22;
const FEED_BYTES = 2 << 20;
const REST_CHUNK_BYTES = 1 << 20;

/** A byte range of a CSV file: it owns the records whose first byte lies in `[start, end)`. */
export interface CsvSplit {
  readonly path: string;
  readonly start: number;
  readonly end: number;
}

/** What reading a split noticed beside its rows. */
export interface CsvSplitFlags {
  /** The range held a `"`: its cut points may lie inside a quoted field, so the pool re-reads the file whole. */
  quoted: boolean;
}

/** `size` bytes cut into `pieces` ranges (fewer when a range would be under `minBytes`). */
export function planSplits(path: string, size: number, pieces: number, minBytes: number): CsvSplit[] {
  const n = Math.max(1, Math.min(pieces, Math.floor(size / Math.max(1, minBytes))));
  const out: CsvSplit[] = [];
  for (let k = 0; k < n; k++) out.push({ path, start: Math.floor((k * size) / n), end: Math.floor(((k + 1) * size) / n) });
  return out;
}

/** What a native read scans: a byte source, or a split of a file. */
export type CsvInput = ByteSource | { readonly kind: 'split'; readonly split: CsvSplit; readonly flags: CsvSplitFlags | null };

/** Reads up to `max` bytes into `into` at `at`; 0 at the end of the input. */
type ReadInto = (into: Buffer, at: number, max: number) => Promise<number>;

/** A CSV input's bytes in one reused buffer. */
export class CsvFeed {
  /** The bytes held: `buf[0, len)`. */
  buf: Buffer = Buffer.allocUnsafe(FEED_BYTES);
  len = 0;
  /** No more bytes will come. */
  done = false;
  /** Bytes of the input read so far (for progress). */
  bytesRead = 0;

  private constructor(
    private readonly readInto: ReadInto,
    private readonly release: () => Promise<void>,
  ) {}

  /** Opens `input`. The caller closes the feed. */
  static async open(input: CsvInput): Promise<CsvFeed> {
    if (input.kind === 'stream') {
      const it = input.chunks[Symbol.asyncIterator]();
      return new CsvFeed(streamReader(it), async () => void (await it.return?.()));
    }
    const path = input.kind === 'file' ? input.path : input.split.path;
    const fh = await open(path, 'r');
    try {
      const size = (await fh.stat()).size;
      if (input.kind === 'file') return new CsvFeed(rangesReader(fh, [{ from: 0, to: size }], -1, null), () => fh.close());
      const { split, flags } = input;
      const range = await lineRange(fh, size, split.start, split.end);
      // A split that does not start the file reads the file's header line first.
      const ranges = split.start > 0 ? [{ from: 0, to: await afterNewline(fh, 0, size) }, range] : [range];
      return new CsvFeed(rangesReader(fh, ranges, ranges.length - 1, flags), () => fh.close());
    } catch (err) {
      await fh.close();
      throw err;
    }
  }

  /**
   * Keeps `buf[keep, len)` (moved to the front) and reads more after it: one read when nothing
   * is kept, else until it has added as many bytes as it keeps. Sets `done` at the end.
   */
  async fill(keep: number): Promise<void> {
    const tail = this.len - keep;
    if (keep > 0) this.buf.copyWithin(0, keep, this.len);
    this.len = tail;
    if (tail * 2 > this.buf.length) {
      const grown = Buffer.allocUnsafe(this.buf.length * 2);
      this.buf.copy(grown, 0, 0, tail);
      this.buf = grown;
    }
    let added = 0;
    while (!this.done && added < Math.max(1, tail)) {
      const n = await this.readInto(this.buf, this.len, this.buf.length - this.len);
      if (n === 0) this.done = true;
      added += n;
      this.len += n;
      this.bytesRead += n;
    }
  }

  /** The input not read yet, as chunks (for the TypeScript scanner taking over). */
  async *rest(): AsyncGenerator<Buffer> {
    while (!this.done) {
      const chunk = Buffer.allocUnsafe(REST_CHUNK_BYTES);
      const n = await this.readInto(chunk, 0, chunk.length);
      if (n === 0) this.done = true;
      else {
        this.bytesRead += n;
        yield chunk.subarray(0, n);
      }
    }
  }

  /** Closes the file, or ends the stream early. */
  close(): Promise<void> {
    return this.release();
  }
}

/** Byte ranges of a file in order; the range at `watched` sets `flags.quoted` when it holds a quote. */
function rangesReader(fh: FileHandle, ranges: readonly { from: number; to: number }[], watched: number, flags: CsvSplitFlags | null): ReadInto {
  let k = 0;
  let pos = ranges[0]?.from ?? 0;
  return async (into, at, max) => {
    for (;;) {
      const range = ranges[k];
      if (range === undefined) return 0;
      if (pos < range.to) {
        const { bytesRead } = await fh.read(into, at, Math.min(max, range.to - pos), pos);
        // A file that shrank while read ends here.
        if (bytesRead === 0) return 0;
        pos += bytesRead;
        if (flags !== null && k === watched && !flags.quoted && into.subarray(at, at + bytesRead).indexOf(QUOTE) >= 0) flags.quoted = true;
        return bytesRead;
      }
      k++;
      pos = ranges[k]?.from ?? 0;
    }
  };
}

/** A stream's chunks copied in; a chunk larger than the room left waits for the next read. */
function streamReader(it: AsyncIterator<Uint8Array>): ReadInto {
  let pending: Buffer = Buffer.alloc(0);
  return async (into, at, max) => {
    while (pending.length === 0) {
      const next = await it.next();
      if (next.done === true) return 0;
      pending = asBuffer(next.value);
    }
    const n = Math.min(max, pending.length);
    pending.copy(into, at, 0, n);
    pending = pending.subarray(n);
    return n;
  };
}
