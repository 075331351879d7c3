/**
 * JSON text written as UTF-8 bytes into one growable Buffer, for answers assembled from columns:
 * no string per value, no rope of pieces for the socket to flatten and encode again.
 *
 * Every value is written as the JSON text JavaScript makes of it, byte for byte: a number as
 * `String(n)` (non-finite as `null`), text as `JSON.stringify` writes it, an instant as
 * `toISOString` does. Numbers take a fast path where the digits are known without V8's
 * shortest-round-trip search (integers, and money to four decimals, which is the project's exact
 * unit); anything else is formatted by V8 and copied.
 */
import { isoDayPrefix } from '../../engine/snapshot/customer-schema.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const NULL_BYTES = Uint8Array.of(0x6e, 0x75, 0x6c, 0x6c);
const TRUE_BYTES = Uint8Array.of(0x74, 0x72, 0x75, 0x65);
const FALSE_BYTES = Uint8Array.of(0x66, 0x61, 0x6c, 0x73, 0x65);
const MS_PER_DAY = 86_400_000;
/**
 * Below this a number with at most four decimals has no shorter round-trip text than those
 * decimals: two texts of four decimals differ by at least 1e-4, far more than a double's spacing
 * here (2^-23 at 1e9), so only one of them can name the value, and V8 prints no exponent above 1e-7.
 */
const FIXED_LIMIT = 1e9;
/** An answer this large is handed over instead of copied, and the writer starts a new buffer. */
const HAND_OVER = 65_536;
/** The largest buffer started again after a hand-over (a batch-get of 10,000 customers is ~9 MB). */
const KEEP_AT_MOST = 16 * 1024 * 1024;
/** Handed-over buffers kept for reuse once given back: one per answer being sent at once is plenty. */
const SPARES = 4;
const decoder = new TextDecoder();

/** A growable byte buffer that JSON values are appended to. */
export class JsonBytes {
  private buf: Buffer;
  /** Bytes written so far. */
  at = 0;
  /**
   * Large buffers given back after their answer was sent. A new 1 MB buffer per batch-get counts
   * as external memory to V8, which answered it with a full mark-compact every ~17 requests
   * (10 in 168 batch-gets of 1,000 ids: ~1.6 ms of each request's CPU).
   */
  private readonly spares: Buffer[] = [];

  constructor(initial = 16_384) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  /** Starts a new answer. */
  reset(): void {
    this.at = 0;
  }

  /**
   * The answer written since {@link reset}, as a Buffer of its own (the writer's is reused). A
   * large one is the writer's own buffer handed over: {@link giveBack} it once it has been sent.
   */
  take(): Buffer {
    const n = this.at;
    this.at = 0;
    if (n > HAND_OVER) {
      const out = this.buf.subarray(0, n);
      // The next answer is likely as long (a batch-get's): a buffer of the same size spares regrowing it.
      this.buf = this.spares.pop() ?? Buffer.allocUnsafe(Math.min(this.buf.length, KEEP_AT_MOST));
      return out;
    }
    // Small: from Node's shared pool, cheaper than a buffer of its own.
    const out = Buffer.allocUnsafe(n);
    this.buf.copy(out, 0, 0, n);
    return out;
  }

  /**
   * Takes back a buffer {@link take} returned, for a later answer: only once nothing reads it any
   * more (its response has closed). A small answer's buffer, or one past the spares kept, is left
   * to the garbage collector.
   */
  giveBack(answer: Buffer): void {
    if (answer.byteOffset !== 0 || answer.buffer.byteLength > KEEP_AT_MOST || answer.buffer.byteLength <= HAND_OVER || this.spares.length >= SPARES) return;
    if (answer.buffer === this.buf.buffer || this.spares.some((b) => b.buffer === answer.buffer)) return;
    this.spares.push(Buffer.from(answer.buffer, 0, answer.buffer.byteLength));
  }

  /**
   * The answer written since {@link reset} as a string. A short body goes out cheaper as one flat
   * string than as a Buffer: Node's http joins a string to its header and writes one chunk, where
   * a Buffer is written beside the header through the generic writev path (a fastify route sending
   * a constant 834-byte body: 34-44 us of server CPU a request as a string, 43-55 as a Buffer).
   */
  takeText(): string {
    const text = this.buf.toString('utf8', 0, this.at);
    this.at = 0;
    return text;
  }

  /** The buffer being written (valid until the next write that grows it), for a native writer to fill from {@link at}. */
  get buffer(): Buffer {
    return this.buf;
  }

  /** The text of bytes `[start, end)` written since {@link reset} (one lookup's answer among several written at once). */
  text(start: number, end: number): string {
    return this.buf.toString('utf8', start, end);
  }

  /** At least twice the room, for a native writer that stopped because the buffer was full. */
  grow(): void {
    this.room(this.buf.length - this.at + 1);
  }

  /** Makes room for `n` more bytes. */
  private room(n: number): Buffer {
    if (this.at + n > this.buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + n));
      this.buf.copy(grown, 0, 0, this.at);
      this.buf = grown;
    }
    return this.buf;
  }

  /** Bytes as they are (JSON prepared once: keys, category names). */
  raw(bytes: Uint8Array): void {
    const n = bytes.length;
    const buf = this.room(n);
    let at = this.at;
    // A loop beats TypedArray#set's call for a few bytes (null, a small name); set wins from about a key's length.
    if (n <= 8) for (let i = 0; i < n; i++) buf[at++] = bytes[i]!;
    else {
      buf.set(bytes, at);
      at += n;
    }
    this.at = at;
  }

  /** Text known to be ASCII and to need no escaping (a formatted number), as it is. */
  ascii(text: string): void {
    const n = text.length;
    const buf = this.room(n);
    let at = this.at;
    for (let i = 0; i < n; i++) buf[at++] = text.charCodeAt(i);
    this.at = at;
  }

  /** JSON text made elsewhere (JSON.stringify of a value), in UTF-8. */
  json(text: string): void {
    const buf = this.room(text.length * 3);
    this.at += buf.write(text, this.at, 'utf8');
  }

  null(): void {
    this.raw(NULL_BYTES);
  }

  boolean(b: boolean): void {
    this.raw(b ? TRUE_BYTES : FALSE_BYTES);
  }

  /** A safe integer, as String(v). */
  integer(v: number): void {
    const buf = this.room(17);
    let at = this.at;
    if (v < 0) {
      buf[at++] = 0x2d;
      v = -v;
    }
    let digits = 1;
    for (let p = 10; p <= v; p *= 10) digits++;
    const end = at + digits;
    for (let i = end - 1; i >= at; i--) {
      const q = Math.floor(v / 10);
      buf[i] = 48 + (v - q * 10);
      v = q;
    }
    this.at = end;
  }

  /** A number as String(x) writes it; NaN and ±Infinity as null. */
  number(x: number): void {
    if (!Number.isFinite(x)) this.null();
    else if (Number.isInteger(x)) {
      if (Math.abs(x) <= Number.MAX_SAFE_INTEGER) this.integer(x);
      else this.ascii(`${x}`);
    } else if (Math.abs(x) >= FIXED_LIMIT || Math.round(x * 10_000) / 10_000 !== x) this.ascii(`${x}`);
    else this.fixed(x);
  }

  /** A number that is k / 10^4 exactly as a double, and not an integer: its text is k with a decimal point. */
  private fixed(x: number): void {
    const k = Math.round(x * 10_000);
    let a = Math.abs(k);
    const whole = Math.floor(a / 10_000);
    if (x < 0) this.room(1)[this.at++] = 0x2d;
    this.integer(whole);
    a -= whole * 10_000;
    let n = 4;
    while (a % 10 === 0) {
      a /= 10;
      n--;
    }
    const buf = this.room(5);
    let at = this.at;
    buf[at++] = 0x2e;
    for (let i = at + n - 1; i >= at; i--) {
      const q = Math.floor(a / 10);
      buf[i] = 48 + (a - q * 10);
      a = q;
    }
    this.at = at + n;
  }

  /** Text as JSON.stringify writes it. */
  string(text: string): void {
    this.json(JSON.stringify(text));
  }

  /**
   * The JSON string of UTF-8 text `src[start, end)`: plain ASCII is copied between quotes; text
   * with anything JSON escapes, or any non-ASCII byte, is decoded and written by JSON.stringify
   * (so what a decoder makes of it, replacement characters included, is what is sent).
   */
  utf8Text(src: Uint8Array, start: number, end: number): void {
    const buf = this.room(end - start + 2);
    let at = this.at;
    buf[at++] = QUOTE;
    for (let i = start; i < end; i++) {
      const b = src[i]!;
      if (b < 0x20 || b === QUOTE || b === BACKSLASH || b >= 0x80) {
        this.string(decoder.decode(src.subarray(start, end)));
        return;
      }
      buf[at++] = b;
    }
    buf[at++] = QUOTE;
    this.at = at;
  }

  /** An instant in epoch milliseconds (valid for Date) as the quoted text toISOString gives. */
  timestamp(instant: number): void {
    // Date keeps whole milliseconds, truncated toward zero.
    const ms = Math.trunc(instant);
    const day = Math.floor(ms / MS_PER_DAY);
    const prefix = isoDayPrefix(day);
    if (prefix === null) {
      this.string(new Date(ms).toISOString());
      return;
    }
    const buf = this.room(26);
    let at = this.at;
    buf[at++] = QUOTE;
    for (let i = 0; i < 11; i++) buf[at++] = prefix.charCodeAt(i);
    let t = ms - day * MS_PER_DAY;
    const h = Math.floor(t / 3_600_000);
    t -= h * 3_600_000;
    const m = Math.floor(t / 60_000);
    t -= m * 60_000;
    const s = Math.floor(t / 1000);
    t -= s * 1000;
    buf[at++] = 48 + Math.floor(h / 10);
    buf[at++] = 48 + (h % 10);
    buf[at++] = 0x3a;
    buf[at++] = 48 + Math.floor(m / 10);
    buf[at++] = 48 + (m % 10);
    buf[at++] = 0x3a;
    buf[at++] = 48 + Math.floor(s / 10);
    buf[at++] = 48 + (s % 10);
    buf[at++] = 0x2e;
    buf[at++] = 48 + Math.floor(t / 100);
    buf[at++] = 48 + (Math.floor(t / 10) % 10);
    buf[at++] = 48 + (t % 10);
    buf[at++] = 0x5a;
    buf[at++] = QUOTE;
    this.at = at;
  }
}

/** The UTF-8 bytes of JSON text prepared once. */
export function jsonBytesOf(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'utf8'));
}
