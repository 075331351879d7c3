/**
 * One write-ahead-log record: a batch of valid rows, framed so that a torn write at the tail is
 * detected rather than misread.
 *
 *   u32 payload length | u32 crc32(payload) | payload
 *   payload = u32 rows | u8 flags | 3 pad | f64 ts[rows] | f64 amount[rows] | f64 margin[rows]?
 *             | (flags & INTEGER_IDS) f64 id[rows], else i32 idEnd[rows] | utf8 ids (concatenated)
 *             | (flags & EVENT_IDS) i32 eventIdEnd[rows] | utf8 event ids (concatenated)
 *             | (flags & ORDER_IDS) i32 orderIdEnd[rows] | utf8 order ids (concatenated)
 *
 * flags: bit 0 = a margin column follows, bit 1 = event ids follow, bit 2 = order ids follow,
 * bit 3 = every id is an integer key, stored as its number (no text per row to write or parse:
 * most live ids are integers, and their text was most of a record's encoding time).
 * Records written before a bit existed carry 0 there, so they read back unchanged. A row without
 * an event id has an empty one (an event id is never empty, see event-id.ts); so has a row without
 * an order id (a line that is an order of its own), read back as NO_ORDER.
 *
 * Ids are stored as their canonical text (`String(key)`), which `customerKeyFromText` maps back
 * to exactly the same key: a safe integer's text is canonical, and any text key is one that
 * `customerKeyFromText` itself kept as text. Little-endian throughout.
 */
import { crc32 } from 'node:zlib';
import type { TxBatch } from '../parse/parse-batch.js';
import { type CustomerKey, customerKeyFromText } from '../parse/parse-values.js';
import { NO_ORDER } from '../live/tx-batches.js';

/** Bytes of the frame header (length + crc). */
export const FRAME_HEADER_BYTES = 8;

const HAS_MARGIN = 1;
const HAS_EVENT_IDS = 2;
const HAS_ORDER_IDS = 4;
const INTEGER_IDS = 8;

/** True when every id is a number (a safe integer key, canonical by parse-values.ts). */
function allNumbers(ids: readonly CustomerKey[]): boolean {
  for (let i = 0; i < ids.length; i++) if (typeof ids[i] !== 'number') return false;
  return true;
}

/** The stored text of an order key: canonical like ids, empty for none (parse-batch.ts's NUL keys of lines without one). */
export function orderText(order: CustomerKey | undefined): string | null {
  if (order === undefined) return null;
  return typeof order === 'string' && order.charCodeAt(0) === 0 ? null : String(order);
}

/** The order key of stored text (see {@link orderText}). */
export function orderKey(text: string | null): CustomerKey {
  if (text === null || text === '') return NO_ORDER;
  return (customerKeyFromText(text) ?? text) as CustomerKey;
}

/** Appends `texts` as i32 ends then UTF-8 bytes at `at`; returns the offset after them. */
function writeTexts(p: Buffer, at: number, texts: readonly (string | null)[]): number {
  const n = texts.length;
  const textAt = at + 4 * n;
  let off = 0;
  for (let i = 0; i < n; i++) {
    const t = texts[i];
    if (t !== null && t !== undefined) off += p.write(t, textAt + off, 'utf8');
    p.writeInt32LE(off, at + 4 * i);
  }
  return textAt + off;
}

/** Reads `n` texts written by {@link writeTexts} at `at` (null for empty); returns them and the offset after. */
function readTexts(p: Buffer, at: number, n: number): { texts: (string | null)[]; end: number } {
  const textAt = at + 4 * n;
  const texts: (string | null)[] = new Array(n);
  let prev = 0;
  for (let i = 0; i < n; i++) {
    const end = p.readInt32LE(at + 4 * i);
    texts[i] = end === prev ? null : p.toString('utf8', textAt + prev, textAt + end);
    prev = end;
  }
  return { texts, end: textAt + prev };
}

function textBytes(texts: readonly (string | null)[]): number {
  let bytes = 0;
  for (const t of texts) bytes += t === null ? 0 : Buffer.byteLength(t, 'utf8');
  return bytes;
}

/** Encodes a batch as one framed record. */
export function encodeRecord(batch: TxBatch): Buffer {
  const n = batch.length;
  const integerIds = allNumbers(batch.ids);
  const idTexts = integerIds ? [] : batch.ids.map(String);
  const joined = idTexts.join('');
  const idBytes = integerIds ? 0 : Buffer.byteLength(joined, 'utf8');
  const hasMargin = batch.margin !== null;
  const eventIds = batch.eventIds?.some((e) => e !== null) ? batch.eventIds : undefined;
  let eventIdBytes = 0;
  if (eventIds) for (const e of eventIds) eventIdBytes += e === null ? 0 : Buffer.byteLength(e, 'utf8');
  const orderTexts = batch.orderIds ? batch.orderIds.map(orderText) : null;
  const fixed = 8 + 8 * n * (hasMargin ? 3 : 2) + (integerIds ? 8 : 4) * n;
  const payloadBytes = fixed + idBytes + (eventIds ? 4 * n + eventIdBytes : 0) + (orderTexts ? 4 * n + textBytes(orderTexts) : 0);
  const buf = Buffer.alloc(FRAME_HEADER_BYTES + payloadBytes);
  const p = buf.subarray(FRAME_HEADER_BYTES);
  p.writeUInt32LE(n, 0);
  p.writeUInt8((hasMargin ? HAS_MARGIN : 0) | (eventIds ? HAS_EVENT_IDS : 0) | (orderTexts ? HAS_ORDER_IDS : 0) | (integerIds ? INTEGER_IDS : 0), 4);
  let off = 8;
  // Copy through a Buffer view so the frame needs no 8-byte alignment.
  for (const col of hasMargin ? [batch.ts, batch.amount, batch.margin!] : [batch.ts, batch.amount]) {
    p.set(new Uint8Array(col.buffer, col.byteOffset, 8 * n), off);
    off += 8 * n;
  }
  let at: number;
  if (integerIds) {
    const ids = new Float64Array(n);
    for (let i = 0; i < n; i++) ids[i] = batch.ids[i] as number;
    p.set(new Uint8Array(ids.buffer), off);
    at = off + 8 * n;
  } else at = writeIdTexts(p, off, idTexts, joined, idBytes);
  if (eventIds) at = writeTexts(p, at, eventIds);
  if (orderTexts) writeTexts(p, at, orderTexts);
  buf.writeUInt32LE(payloadBytes, 0);
  buf.writeUInt32LE(crc32(p), 4);
  return buf;
}

/** Writes the ids' texts as i32 ends then their UTF-8 bytes at `endsAt`; returns the offset after them. */
function writeIdTexts(p: Buffer, endsAt: number, idTexts: readonly string[], joined: string, idBytes: number): number {
  const n = idTexts.length;
  const off = endsAt + 4 * n;
  // The ends go in as one typed array (the frame needs no alignment for the copy; little-endian, as this machine).
  const ends = new Int32Array(n);
  let idOff = 0;
  if (idBytes === joined.length) {
    // Every id is ASCII (one byte a character): the texts go in with one write.
    p.write(joined, off, 'latin1');
    for (let i = 0; i < n; i++) {
      idOff += idTexts[i]!.length;
      ends[i] = idOff;
    }
  } else {
    for (let i = 0; i < n; i++) {
      idOff += p.write(idTexts[i]!, off + idOff, 'utf8');
      ends[i] = idOff;
    }
  }
  p.set(new Uint8Array(ends.buffer), endsAt);
  return off + idOff;
}

/** A decoded record, or why the bytes at this offset are not one. */
export type DecodeResult =
  | { readonly kind: 'record'; readonly batch: TxBatch; readonly bytes: number }
  | { readonly kind: 'torn'; readonly reason: string };

function column(p: Buffer, off: number, n: number): Float64Array {
  const out = new Float64Array(n);
  new Uint8Array(out.buffer).set(p.subarray(off, off + 8 * n));
  return out;
}

/** Decodes the record starting at `offset` of `buf`. */
export function decodeRecord(buf: Buffer, offset: number): DecodeResult {
  if (buf.length - offset < FRAME_HEADER_BYTES) return { kind: 'torn', reason: 'truncated header' };
  const len = buf.readUInt32LE(offset);
  const crc = buf.readUInt32LE(offset + 4);
  const start = offset + FRAME_HEADER_BYTES;
  if (buf.length - start < len) return { kind: 'torn', reason: 'truncated payload' };
  const p = buf.subarray(start, start + len);
  if (crc32(p) !== crc) return { kind: 'torn', reason: 'checksum mismatch' };
  const n = p.readUInt32LE(0);
  const flags = p.readUInt8(4);
  const hasMargin = (flags & HAS_MARGIN) !== 0;
  let off = 8;
  const ts = column(p, off, n);
  off += 8 * n;
  const amount = column(p, off, n);
  off += 8 * n;
  let margin: Float64Array | null = null;
  if (hasMargin) {
    margin = column(p, off, n);
    off += 8 * n;
  }
  const ids: CustomerKey[] = new Array(n);
  let at: number;
  if ((flags & INTEGER_IDS) !== 0) {
    const numbers = column(p, off, n);
    for (let i = 0; i < n; i++) ids[i] = numbers[i]!;
    at = off + 8 * n;
  } else {
    const endsAt = off;
    const textAt = off + 4 * n;
    let prev = 0;
    for (let i = 0; i < n; i++) {
      const end = p.readInt32LE(endsAt + 4 * i);
      ids[i] = customerKeyFromText(p.toString('utf8', textAt + prev, textAt + end)) as CustomerKey;
      prev = end;
    }
    at = textAt + prev;
  }
  let eventIds: (string | null)[] | undefined;
  if ((flags & HAS_EVENT_IDS) !== 0) ({ texts: eventIds, end: at } = readTexts(p, at, n));
  let orderIds: CustomerKey[] | undefined;
  if ((flags & HAS_ORDER_IDS) !== 0) orderIds = readTexts(p, at, n).texts.map(orderKey);
  const batch: TxBatch = { length: n, ids, ts, amount, margin, ...(eventIds ? { eventIds } : {}), ...(orderIds ? { orderIds } : {}) };
  return { kind: 'record', batch, bytes: FRAME_HEADER_BYTES + len };
}
