/**
 * Checks Arrow IPC framing and metadata against the bytes that are really there, before
 * apache-arrow decodes any of it. apache-arrow trusts the lengths and counts it reads: one changed
 * footer byte of a 59 KB file claimed 40,000 record batches and made it allocate until the heap
 * ran out. Here every count and length is checked so that what a decode may allocate or loop over
 * is bounded by the input's size:
 *
 *   file:   ARROW1 pad │ messages … │ footer (flatbuffer) │ footer length (i32) │ ARROW1
 *   stream: [0xFFFFFFFF] metadata length (i32) │ Message (flatbuffer) │ body … │ … │ 0xFFFFFFFF 0
 *
 * - the footer lies inside the file; its block vectors fit in the footer; every block's message
 *   and body lie between the leading magic and the footer;
 * - a message's metadata is a well-formed flatbuffer (every offset, vector and string in range);
 *   its body fits in what follows; every buffer lies inside the body; every row count and field
 *   node length is at most 8 per body byte (a bitmap packs 8 rows per byte) plus a small slack;
 * - a schema has at most one field per 4 metadata bytes and nests at most 64 deep.
 * A stream is passed on message by message, each checked before its bytes reach the decoder, and
 * nothing is held beyond the bytes that have arrived. What fails is InputUnreadableError.
 */
import { InputUnreadableError } from '../errors.js';
import { ARROW1 } from './detect-format.js';
import { type FlatTable, readFlat } from './flat-buffer.js';

/** Reads `n` bytes at `pos` of a source of `size` bytes (the caller checked the range). */
export interface RandomReader {
  readonly size: number;
  read(pos: number, n: number): Promise<Uint8Array>;
}

const MAGIC_AND_PADDING = 8;
const TRAILER = 10; // footer length (i32) + ARROW1
// Row counts beyond 8 per body byte need buffers that are not there, except for Null columns.
const ROW_SLACK = 65_536;
const MAX_DEPTH = 64;

/** Message header types (Message.fbs). */
const Header = { Schema: 1, DictionaryBatch: 2, RecordBatch: 3 } as const;

/** A corrupt input, with what was wrong (no input bytes are quoted). */
export function corrupt(source: string, why: string): InputUnreadableError {
  return new InputUnreadableError(`${source}: Arrow IPC data is truncated or corrupt: ${why}`);
}

/** Checks an IPC file's footer and every message it locates. */
export async function checkArrowFile(source: string, file: RandomReader): Promise<void> {
  const size = file.size;
  if (size < MAGIC_AND_PADDING + TRAILER) throw corrupt(source, `${size} bytes is too short for an IPC file`);
  const trailer = await file.read(size - TRAILER, TRAILER);
  for (let i = 0; i < ARROW1.length; i++) {
    if (trailer[4 + i] !== ARROW1[i]) throw corrupt(source, 'no ARROW1 magic at the end (truncated?)');
  }
  const footerLength = new DataView(trailer.buffer, trailer.byteOffset, TRAILER).getInt32(0, true);
  const footerStart = size - TRAILER - footerLength;
  if (footerLength <= 0 || footerStart < MAGIC_AND_PADDING) throw corrupt(source, `footer length ${footerLength} does not fit in ${size} bytes`);
  const footer = await file.read(footerStart, footerLength);
  const blocks = inFlatBuffer(source, 'footer', () => {
    const root = readFlat(footer);
    const schema = root.table(1);
    if (schema === null) throw new Error('the footer has no schema');
    checkSchema(schema, footer.length);
    return [...root.structs(2, 24), ...root.structs(3, 24)].map((at, k) => ({
      offset: root.int64At(at),
      metaLength: root.int32At(at + 8),
      bodyLength: root.int64At(at + 16),
      type: k < root.vectorLength(2) ? Header.DictionaryBatch : Header.RecordBatch,
    }));
  });
  for (const [i, b] of blocks.entries()) {
    const end = b.offset + b.metaLength + b.bodyLength;
    if (b.offset < MAGIC_AND_PADDING || b.metaLength <= 0 || b.bodyLength < 0 || end > footerStart) {
      throw corrupt(source, `block ${i} (offset ${b.offset}, ${b.metaLength} + ${b.bodyLength} bytes) lies outside the data`);
    }
    // apache-arrow reads the metadata length at the block's offset, not the block's own field.
    const prefix = await file.read(b.offset, 8);
    const view = new DataView(prefix.buffer, prefix.byteOffset, 8);
    const continued = view.getInt32(0, true) === -1;
    const metaStart = b.offset + (continued ? 8 : 4);
    const metaLength = view.getInt32(continued ? 4 : 0, true);
    if (metaLength <= 0 || metaStart + metaLength > b.offset + b.metaLength) throw corrupt(source, `block ${i}: metadata length ${metaLength} overruns the block`);
    const meta = await file.read(metaStart, metaLength);
    const message = checkMessage(source, meta, footerStart - (metaStart + metaLength));
    if (message.type !== b.type) throw corrupt(source, `block ${i} holds message type ${message.type}, not ${b.type}`);
  }
}

/**
 * Checks one message's metadata flatbuffer; `available` is how many body bytes can follow it
 * (Infinity on a stream: the body must still arrive before anything decodes it).
 */
export function checkMessage(source: string, meta: Uint8Array, available: number): { type: number; bodyLength: number } {
  return inFlatBuffer(source, 'message', () => {
    const root = readFlat(meta);
    const type = root.uint8(1);
    const bodyLength = root.int64(3);
    if (bodyLength < 0 || bodyLength > available) throw new Error(`body of ${bodyLength} bytes where ${available} remain`);
    root.vectorLength(4); // custom metadata: in range
    const header = root.table(2);
    if (header === null) throw new Error('message without a header');
    switch (type) {
      case Header.Schema:
        checkSchema(header, meta.length);
        break;
      case Header.DictionaryBatch: {
        const data = header.table(1);
        if (data === null) throw new Error('dictionary batch without data');
        checkRecordBatch(data, bodyLength);
        break;
      }
      case Header.RecordBatch:
        checkRecordBatch(header, bodyLength);
        break;
      default:
        throw new Error(`message type ${type} is not a schema or a batch`);
    }
    return { type, bodyLength };
  });
}

function checkRecordBatch(batch: FlatTable, bodyLength: number): void {
  const maxRows = 8 * bodyLength + ROW_SLACK;
  const rows = batch.int64(0);
  if (rows < 0 || rows > maxRows) throw new Error(`${rows} rows in a body of ${bodyLength} bytes`);
  for (const at of batch.structs(1, 16)) {
    const length = batch.int64At(at);
    const nulls = batch.int64At(at + 8);
    if (length < 0 || length > maxRows || nulls < 0 || nulls > length) throw new Error(`a field node of ${length} values (${nulls} null) in a body of ${bodyLength} bytes`);
  }
  const buffers = batch.structs(2, 16);
  for (const at of buffers) {
    const offset = batch.int64At(at);
    const length = batch.int64At(at + 8);
    if (offset < 0 || length < 0 || offset + length > bodyLength) throw new Error(`a buffer at ${offset} of ${length} bytes outside a body of ${bodyLength}`);
  }
  for (const at of batch.structs(4, 8)) {
    const count = batch.int64At(at);
    if (count < 0 || count > buffers.length) throw new Error(`${count} variadic buffers of ${buffers.length}`);
  }
}

function checkSchema(schema: FlatTable, bytes: number): void {
  let fields = 0;
  const walk = (parent: FlatTable, slot: number, depth: number): void => {
    if (depth > MAX_DEPTH) throw new Error(`fields nested deeper than ${MAX_DEPTH}`);
    for (const field of parent.tables(slot)) {
      // Offsets may point back at shared tables; the count keeps the walk linear in the bytes.
      if (++fields > bytes / 4) throw new Error('more fields than the schema has bytes for');
      field.string(0);
      field.vectorLength(6);
      walk(field, 5, depth + 1);
    }
  };
  schema.vectorLength(2);
  walk(schema, 1, 0);
}

function inFlatBuffer<T>(source: string, what: string, check: () => T): T {
  try {
    return check();
  } catch (err) {
    if (err instanceof InputUnreadableError) throw err;
    throw corrupt(source, `${what}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

// A schema of 100,000 columns takes a few MB of metadata; beyond this it is garbage.
const MAX_METADATA_BYTES = 64 << 20;

/**
 * An IPC stream's bytes passed on unchanged, each message's metadata checked (checkMessage) before
 * it goes on, and each body counted through: a decoder reading from here never sees a message
 * whose lengths and counts its bytes cannot back. Truncation is InputUnreadableError.
 */
export async function* guardArrowStream(source: string, chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const input = new ByteQueue(chunks);
  try {
    yield* guarded(source, input);
  } finally {
    await input.close();
  }
}

async function* guarded(source: string, input: ByteQueue): AsyncGenerator<Uint8Array> {
  for (let index = 0; ; index++) {
    const lead = await input.take(4);
    if (lead.length === 0) return;
    if (lead.length < 4) throw corrupt(source, `message ${index}: truncated`);
    yield lead;
    let length = int32(lead);
    if (length === -1) {
      const next = await input.take(4);
      if (next.length < 4) throw corrupt(source, `message ${index}: truncated`);
      yield next;
      length = int32(next);
    }
    if (length === 0) continue; // end-of-stream marker; anything after it starts over
    if (length < 0 || length > MAX_METADATA_BYTES) throw corrupt(source, `message ${index}: metadata length ${length}`);
    const meta = await input.take(length);
    if (meta.length < length) throw corrupt(source, `message ${index}: truncated metadata`);
    const { bodyLength } = checkMessage(source, meta, Number.POSITIVE_INFINITY);
    yield meta;
    let left = bodyLength;
    while (left > 0) {
      const part = await input.next(left);
      if (part === null) throw corrupt(source, `message ${index}: body truncated (${left} of ${bodyLength} bytes missing)`);
      left -= part.length;
      yield part;
    }
  }
}

function int32(b: Uint8Array): number {
  return new DataView(b.buffer, b.byteOffset, 4).getInt32(0, true);
}

/** Chunks taken from the front by byte count; holds only bytes that have arrived. */
class ByteQueue {
  private readonly it: AsyncIterator<Uint8Array>;
  private parts: Uint8Array[] = [];
  private have = 0;

  constructor(chunks: AsyncIterable<Uint8Array>) {
    this.it = chunks[Symbol.asyncIterator]();
  }

  /** Exactly `n` bytes, or fewer when the input ends first. */
  async take(n: number): Promise<Uint8Array> {
    while (this.have < n && (await this.pull())) {}
    const out = new Uint8Array(Math.min(n, this.have));
    let at = 0;
    while (at < out.length) {
      const part = this.next0(out.length - at)!;
      out.set(part, at);
      at += part.length;
    }
    return out;
  }

  /** The next piece of at most `n` bytes, null at the end of the input. */
  async next(n: number): Promise<Uint8Array | null> {
    if (this.have === 0 && !(await this.pull())) return null;
    return this.next0(n);
  }

  private next0(n: number): Uint8Array | null {
    const head = this.parts[0];
    if (head === undefined) return null;
    if (head.length <= n) {
      this.parts.shift();
      this.have -= head.length;
      return head;
    }
    this.parts[0] = head.subarray(n);
    this.have -= n;
    return head.subarray(0, n);
  }

  /** Ends the input early (a consumer that stopped reading). */
  async close(): Promise<void> {
    await this.it.return?.();
  }

  private async pull(): Promise<boolean> {
    const r = await this.it.next();
    if (r.done === true) return false;
    if (r.value.length > 0) {
      this.parts.push(r.value);
      this.have += r.value.length;
    }
    return true;
  }
}
