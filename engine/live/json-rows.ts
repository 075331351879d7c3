/**
 * A JSON array of flat row objects read straight into the typed columns of valid rows (a
 * TxBatch), without the object per row (and the property walk over it) that JSON.parse builds,
 * and without a value per cell for parseBatch to judge: the bytes of
 * `[{"customer_id":42,"ts":"2026-07-01T10:00:00Z","amount":59.9}, ...]` become ids, epoch
 * milliseconds and amounts as they are read. Each value is judged by the batch path's own rules
 * (parse-values.ts: customerKeyFromValue, numberFromValue, eventIdFromValue; ISO timestamps as
 * parseIsoTimestamp reads them), so the rows are the ones parseBatch would accept.
 *
 * Only bodies whose every row is valid and in the common shape are read here: rows with
 * `customer_id`, `ts` as ISO-8601 text, `amount` and `margin` as numbers (margin may be null or
 * absent), an optional `event_id`, and unknown keys with plain values. Anything else (a row
 * parseBatch would reject, line items, order ids, text money, numeric timestamps, a value that
 * is an array or an object, a `__proto__` or `constructor` key, a control character in a
 * string, a byte that is not JSON, a config whose ts_format is neither auto nor iso) returns
 * null, and the caller takes the general path (JSON.parse with its checks, jsonRowsBatch, then
 * parseBatch with the event dialect), which accepts, rejects or refuses the body exactly as
 * before. So this file decides only how fast a body is read, never what is accepted.
 *
 * The Rust addon reads the commonest of these bodies (native/src/json_rows.rs: integer or plain
 * ASCII ids, canonical timestamps, numbers on the exact fast path, no event ids) into the same
 * columns, and leaves any other to the scanner here; `SEGSTREAM_JSON_SCANNER=js` asks for this one.
 *
 * Numbers follow JSON's grammar; one with at most 15 significant digits and at most 22 decimals is
 * m / 10^k of two exact doubles, so correctly rounded like JSON.parse (Clinger's fast path); any
 * other goes through Number() of its text. A timestamp in the canonical form
 * `YYYY-MM-DDTHH:MM:SS[.fff]Z` is read from its bytes; any other text goes to parseIsoTimestamp.
 */
import { type NativeBinding, nativeBinding } from '../kernels/native-binding.js';
import type { TxBatch } from '../parse/parse-batch.js';
import { MS_PER_DAY, daysFromCivil, parseIsoTimestamp } from '../parse/parse-timestamp.js';
import { type CustomerKey, type KeyResult, customerKeyFromText, customerKeyFromValue, numberFromValue } from '../parse/parse-values.js';
import { eventIdFromValue } from '../wal/event-id.js';
import { type IdKeyCache, MAX_CACHED_BYTES, tagEntries } from './id-key-cache.js';
import { JSON_ROW_KEYS } from './tx-batches.js';

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
/** 1 + the index of the known key that starts with a byte, 0 for none: no two known keys start alike. */
const KEY_BY_FIRST = new Int8Array(256);
KEY_BYTES.forEach((k, j) => {
  KEY_BY_FIRST[k[0]!] = j + 1;
});

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
    return this.spanText();
  }

  /** The text of the last string read by stringSpan. */
  spanText(): string {
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

  /** The cache entry of the last id {@link key} read, -1 for none. */
  entry = -1;

  /**
   * A customer id, judged as parseBatch judges a JSON value (customerKeyFromValue); bails on one
   * it would reject. A plain text id is looked up by its bytes in `ids` (no string per row).
   */
  key(ids: IdKeyCache): CustomerKey {
    const c = this.space();
    let k: KeyResult;
    this.entry = -1;
    if (c === QUOTE) {
      this.stringSpan();
      const { spanStart: start, spanEnd: end } = this;
      if (this.spanPlain && end - start <= MAX_CACHED_BYTES) {
        k = ids.keyOf(this.b, start, end);
        this.entry = ids.lastEntry;
      } else k = customerKeyFromText(this.spanText());
    } else if (c === MINUS || (c >= ZERO && c <= NINE)) k = customerKeyFromValue(this.number());
    else throw BAIL;
    if (k === undefined || k === null) throw BAIL;
    return smallKey(k);
  }

  /** An ISO-8601 timestamp in a string (parseIsoTimestamp's rules); bails on any other value or an invalid one. */
  timestamp(): number {
    if (this.space() !== QUOTE) throw BAIL;
    // The canonical forms, read in place: a quote right after one, whose every byte canonicalIsoMs
    // checked (so no quote, escape or control byte inside), ends the string there.
    const b = this.b;
    const from = this.at + 1;
    const len = b[from + 20] === QUOTE ? 20 : b[from + 24] === QUOTE ? 24 : b[from + 10] === QUOTE ? 10 : 0;
    if (len > 0) {
      const t = canonicalIsoMs(b, from, from + len);
      if (!Number.isNaN(t)) {
        this.at = from + len + 1;
        return t;
      }
    }
    this.stringSpan();
    const { spanStart: start, spanEnd: end } = this;
    let t = this.spanPlain ? canonicalIsoMs(this.b, start, end) : Number.NaN;
    if (Number.isNaN(t)) {
      this.at = start - 1;
      t = parseIsoTimestamp(this.string());
    }
    if (Number.isNaN(t)) throw BAIL;
    return t;
  }

  /** A money amount given as a JSON number (numberFromValue); bails on text money or one out of range. */
  money(): number {
    const c = this.space();
    if (c !== MINUS && (c < ZERO || c > NINE)) throw BAIL;
    const v = numberFromValue(this.number());
    if (Number.isNaN(v)) throw BAIL;
    return v;
  }

  /** A margin: a number as money, null as not known (NaN); bails on anything else. */
  margin(): number {
    if (this.space() === 0x6e) {
      this.literal('null', null);
      return Number.NaN;
    }
    return this.money();
  }

  /**
   * The next key: its index among the known keys, or -1 for another; bails on a key with escapes
   * (it could spell a known or refused key: the general path reads it) or a refused key. A known
   * key is matched in place, its closing quote right after it.
   */
  keyName(): number {
    if (this.space() !== QUOTE) throw BAIL;
    const b = this.b;
    const start = this.at + 1;
    const j = KEY_BY_FIRST[b[start]!]! - 1;
    if (j >= 0) {
      const k = KEY_BYTES[j]!;
      const len = k.length;
      let i = 1;
      while (i < len && b[start + i] === k[i]) i++;
      if (i === len && b[start + len] === QUOTE) {
        this.at = start + len + 1;
        return j;
      }
    }
    this.stringSpan();
    if (!this.spanPlain) throw BAIL;
    return this.keyIndex(this.spanStart, this.spanEnd);
  }

  /** Which known key the bytes `start..end` are (-1: another key); bails on a refused key. */
  keyIndex(start: number, end: number): number {
    const b = this.b;
    const len = end - start;
    // The one known key with this first byte, if any, then its bytes compared.
    const j = KEY_BY_FIRST[b[start]!]! - 1;
    if (j >= 0 && KEY_BYTES[j]!.length === len) {
      const k = KEY_BYTES[j]!;
      let i = 1;
      while (i < len && b[start + i] === k[i]) i++;
      if (i === len) return j;
    }
    for (const k of REFUSED_KEYS) if (k.length === len && k.equals(b.subarray(start, end))) throw BAIL;
    return -1;
  }
}

/** Column indexes of the keys this reader takes (JSON_ROW_KEYS order); the others of JSON_ROW_KEYS send a body to the general path. */
const ID = 0;
const TS = 1;
const AMOUNT = 2;
const MARGIN = 3;
const EVENT_ID = 4;
const REQUIRED = (1 << ID) | (1 << TS) | (1 << AMOUNT);

/** Whether a body's timestamps may be read here: the dialect reads ISO text as ISO under these formats only. */
export function readsIsoTimestamps(tsFormat: string): boolean {
  return tsFormat === 'auto' || tsFormat === 'iso';
}

function digit(b: Uint8Array, at: number): number {
  const c = b[at]! - ZERO;
  return c >= 0 && c <= 9 ? c : -100_000;
}

/**
 * The instant of `YYYY-MM-DDTHH:MM:SSZ`, `YYYY-MM-DDTHH:MM:SS.fffZ` or `YYYY-MM-DD` in bytes
 * `start..end`, or NaN for any other text (which parseIsoTimestamp then reads). A day past the
 * 28th is left to parseIsoTimestamp too, which knows the months' lengths.
 */
export function canonicalIsoMs(b: Uint8Array, start: number, end: number): number {
  const len = end - start;
  if ((len !== 20 && len !== 24 && len !== 10) || b[start + 4] !== MINUS || b[start + 7] !== MINUS) return Number.NaN;
  const year = digit(b, start) * 1000 + digit(b, start + 1) * 100 + digit(b, start + 2) * 10 + digit(b, start + 3);
  const month = digit(b, start + 5) * 10 + digit(b, start + 6);
  const day = digit(b, start + 8) * 10 + digit(b, start + 9);
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > 28) return Number.NaN;
  const date = daysFromCivil(year, month, day) * MS_PER_DAY;
  if (len === 10) return date;
  if (b[start + 10] !== 0x54 /* T */ || b[start + 13] !== COLON || b[start + 16] !== COLON || b[end - 1] !== 0x5a /* Z */) return Number.NaN;
  const hour = digit(b, start + 11) * 10 + digit(b, start + 12);
  const minute = digit(b, start + 14) * 10 + digit(b, start + 15);
  const second = digit(b, start + 17) * 10 + digit(b, start + 18);
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return Number.NaN;
  let ms = 0;
  if (len === 24) {
    if (b[start + 19] !== DOT) return Number.NaN;
    ms = digit(b, start + 20) * 100 + digit(b, start + 21) * 10 + digit(b, start + 22);
    if (ms < 0) return Number.NaN;
  }
  return date + hour * 3_600_000 + minute * 60_000 + second * 1000 + ms;
}

/** Typed columns that grow as rows are read. */
class Columns {
  ids: CustomerKey[] = [];
  ts: Float64Array;
  amount: Float64Array;
  margin: Float64Array;
  eventIds: (string | null)[] = [];
  /** Each row's id cache entry (-1: none). */
  entries: Int32Array;
  constructor(capacity: number) {
    this.ts = new Float64Array(capacity);
    this.amount = new Float64Array(capacity);
    this.margin = new Float64Array(capacity);
    this.entries = new Int32Array(capacity);
  }

  room(n: number): void {
    if (n < this.ts.length) return;
    const grow = (old: Float64Array) => {
      const next = new Float64Array(old.length * 2);
      next.set(old);
      return next;
    };
    this.ts = grow(this.ts);
    this.amount = grow(this.amount);
    this.margin = grow(this.margin);
    const entries = new Int32Array(this.entries.length * 2);
    entries.set(this.entries);
    this.entries = entries;
  }
}

/** Which scanner reads a body first: the addon's where it has one (`auto`), or this file's alone. */
export type JsonScanner = 'auto' | 'js';

let nativeScan: NativeBinding['jsonRowsScan'] | null | undefined;

/** The addon's JSON rows scanner, or null without the addon, in a build before it, or under SEGSTREAM_JSON_SCANNER=js (looked up once). */
export function nativeJsonScanner(): NativeBinding['jsonRowsScan'] | null {
  if (nativeScan === undefined) {
    const b = process.env['SEGSTREAM_JSON_SCANNER'] === 'js' ? null : nativeBinding();
    nativeScan = b !== null && typeof b.jsonRowsScan === 'function' ? b.jsonRowsScan.bind(b) : null;
  }
  return nativeScan;
}

/** A number id as the batch holds it: a small integer as such, not a double the interner's Map would box on every lookup. */
function smallKey(k: CustomerKey): CustomerKey {
  return typeof k === 'number' && k >= -0x40000000 && k < 0x40000000 ? k | 0 : k;
}

/**
 * Columns the addon writes, reused from request to request (one request reads at a time: the
 * scan is synchronous); the batch gets copies of exactly its rows, so the log's in-memory rows
 * hold no unused slots and no allocation of a body's worth of slots happens per request.
 */
class NativeScratch {
  ts = new Float64Array(0);
  amount = new Float64Array(0);
  margin = new Float64Array(0);
  idNum = new Float64Array(0);
  idStart = new Int32Array(0);
  idEnd = new Int32Array(0);
  readonly io = new Float64Array(1);

  room(slots: number): void {
    if (this.ts.length >= slots) return;
    this.ts = new Float64Array(slots);
    this.amount = new Float64Array(slots);
    this.margin = new Float64Array(slots);
    this.idNum = new Float64Array(slots);
    this.idStart = new Int32Array(slots);
    this.idEnd = new Int32Array(slots);
  }
}

const scratch = new NativeScratch();

/** The body read by the addon (see the file comment), or null when it leaves the body to this file's scanner. */
function scanNative(scan: NonNullable<NativeBinding['jsonRowsScan']>, body: Uint8Array, ids: IdKeyCache): { batch: TxBatch; rows: number } | null {
  // A row of the shape the addon reads takes 46 bytes or more; a body with more rows than slots is left to this file.
  scratch.room(Math.floor(body.length / 40) + 2);
  const { ts, amount, margin, idNum, idStart, idEnd, io } = scratch;
  const n = scan(body, ts, amount, margin, idNum, idStart, idEnd, io);
  if (n < 0) return null;
  const keys: CustomerKey[] = new Array(n);
  const entries = new Int32Array(n);
  const generation = ids.generation;
  let cached = false;
  for (let i = 0; i < n; i++) {
    const v = idNum[i]!;
    if (!Number.isNaN(v)) {
      keys[i] = smallKey(v);
      entries[i] = -1;
      continue;
    }
    const k = ids.keyOf(body, idStart[i]!, idEnd[i]!);
    // A missing or bad id (`NA`, blank): parseBatch rejects the row; this file's scanner leaves the body to the general path.
    if (k === undefined || k === null) return null;
    keys[i] = smallKey(k);
    entries[i] = ids.lastEntry;
    if (ids.lastEntry >= 0) cached = true;
  }
  if (cached && ids.generation === generation) tagEntries(keys, { cache: ids, generation, entries });
  const batch: TxBatch = { length: n, ids: keys, ts: ts.slice(0, n), amount: amount.slice(0, n), margin: io[0] === 1 ? margin.slice(0, n) : null };
  return { batch, rows: n };
}

/**
 * The rows of a JSON body as a TxBatch (see the file comment), or null for the general path.
 * `rows` is the number of rows, all valid.
 */
export function scanJsonBatch(body: Uint8Array, tsFormat: string, ids: IdKeyCache, scanner: JsonScanner = 'auto'): { batch: TxBatch; rows: number } | null {
  if (!readsIsoTimestamps(tsFormat)) return null;
  const scan = scanner === 'auto' ? nativeJsonScanner() : null;
  const fast = scan ? scanNative(scan, body, ids) : null;
  if (fast) return fast;
  const s = new Scanner(body);
  // A row of the common shape takes 60 bytes or more.
  const cols = new Columns(Math.max(16, Math.ceil(body.length / 48)));
  let seen = 0;
  let n = 0;
  let cached = false;
  const generation = ids.generation;
  try {
    s.expect(0x5b);
    if (s.space() === 0x5d) return null;
    for (;;) {
      s.expect(0x7b);
      cols.room(n);
      let got = 0;
      let margin = Number.NaN;
      let eventId: string | null = null;
      if (s.space() !== 0x7d) {
        for (;;) {
          const j = s.keyName();
          s.expect(COLON);
          if (j === ID) {
            cols.ids[n] = s.key(ids);
            cols.entries[n] = s.entry;
            if (s.entry >= 0) cached = true;
          }
          else if (j === TS) cols.ts[n] = s.timestamp();
          else if (j === AMOUNT) cols.amount[n] = s.money();
          else if (j === MARGIN) margin = s.margin();
          else if (j === EVENT_ID) {
            const e = eventIdFromValue(s.value());
            if (e === undefined) throw BAIL;
            eventId = e;
          } else if (j >= 0) throw BAIL;
          else s.value();
          if (j >= 0) got |= 1 << j;
          const c = s.space();
          s.at++;
          if (c === 0x7d) break;
          if (c !== COMMA) throw BAIL;
        }
      }
      if ((got & REQUIRED) !== REQUIRED) throw BAIL;
      cols.margin[n] = margin;
      cols.eventIds[n] = eventId;
      seen |= got;
      n++;
      const c = s.space();
      s.at++;
      if (c === 0x5d) break;
      if (c !== COMMA) throw BAIL;
    }
    if (s.space() !== -1) throw BAIL;
  } catch (error) {
    if (error === BAIL) return null;
    throw error;
  }
  // Entries tag the ids only when the cache did not start over while the body was read.
  if (cached && ids.generation === generation) tagEntries(cols.ids, { cache: ids, generation, entries: cols.entries.subarray(0, n) });
  const batch: TxBatch = {
    length: n,
    ids: cols.ids,
    ts: cols.ts.subarray(0, n),
    amount: cols.amount.subarray(0, n),
    // As parseBatch gives them: a margin column when any row has the key, event ids when any row has that key.
    margin: (seen & (1 << MARGIN)) !== 0 ? cols.margin.subarray(0, n) : null,
    ...((seen & (1 << EVENT_ID)) !== 0 ? { eventIds: cols.eventIds } : {}),
  };
  return { batch, rows: n };
}
