import { createReadStream } from 'node:fs';
import { capMessage, InputNotFoundError, InputUnreadableError, SegError } from '../errors.js';

/**
 * Where a reader takes its bytes from. A `file` can be reopened and read at random offsets
 * (Arrow file footers, Parquet row groups); a `stream` (stdin) is read once, front to back.
 */
export type ByteSource =
  | { readonly kind: 'file'; readonly path: string; readonly size: number }
  | { readonly kind: 'stream'; readonly name: string; readonly chunks: AsyncIterable<Uint8Array> };

/** Rows per batch when `ReadOptions.batchSize` is not given. */
export const DEFAULT_BATCH_SIZE = 65_536;

// Large reads keep the number of chunk boundaries (the scanners' slow path) low.
const READ_CHUNK_BYTES = 1 << 20;

/** The name a batch carries in `RawBatch.source`: the file path, or the stream's name (`stdin`). */
export function sourceName(src: ByteSource): string {
  return src.kind === 'file' ? src.path : src.name;
}

/** Size of the source in bytes, -1 when unknown (a stream). */
export function sourceSize(src: ByteSource): number {
  return src.kind === 'file' ? src.size : -1;
}

/** The source's bytes as Buffers, front to back. */
export async function* openChunks(src: ByteSource): AsyncGenerator<Buffer> {
  if (src.kind === 'file') {
    yield* createReadStream(src.path, { highWaterMark: READ_CHUNK_BYTES }) as AsyncIterable<Buffer>;
    return;
  }
  for await (const chunk of src.chunks) yield asBuffer(chunk);
}

/** A Buffer view of `bytes` without copying. */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Reads at least `n` bytes (fewer only at the end) from a one-pass stream and returns them with
 * a stream that replays them before the rest, so format detection does not lose input.
 */
export async function peekChunks(
  chunks: AsyncIterable<Uint8Array>,
  n: number,
): Promise<{ head: Buffer; rest: AsyncIterable<Buffer> }> {
  const it = chunks[Symbol.asyncIterator]();
  const seen: Buffer[] = [];
  let got = 0;
  while (got < n) {
    const r = await it.next();
    if (r.done === true) break;
    const b = asBuffer(r.value);
    seen.push(b);
    got += b.length;
  }
  async function* rest(): AsyncGenerator<Buffer> {
    yield* seen;
    for (;;) {
      const r = await it.next();
      if (r.done === true) return;
      yield asBuffer(r.value);
    }
  }
  return { head: Buffer.concat(seen), rest: rest() };
}

/** All of a source's bytes in one Buffer (only for formats that cannot be streamed from stdin). */
export async function readAllBytes(src: ByteSource): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of openChunks(src)) parts.push(chunk);
  return Buffer.concat(parts);
}

/**
 * Maps a failure while reading `source` to the domain's errors: our own errors pass through, a
 * vanished file is InputNotFoundError, anything else (I/O, a library's decode error) is
 * InputUnreadableError with one line naming the file and the original as `cause`. A library's
 * own message is kept only when it cannot be quoting the input (libraryDetail).
 */
export function toInputError(source: string, err: unknown, what = 'cannot be read'): SegError {
  if (err instanceof SegError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'ENOENT') return new InputNotFoundError(`${source}: no such file`, { cause: err });
  const detail = libraryDetail(err);
  return new InputUnreadableError(capMessage(`${source}: ${what}${detail === '' ? '' : `: ${detail}`}`), { cause: err });
}

const DETAIL_CHARS = 160;
// What a decoder's message may hold: words, numbers, punctuation. Quotes are left out, as are
// messages that are long or span lines: those are where a parser quotes the bytes it choked on.
const PLAIN = /^[\w .,:;()[\]/+=<>-]*$/;

/**
 * A short, safe detail of a library error: an I/O code (EACCES, EISDIR...), or the message's first
 * line when it is short and plain (apache-arrow's "Expected to read 8 bytes..."), else nothing.
 */
export function libraryDetail(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return code;
  const message = err instanceof Error ? err.message : typeof err === 'string' ? err : '';
  const line = firstLine(message).trim();
  return line.length <= DETAIL_CHARS && PLAIN.test(line) ? line : '';
}

function firstLine(s: string): string {
  const i = s.indexOf('\n');
  return i < 0 ? s : s.slice(0, i);
}
