/**
 * One write-ahead-log record: a batch of valid rows, framed so that a torn write at the tail is
 * detected rather than misread.
 *
 *   u32 payload length | u32 crc32(payload) | payload
 *   payload = u32 rows | u8 flags | 3 pad | f64 ts[rows] | f64 amount[rows] | f64 margin[rows]?
 *             | i32 idEnd[rows] | utf8 ids (concatenated)
 *             | (flags & EVENT_IDS) i32 eventIdEnd[rows] | utf8 event ids (concatenated)
 *
 * flags: bit 0 = a margin column follows, bit 1 = event ids follow. Records written before event
 * ids existed carry 0 or 1 there, so they read back unchanged. A row without an event id has an
 * empty one (an event id is never empty, see event-id.ts).
 *
 * Ids are stored as their canonical text (`String(key)`), which `customerKeyFromText` maps back
 * to exactly the same key: a safe integer's text is canonical, and any text key is one that
 * `customerKeyFromText` itself kept as text. Little-endian throughout.
 */
import { crc32 } from 'node:zlib';
import type { TxBatch } from '../parse/parse-batch.js';
import { type CustomerKey, customerKeyFromText } from '../parse/parse-values.js';

/** Bytes of the frame header (length + crc). */
export const FRAME_HEADER_BYTES = 8;

const HAS_MARGIN = 1;
const HAS_EVENT_IDS = 2;

/** Encodes a batch as one framed record. */
export function encodeRecord(batch: TxBatch): Buffer {
  const n = batch.length;
  const idTexts = batch.ids.map(String);
  let idBytes = 0;
  for (const t of idTexts) idBytes += Buffer.byteLength(t, 'utf8');
  const hasMargin = batch.margin !== null;
  const eventIds = batch.eventIds?.some((e) => e !== null) ? batch.eventIds : undefined;
  let eventIdBytes = 0;
  if (eventIds) for (const e of eventIds) eventIdBytes += e === null ? 0 : Buffer.byteLength(e, 'utf8');
  const fixed = 8 + 8 * n * (hasMargin ? 3 : 2) + 4 * n;
  const payloadBytes = fixed + idBytes + (eventIds ? 4 * n + eventIdBytes : 0);
  const buf = Buffer.alloc(FRAME_HEADER_BYTES + payloadBytes);
  const p = buf.subarray(FRAME_HEADER_BYTES);
  p.writeUInt32LE(n, 0);
  p.writeUInt8((hasMargin ? HAS_MARGIN : 0) | (eventIds ? HAS_EVENT_IDS : 0), 4);
  let off = 8;
  // Copy through a Buffer view so the frame needs no 8-byte alignment.
  for (const col of hasMargin ? [batch.ts, batch.amount, batch.margin!] : [batch.ts, batch.amount]) {
    p.set(new Uint8Array(col.buffer, col.byteOffset, 8 * n), off);
    off += 8 * n;
  }
  const endsAt = off;
  off += 4 * n;
  let idOff = 0;
  for (let i = 0; i < n; i++) {
    idOff += p.write(idTexts[i]!, off + idOff, 'utf8');
    p.writeInt32LE(idOff, endsAt + 4 * i);
  }
  if (eventIds) {
    const eventEndsAt = off + idOff;
    const eventTextAt = eventEndsAt + 4 * n;
    let eOff = 0;
    for (let i = 0; i < n; i++) {
      const e = eventIds[i];
      if (e !== null && e !== undefined) eOff += p.write(e, eventTextAt + eOff, 'utf8');
      p.writeInt32LE(eOff, eventEndsAt + 4 * i);
    }
  }
  buf.writeUInt32LE(payloadBytes, 0);
  buf.writeUInt32LE(crc32(p), 4);
  return buf;
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
  const endsAt = off;
  const textAt = off + 4 * n;
  const ids: CustomerKey[] = new Array(n);
  let prev = 0;
  for (let i = 0; i < n; i++) {
    const end = p.readInt32LE(endsAt + 4 * i);
    ids[i] = customerKeyFromText(p.toString('utf8', textAt + prev, textAt + end)) as CustomerKey;
    prev = end;
  }
  if ((flags & HAS_EVENT_IDS) === 0) return { kind: 'record', batch: { length: n, ids, ts, amount, margin }, bytes: FRAME_HEADER_BYTES + len };
  const eventEndsAt = textAt + prev;
  const eventTextAt = eventEndsAt + 4 * n;
  const eventIds: (string | null)[] = new Array(n);
  prev = 0;
  for (let i = 0; i < n; i++) {
    const end = p.readInt32LE(eventEndsAt + 4 * i);
    eventIds[i] = end === prev ? null : p.toString('utf8', eventTextAt + prev, eventTextAt + end);
    prev = end;
  }
  return { kind: 'record', batch: { length: n, ids, ts, amount, margin, eventIds }, bytes: FRAME_HEADER_BYTES + len };
}
