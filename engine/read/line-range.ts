/**
 * The lines a byte range of a text file owns, the one rule CSV and NDJSON splits share: a range
 * [start, end) owns every line whose first byte lies in it.
 *
 *   file:  …ab\ncd|ef\ngh\nij|kl\n…        (| = start and end of the range)
 *                 └ skip to the first \n at or after start-1, then read lines until the one
 *                   holding byte end-1 is complete (it may run past end).
 */
import { createReadStream } from 'node:fs';

const LF = 0x0a;
const READ_CHUNK_BYTES = 1 << 20;

/** The bytes of the lines `[start, end)` of the file at `path` owns, in chunks. */
export async function* lineRangeChunks(path: string, start: number, end: number): AsyncGenerator<Buffer> {
  let pos = start === 0 ? 0 : start - 1;
  let skipping = start !== 0;
  const stream = createReadStream(path, { start: pos, highWaterMark: READ_CHUNK_BYTES });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let b: Buffer = chunk;
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
      if (b.length > 0) yield b;
      if (stop) return;
    }
  } finally {
    stream.destroy();
  }
}
