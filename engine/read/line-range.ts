/**
 * The lines a byte range of a text file owns, the one rule CSV and NDJSON splits share: a range
 * [start, end) owns every line whose first byte lies in it.
 *
 *   file:  …ab\ncd|ef\ngh\nij|kl\n…        (| = start and end of the range)
 *                 └ skip to the first \n at or after start-1, then read lines until the one
 *                   holding byte end-1 is complete (it may run past end).
 *
 * So the lines are one byte range of the file, [from, to): `lineRange` finds it by reading a
 * little around start-1 and end-1, and a reader then reads those bytes in place (csv-native.ts)
 * or as a stream (`lineRangeChunks`).
 */
import { createReadStream } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';

const LF = 0x0a;
const READ_CHUNK_BYTES = 1 << 20;
// A line's end is looked for in pieces of this size (most lines are far shorter).
const PROBE_BYTES = 64 << 10;

/** The bytes of the lines [start, end) owns: `from` is a line's first byte, `to` the byte after a newline (or the file's size). */
export interface LineRange {
  readonly from: number;
  readonly to: number;
}

/** The position after the first newline at or after `at`, or `size` when there is none. */
export async function afterNewline(fh: FileHandle, at: number, size: number): Promise<number> {
  const probe = Buffer.allocUnsafe(Math.min(PROBE_BYTES, Math.max(1, size - at)));
  for (let pos = at; pos < size; ) {
    const { bytesRead } = await fh.read(probe, 0, probe.length, pos);
    if (bytesRead === 0) break;
    const nl = probe.subarray(0, bytesRead).indexOf(LF);
    if (nl >= 0) return pos + nl + 1;
    pos += bytesRead;
  }
  return size;
}

/** The lines `[start, end)` owns in a file of `size` bytes, as one byte range (empty when it owns none). */
export async function lineRange(fh: FileHandle, size: number, start: number, end: number): Promise<LineRange> {
  const from = start === 0 ? 0 : await afterNewline(fh, start - 1, size);
  if (from >= end || from >= size) return { from, to: from };
  return { from, to: await afterNewline(fh, Math.max(from, end - 1), size) };
}

/** The bytes of the lines `[start, end)` of the file at `path` owns, in chunks. */
export async function* lineRangeChunks(path: string, start: number, end: number): AsyncGenerator<Buffer> {
  const fh = await open(path, 'r');
  let range: LineRange;
  try {
    range = await lineRange(fh, (await fh.stat()).size, start, end);
  } finally {
    await fh.close();
  }
  if (range.to <= range.from) return;
  const stream = createReadStream(path, { start: range.from, end: range.to - 1, highWaterMark: READ_CHUNK_BYTES });
  try {
    yield* stream as AsyncIterable<Buffer>;
  } finally {
    stream.destroy();
  }
}
