import { InputUnreadableError } from '../errors.js';
import { guessDelimiter, type CsvDelimiter } from './csv-delimiter.js';
import type { MalformedRow } from './raw-batch.js';

/**
 * A streaming RFC 4180 scanner: Buffer chunks in, columns of strings out. It is a byte-level
 * state machine whose whole state survives between `push` calls, so a record, a field, a `""`
 * escape, a CRLF or a UTF-8 character may be split at any byte across chunks.
 *
 *   FIELD_START ──"──▶ QUOTED ──"──▶ QUOTE_SEEN* ──"──▶ QUOTED      (*only when the quote ends a chunk)
 *        │               ▲ └── "" ──┘      └──other──▶ AFTER_CLOSE ──, or LF──▶ FIELD_START
 *        └──other──▶ UNQUOTED ──, or LF──▶ FIELD_START
 *
 * Only the selected fields become strings; the others are scanned past. A record's selected
 * values wait in `pending` and reach the columns only when the record ends with the header's
 * field count, so a malformed record costs nothing but its slot (all nulls) and a MalformedRow.
 * Empty lines are skipped and not counted; an empty unquoted field is null, `""` is the empty string.
 */

const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;

const FIELD_START = 0;
const UNQUOTED = 1;
const QUOTED = 2;
const QUOTE_SEEN = 3;
const AFTER_CLOSE = 4;

const ESCAPED_QUOTE = Buffer.from('""');
// Bytes gathered before the first line is scanned: enough to see a whole header line.
const PRELUDE_BYTES = 64 * 1024;
/** A field may not grow beyond this across chunks: an unclosed quote would otherwise swallow the file. */
export const MAX_FIELD_BYTES = 64 * 1024 * 1024;

/** How a CsvScanner splits and which fields it keeps. */
export interface CsvScannerOptions {
  /** Field delimiter (default `auto`: `,`, tab or `;`, whichever the header line has most of, ties to `,`). */
  readonly delimiter?: CsvDelimiter | 'auto';
  /** Names the input in errors. */
  readonly source?: string;
  /** Called once with the header; returns the field positions to keep, in column order. May throw. */
  readonly onHeader: (header: readonly string[]) => readonly number[];
}

/** Rows taken out of a scanner: one array per selected field, plus the malformed rows among them. */
export interface CsvRows {
  readonly length: number;
  readonly columns: ReadonlyArray<ReadonlyArray<string | null>>;
  readonly malformed: readonly MalformedRow[];
}

/** Streaming CSV scanner: `push` chunks, `end`, and `take` rows as columns. */
export class CsvScanner {
  /** The header's fields once the first line is scanned, else null. */
  header: string[] | null = null;
  /** Rows scanned and not yet taken. */
  rowCount = 0;
  /** The delimiter in use (decided by the first line when `auto`). */
  delimiter: CsvDelimiter | null;

  private readonly onHeader: (header: readonly string[]) => readonly number[];
  private readonly source: string;
  private delim = 0x2c;
  private prelude: Buffer[] | null = [];
  private preludeBytes = 0;
  private preludeHasLF = false;

  private state = FIELD_START;
  private fieldIndex = 0;
  private quoted = false;
  private hasEscape = false;
  /** Earlier chunks' bytes of the current field (kept only for fields that will be read). */
  private pieces: Buffer[] = [];
  private pieceBytes = 0;
  /** Whether field 0 of the current record was unquoted and empty: with no other field, a blank line. */
  private firstFieldEmpty = false;
  /** Why the current record is malformed beyond its field count, or null. */
  private fault: string | null = null;

  /** `slotOf[i]` is the column of field `i`, -1 when the field is skipped. */
  private slotOf: Int32Array = new Int32Array(0);
  private pending: Array<string | null> = [];
  private columns: Array<Array<string | null>> = [];
  private malformed: MalformedRow[] = [];

  constructor(options: CsvScannerOptions) {
    this.onHeader = options.onHeader;
    this.source = options.source ?? 'input';
    const d = options.delimiter ?? 'auto';
    this.delimiter = d === 'auto' ? null : d;
  }

  /** Scans one chunk. The scanner keeps no reference to it past the call. */
  push(chunk: Uint8Array): void {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.prelude === null) {
      this.scan(buf);
      return;
    }
    this.prelude.push(Buffer.from(buf));
    this.preludeBytes += buf.length;
    if (buf.includes(LF)) this.preludeHasLF = true;
    if (this.preludeHasLF && this.preludeBytes >= 3) this.flushPrelude();
    else if (this.preludeBytes >= PRELUDE_BYTES) this.flushPrelude();
  }

  /** Ends the input: the last record needs no trailing newline. */
  end(): void {
    if (this.prelude !== null) this.flushPrelude();
    const empty = Buffer.alloc(0);
    switch (this.state) {
      case FIELD_START:
        if (this.fieldIndex === 0) return; // after a newline, or no input at all
        this.endUnquoted(empty, 0, 0, false);
        break;
      case UNQUOTED:
        this.endUnquoted(empty, 0, 0, true);
        break;
      case QUOTED:
        this.fault ??= 'unterminated quoted field';
        this.endQuoted(empty, 0, 0);
        break;
      case QUOTE_SEEN:
        this.endQuoted(empty, 0, 0);
        break;
    }
    this.endRecord();
    this.state = FIELD_START;
  }

  /** Removes and returns the first `n` scanned rows (all of them when fewer). */
  take(n: number): CsvRows {
    const k = Math.min(n, this.rowCount);
    let columns: Array<Array<string | null>>;
    let malformed: MalformedRow[];
    if (k === this.rowCount) {
      columns = this.columns;
      malformed = this.malformed;
      this.columns = columns.map(() => []);
      this.malformed = [];
    } else {
      columns = this.columns.map((c) => c.slice(0, k));
      this.columns = this.columns.map((c) => c.slice(k));
      malformed = this.malformed.filter((m) => m.index < k);
      this.malformed = this.malformed
        .filter((m) => m.index >= k)
        .map((m) => ({ index: m.index - k, reason: m.reason, detail: m.detail }));
    }
    this.rowCount -= k;
    return { length: k, columns, malformed };
  }

  private flushPrelude(): void {
    let buf = Buffer.concat(this.prelude ?? []);
    this.prelude = null;
    if (buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) buf = buf.subarray(3);
    this.delimiter ??= guessDelimiter(buf);
    this.delim = this.delimiter.charCodeAt(0);
    this.scan(buf);
  }

  private scan(buf: Buffer): void {
    const len = buf.length;
    const delim = this.delim;
    let state = this.state;
    let pos = 0;
    // Start of the current field's content in this chunk; earlier bytes of it are in `pieces`.
    let start = 0;
    while (pos < len) {
      if (state === FIELD_START) {
        if (buf[pos] === QUOTE) {
          state = QUOTED;
          this.quoted = true;
          this.hasEscape = false;
          pos++;
        } else {
          state = UNQUOTED;
          this.quoted = false;
        }
        start = pos;
      } else if (state === UNQUOTED) {
        let p = pos;
        let c = 0;
        while (p < len) {
          c = buf[p]!;
          if (c === delim || c === LF) break;
          p++;
        }
        if (p === len) {
          pos = len;
          break;
        }
        this.endUnquoted(buf, start, p, c === LF);
        if (c === LF) this.endRecord();
        else this.fieldIndex++;
        state = FIELD_START;
        pos = p + 1;
      } else if (state === QUOTED) {
        const q = buf.indexOf(QUOTE, pos);
        if (q < 0) {
          pos = len;
          break;
        }
        if (q + 1 === len) {
          // Escape or closing quote? The next chunk decides; keep the content without the quote.
          this.keepPiece(buf, start, q);
          state = QUOTE_SEEN;
          pos = start = len;
        } else if (buf[q + 1] === QUOTE) {
          this.hasEscape = true;
          pos = q + 2;
        } else {
          this.endQuoted(buf, start, q);
          state = AFTER_CLOSE;
          pos = q + 1;
        }
      } else if (state === QUOTE_SEEN) {
        if (buf[pos] === QUOTE) {
          this.keepPiece(ESCAPED_QUOTE, 0, 2);
          this.hasEscape = true;
          state = QUOTED;
          start = ++pos;
        } else {
          this.endQuoted(buf, pos, pos);
          state = AFTER_CLOSE;
        }
      } else {
        // AFTER_CLOSE: only a delimiter, a newline or the CR of a CRLF may follow a closing quote.
        const c = buf[pos]!;
        if (c === delim) {
          this.fieldIndex++;
          state = FIELD_START;
        } else if (c === LF) {
          this.endRecord();
          state = FIELD_START;
        } else if (c !== CR) {
          this.fault ??= `unexpected character after the closing quote of field ${this.fieldIndex + 1}`;
        }
        pos++;
      }
    }
    if ((state === UNQUOTED || state === QUOTED) && start < len) this.keepPiece(buf, start, len);
    this.state = state;
  }

  /** The column of the current field, -1 when skipped. Before the header every field is kept. */
  private slot(): number {
    if (this.header === null) return this.fieldIndex;
    return this.fieldIndex < this.slotOf.length ? this.slotOf[this.fieldIndex]! : -1;
  }

  private keepPiece(buf: Buffer, start: number, end: number): void {
    // Field 0 is kept even when skipped: whether it is empty tells a blank line from a record.
    if (this.slot() < 0 && !(this.fieldIndex === 0 && !this.quoted)) return;
    this.pieceBytes += end - start;
    if (this.pieceBytes > MAX_FIELD_BYTES) {
      throw new InputUnreadableError(
        `${this.source}: a field is longer than ${MAX_FIELD_BYTES} bytes near record ${this.rowCount + 1} (an unclosed quote?)`,
      );
    }
    this.pieces.push(Buffer.from(buf.subarray(start, end))); // a copy: the caller may reuse its chunk
  }

  /** The current field's bytes: earlier pieces plus `buf[start, end)`. Only for fields spanning chunks. */
  private joinPieces(buf: Buffer, start: number, end: number): Buffer {
    const bytes = Buffer.concat([...this.pieces, buf.subarray(start, end)]);
    this.pieces = [];
    this.pieceBytes = 0;
    return bytes;
  }

  private endUnquoted(buf: Buffer, start: number, end: number, atLineEnd: boolean): void {
    const slot = this.slot();
    if (slot < 0 && this.fieldIndex !== 0) return;
    if (this.pieces.length > 0) {
      buf = this.joinPieces(buf, start, end);
      start = 0;
      end = buf.length;
    }
    if (atLineEnd && end > start && buf[end - 1] === CR) end--;
    // toString with bounds, not subarray().toString(): a Buffer view per field costs more than the decode.
    if (slot >= 0) this.pending[slot] = end === start ? null : buf.toString('utf8', start, end);
    this.firstFieldEmpty = end === start;
  }

  private endQuoted(buf: Buffer, start: number, end: number): void {
    const slot = this.slot();
    this.firstFieldEmpty = false;
    if (slot < 0) return;
    if (this.pieces.length > 0) {
      buf = this.joinPieces(buf, start, end);
      start = 0;
      end = buf.length;
    }
    const text = buf.toString('utf8', start, end);
    this.pending[slot] = this.hasEscape ? text.replaceAll('""', '"') : text;
  }

  private endRecord(): void {
    const fields = this.fieldIndex + 1;
    this.fieldIndex = 0;
    const fault = this.fault;
    this.fault = null;
    if (fields === 1 && !this.quoted && this.firstFieldEmpty) return; // an empty line
    if (this.header === null) {
      this.acceptHeader(fields);
      return;
    }
    const row = this.rowCount++;
    const columns = this.columns;
    if (fields === this.slotOf.length && fault === null) {
      for (let k = 0; k < columns.length; k++) columns[k]!.push(this.pending[k]!);
    } else {
      for (let k = 0; k < columns.length; k++) columns[k]!.push(null);
      const detail = fault ?? `expected ${this.slotOf.length} fields, got ${fields}`;
      this.malformed.push({ index: row, reason: 'malformed_row', detail });
    }
  }

  private acceptHeader(fields: number): void {
    const header: string[] = [];
    for (let i = 0; i < fields; i++) header.push(this.pending[i] ?? '');
    this.header = header;
    const keep = this.onHeader(header);
    this.slotOf = new Int32Array(fields).fill(-1);
    keep.forEach((field, k) => {
      this.slotOf[field] = k;
    });
    this.pending = keep.map(() => null);
    this.columns = keep.map(() => []);
  }
}
