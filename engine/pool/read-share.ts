/**
 * Reads one share (plan-shares.ts) as RawBatches, on a worker, through the engine's own readers
 * wherever they fit. Row numbers start at 1 in every share; the main thread adds the rows of the
 * file's earlier shares afterwards, so rejects name the same rows one thread would.
 *
 * A CSV/NDJSON byte range [start, end) owns every line whose first byte lies in it:
 *
 *   file:  …ab\ncd|ef\ngh\nij|kl\n…        (| = start and end of this share)
 *                 └ skip to the first \n at or after start-1, then read lines until the one
 *                   holding byte end-1 is complete (it may run past end).
 *
 * The limit: a CSV quoted field may hold a newline, and a range cut inside it would read garbage.
 * So a share reports whether it saw a `"` at all; the pool then re-reads such a split file as one
 * share (correct, slower). NDJSON never has a raw newline inside a value.
 */
import { createReadStream } from 'node:fs';
import type { RecordBatch } from 'apache-arrow';
import { openArrowFile, sliceBatch, toRawBatch } from '../read/arrow-reader.js';
import { DEFAULT_BATCH_SIZE, toInputError, type ByteSource } from '../read/byte-source.js';
import { resolveColumns } from '../read/column-map.js';
import { readCsv } from '../read/csv-reader.js';
import { readNdjson } from '../read/ndjson-reader.js';
import { readFile } from '../read/open-input.js';
import { readRowGroups } from '../read/parquet-reader.js';
import type { RawBatch, ReadOptions } from '../read/raw-batch.js';
import type { Share } from './plan-shares.js';

const LF = 0x0a;
const QUOTE = 0x22;
const READ_CHUNK_BYTES = 1 << 20;

/** What reading a share noticed beside its rows. */
export interface ShareFlags {
  /** A CSV byte range held a `"`: its cut points may lie inside a quoted field. */
  quoted: boolean;
}

/** Reads the rows of one share. */
export async function* readShare(share: Share, options: ReadOptions, flags: ShareFlags): AsyncGenerator<RawBatch> {
  const part = share.part;
  switch (part.kind) {
    case 'whole':
      yield* readFile({ path: share.path, size: share.bytes, format: share.format }, { ...options, format: share.format });
      return;
    case 'bytes': {
      const csv = share.format === 'csv';
      const header = csv && part.start > 0 ? await headerLine(share.path) : null;
      const src: ByteSource = { kind: 'stream', name: share.path, chunks: rangeChunks(share.path, part.start, part.end, header, csv ? flags : null) };
      if (csv) yield* readCsv(src, { ...options, delimiter: share.path.toLowerCase().endsWith('.tsv') ? '\t' : 'auto' });
      else yield* readNdjson(src, options);
      return;
    }
    case 'row-groups':
      yield* readRowGroups(share.path, { path: share.path }, part.from, part.to, options);
      return;
    case 'batches':
      yield* readBatches(share.path, part.from, part.to, options);
      return;
  }
}

/** The bytes of the lines a range owns (after `header`, when given). */
async function* rangeChunks(path: string, start: number, end: number, header: Buffer | null, flags: ShareFlags | null): AsyncGenerator<Buffer> {
  if (header !== null) yield header;
  let pos = start === 0 ? 0 : start - 1;
  let skipping = start !== 0;
  const stream = createReadStream(path, { start: pos, highWaterMark: READ_CHUNK_BYTES });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let b = chunk;
      let at = pos; // file offset of b[0]
      pos += chunk.length;
      if (skipping) {
        const nl = b.indexOf(LF);
        if (nl < 0) continue;
        b = b.subarray(nl + 1);
        at += nl + 1;
        skipping = false;
      }
      if (at >= end) return;
      const last = end - 1 - at; // index of byte end-1 in b
      let stop = false;
      if (last < b.length) {
        const nl = b.indexOf(LF, Math.max(0, last));
        if (nl >= 0) {
          b = b.subarray(0, nl + 1);
          stop = true;
        }
      }
      if (flags !== null && !flags.quoted && b.indexOf(QUOTE) >= 0) flags.quoted = true;
      if (b.length > 0) yield b;
      if (stop) return;
    }
  } finally {
    stream.destroy();
  }
}

/** The first line of a file, its newline included. */
async function headerLine(path: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of createReadStream(path, { highWaterMark: 64 << 10 }) as AsyncIterable<Buffer>) {
    const nl = chunk.indexOf(LF);
    if (nl >= 0) {
      parts.push(chunk.subarray(0, nl + 1));
      break;
    }
    parts.push(chunk);
  }
  return Buffer.concat(parts);
}

/** Record batches `[from, to)` of an Arrow IPC file, fetched by offset from its footer. */
async function* readBatches(path: string, from: number, to: number, options: ReadOptions): AsyncGenerator<RawBatch> {
  const { handle, reader } = await openArrowFile(path);
  try {
    const resolved = resolveColumns(path, reader.schema.fields.map((f) => f.name), options.columns);
    const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    let firstRow = 1;
    for (let i = from; i < to; i++) {
      let batch: RecordBatch | null;
      try {
        batch = await reader.readRecordBatch(i);
      } catch (err) {
        throw unreadable(path, 'Arrow IPC', err);
      }
      if (batch === null) throw unreadable(path, 'Arrow IPC', new Error(`record batch ${i} is missing`));
      for (const slice of sliceBatch(batch, batchSize)) {
        yield toRawBatch(path, firstRow, slice, resolved, -1);
        firstRow += slice.numRows;
      }
    }
  } finally {
    await handle.close().catch(() => undefined);
  }
}

function unreadable(path: string, what: string, err: unknown): Error {
  return toInputError(path, err, `${what} data is truncated or corrupt`);
}
