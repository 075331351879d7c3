/**
 * A JSON array of flat row objects read straight into the columns parseBatch judges, without
 * the object per row (and the property walk over it) that JSON.parse builds: the bytes of
 * `[{"customer_id":42,"ts":"2026-07-01T10:00:00Z","amount":59.9}, ...]` go to one array of
 * values per known key (jsonRowsBatch's columns, same `seen` rules), and unknown keys are
 * checked and skipped.
 *
 * Only the common shape is read here; anything else (an element that is not an object, a value
 * that is an array or an object, a `__proto__` or `constructor` key, a control character in a
 * string, a byte that is not JSON) returns null, and the caller takes the general path
 * (JSON.parse with its checks, then jsonRowsBatch), which accepts or refuses the body exactly as
 * before. So this file decides only how fast a body is read, never whether it is valid.
 *
 * Numbers follow JSON's grammar; one with at most 15 significant digits and at most 22 decimals is
 * m / 10^k of two exact doubles, so correctly rounded like JSON.parse (Clinger's fast path); any
 * other goes through Number() of its text.
 */
import type { RawBatch } from '../read/raw-batch.js';
import { JSON_ROW_KEYS, jsonColumnsBatch } from './tx-batches.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const MINUS = 0x2d;
const ZERO = 0x30;
const NINE = 0x39;
const DOT = 0x2e;

const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);

/** Key texts as bytes, by column index (JSON_ROW_KEYS order). */
const KEY_BYTES = JSON_ROW_KEYS.map((k) => Buffer.from(k, 'latin1'));
const REFUSED_KEYS = [Buffer.from('__proto__'), Buffer.from('constructor')];

/** Thrown inside the scanner to leave for the general path. */
const BAIL = Symbol('bail');

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

class Scanner {
  at = 0;
  private readonly buf: Buffer;
  constructor(readonly b: Uint8Array) {
    this.buf = Buffer.from(b.buffer, b.byteOffset, b.length);
  }

  space(): number {
    const b = this.b;
    let at = this.at;
    while (at < b.length && isSpace(b[at]!)) at++;
    this.at = at;
    return at < b.length ? b[at]! : -1;
  }

  expect(c: number): void {
    if (this.space() !== c) throw BAIL;
    this.at++;
  }

  /** The last string's raw bytes (start, end exclusive), and whether they are plain ASCII without escapes. */
  spanStart = 0;
  spanEnd = 0;
  spanPlain = true;

  /** Reads a string's span (fields above, no object per string); the cursor goes past its closing quote. */
  stringSpan(): void {
    const b = this.b;
    const start = ++this.at;
    let plain = true;
    for (let at = start; at < b.length; at++) {
      const c = b[at]!;
      if (c === QUOTE) {
        this.at = at + 1;
        this.spanStart = start;
        this.spanEnd = at;
        this.spanPlain = plain;
        return;
      }
      if (c < 0x20) throw BAIL;
      if (c === BACKSLASH) {
        plain = false;
        at++;
      } else if (c >= 0x80) plain = false;
    }
    throw BAIL;
  }

  string(): string {
    this.stringSpan();
    const { spanStart: start, spanEnd: end, spanPlain: plain } = this;
    const buf = this.buf;
    if (plain) return buf.toString('latin1', start, end);
    // Escapes or UTF-8: JSON.parse of the quoted text decodes them exactly (and refuses a bad escape or byte).
    try {
      return JSON.parse(buf.toString('utf8', start - 1, end + 1)) as string;
    } catch {
      throw BAIL;
    }
  }

  number(): number {
    const b = this.b;
    const start = this.at;
    let at = start;
    if (b[at] === MINUS) at++;
    let mantissa = 0;
    let digits = 0;
    let decimals = 0;
    if (b[at] === ZERO) {
      at++;
    } else if (b[at]! > ZERO && b[at]! <= NINE) {
      while (b[at]! >= ZERO && b[at]! <= NINE) {
        mantissa = mantissa * 10 + (b[at]! - ZERO);
        digits++;
        at++;
      }
    } else throw BAIL;
    if (b[at] === DOT) {
      at++;
      if (!(b[at]! >= ZERO && b[at]! <= NINE)) throw BAIL;
      while (b[at]! >= ZERO && b[at]! <= NINE) {
        mantissa = mantissa * 10 + (b[at]! - ZERO);
        if (mantissa !== 0) digits++;
        decimals++;
        at++;
      }
    }
    let exact = digits <= 15 && decimals <= 22;
    if (b[at] === 0x65 || b[at] === 0x45) {
      at++;
      if (b[at] === 0x2b || b[at] === MINUS) at++;
      if (!(b[at]! >= ZERO && b[at]! <= NINE)) throw BAIL;
      while (b[at]! >= ZERO && b[at]! <= NINE) at++;
      exact = false;
    }
    this.at = at;
    if (!exact) return Number(this.buf.toString('latin1', start, at));
    const v = decimals === 0 ? mantissa : mantissa / POW10[decimals]!;
    return b[start] === MINUS ? -v : v;
  }

  literal(text: string, value: boolean | null): boolean | null {
    const b = this.b;
    for (let i = 0; i < text.length; i++) if (b[this.at + i] !== text.charCodeAt(i)) throw BAIL;
    this.at += text.length;
    return value;
  }

  /** A value that is not an object or an array. */
  value(): unknown {
    const c = this.space();
    if (c === QUOTE) return this.string();
    if (c === MINUS || (c >= ZERO && c <= NINE)) return this.number();
    if (c === 0x74) return this.literal('true', true);
    if (c === 0x66) return this.literal('false', false);
    if (c === 0x6e) return this.literal('null', null);
    throw BAIL;
  }

  /** Which known key the bytes `start..end` are (-1: another key); bails on a refused key. */
  keyIndex(start: number, end: number): number {
    const b = this.b;
    const len = end - start;
    for (let j = 0; j < KEY_BYTES.length; j++) {
      const k = KEY_BYTES[j]!;
      if (k.length !== len) continue;
      let same = true;
      for (let i = 0; i < len; i++) {
        if (b[start + i] !== k[i]) {
          same = false;
          break;
        }
      }
      if (same) return j;
    }
    for (const k of REFUSED_KEYS) if (k.length === len && k.equals(b.subarray(start, end))) throw BAIL;
    return -1;
  }
}

/** The columns of a JSON array of flat row objects (see the file comment), or null for the general path. */
export function scanJsonRows(body: Uint8Array, source: string): { raw: RawBatch; rows: number } | null {
  const s = new Scanner(body);
  const columns: unknown[][] = JSON_ROW_KEYS.map(() => []);
  let seen = 0;
  let n = 0;
  try {
    s.expect(0x5b);
    if (s.space() === 0x5d) s.at++;
    else {
      for (;;) {
        s.expect(0x7b);
        if (s.space() === 0x7d) s.at++;
        else {
          for (;;) {
            if (s.space() !== QUOTE) throw BAIL;
            s.stringSpan();
            // A key with escapes could spell a known or refused key: the general path reads it.
            if (!s.spanPlain) throw BAIL;
            const j = s.keyIndex(s.spanStart, s.spanEnd);
            s.expect(COLON);
            const v = s.value();
            if (j >= 0) {
              const col = columns[j]!;
              // Rows without the key hold undefined, as a missing key reads in jsonRowsBatch.
              while (col.length < n) col.push(undefined);
              col[n] = v;
              seen |= 1 << j;
            }
            const c = s.space();
            s.at++;
            if (c === 0x7d) break;
            if (c !== COMMA) throw BAIL;
          }
        }
        n++;
        const c = s.space();
        s.at++;
        if (c === 0x5d) break;
        if (c !== COMMA) throw BAIL;
      }
    }
    if (s.space() !== -1) throw BAIL;
  } catch (error) {
    if (error === BAIL) return null;
    throw error;
  }
  for (const col of columns) while (col.length < n) col.push(undefined);
  return { raw: jsonColumnsBatch(columns, seen, n, source), rows: n };
}
