/**
 * CSV through the Rust scanner (native/src/csv): the same records and batches as readCsv's
 * TypeScript scanner, with the fast cases of the values parsed natively. Each batch's columns:
 *
 *   customer_id, order_id  Int64 when every id of the batch is a canonical integer, else Utf8
 *   ts                     Timestamp(ms) when every value took the fast path of the decided kind
 *   amount, quantity, ...  Float64 likewise, under a decimal point
 *   anything else          `text`, as the TypeScript scanner gives it: the parser judges it
 *
 * A value is parsed natively only under the rules the parse step has decided (ReadOptions.dialect):
 * while the ts kind or the decimal mark is still to be sniffed, or for a declared pattern or a
 * decimal comma, the column stays text, so the sniffing and every reject see exactly today's
 * input. A batch with one value off the fast path (a bad row, spaces, a currency sign) hands that
 * column of that batch to the TypeScript parser as text: same reasons, same details.
 *
 * Splits: a byte range owns the records whose first byte lies in it (csv-feed.ts planSplits, csv-reader.ts readSplit).
 */
import { isUtf8 } from 'node:buffer';
import { Float64, Int64, makeData, makeVector, TimestampMillisecond, Utf8, type Vector } from 'apache-arrow';
import { type NativeCsvBinding, nativeBinding } from '../kernels/native-binding.js';
import { guardNative } from '../kernels/native-errors.js';
import { DEFAULT_BATCH_SIZE, sourceName, toInputError } from './byte-source.js';
import { resolveColumns, type ResolvedColumns } from './column-map.js';
import { CsvFeed, type CsvInput } from './csv-feed.js';
import { guessDelimiter, type CsvDelimiter } from './csv-delimiter.js';
import { CsvScanner, type CsvRows, MAX_FIELD_BYTES } from './csv-scanner.js';
import type { ColumnMap, MalformedRow, RawBatch, RawColumn, ReadColumnName, ReadDialect, ReadOptions } from './raw-batch.js';

/** Column modes of native/src/csv/batch.rs `Mode::from_code`; a timestamp adds its rule. */
const MODE_TEXT = 0;
const MODE_ID = 1;
const MODE_MONEY = 2;
const MODE_TS = 10;
/** Timestamp rules of native/src/csv/values.rs `TsRule::from_code`, by the parse step's ts kind. */
const TS_RULES: Readonly<Record<string, number>> = { iso: 0, native: 1, epoch_ms: 2, epoch_s: 3, yyyymmdd: 4 };
/** Output kinds of native/src/csv/batch.rs. */
const OUT_UTF8 = 0;
const OUT_INT64 = 1;
const OUT_TIMESTAMP_MS = 2;
const OUT_FLOAT64 = 3;
/** Why csvScannerPush returned (native/src/csv/mod.rs). */
const NEED_INPUT = 0;
const HEADER = 2;

const LF = 0x0a;
const PRELUDE_BYTES = 64 * 1024;
const ID_COLUMNS: ReadonlySet<ReadColumnName> = new Set(['customer_id', 'order_id']);
const MONEY_COLUMNS: ReadonlySet<ReadColumnName> = new Set(['amount', 'margin', 'quantity', 'price']);

/** The addon's CSV scanner, or null when the addon is missing or built before it (looked up once per thread). */
export function nativeCsvBinding(): NativeCsvBinding | null {
  const b = nativeBinding();
  return b !== null && typeof b.csvScannerCreate === 'function' && typeof b.csvScannerTake === 'function' ? (b as NativeCsvBinding) : null;
}

/** Options of readCsvNative: the delimiter is decided by the caller (csv-reader.ts). */
export interface NativeCsvOptions extends ReadOptions {
  readonly delimiter: CsvDelimiter | 'auto';
}

/** The mode of each scanned field for the next batch, by the contract columns it feeds and the dialect. */
function modesOf(resolved: ResolvedColumns, fields: readonly number[], dialect: ReadDialect | undefined): Uint8Array {
  const modes = new Uint8Array(fields.length);
  const tsRule = dialect === undefined ? undefined : TS_RULES[dialect.ts];
  const pointMark = dialect !== undefined && !dialect.undecided && dialect.decimal === '.';
  fields.forEach((field, k) => {
    let mode = -1;
    resolved.names.forEach((name, j) => {
      if (resolved.indices[j] !== field) return;
      let m = MODE_TEXT;
      if (ID_COLUMNS.has(name)) m = MODE_ID;
      else if (name === 'ts' && tsRule !== undefined) m = MODE_TS + tsRule;
      else if (MONEY_COLUMNS.has(name) && pointMark) m = MODE_MONEY;
      // A field feeding two roles (an id and an amount) is read as text for both.
      mode = mode === -1 || mode === m ? m : MODE_TEXT;
    });
    modes[k] = Math.max(mode, MODE_TEXT);
  });
  return modes;
}

function bit(valid: Uint8Array | null, i: number): boolean {
  return valid === null || (valid[i >> 3]! & (1 << (i & 7))) !== 0;
}

/** A column as the TypeScript scanner would give it: strings, null for an empty unquoted field. */
function textValues(rows: number, valid: Uint8Array | null, offsets: Int32Array, bytes: Buffer): (string | null)[] {
  const out = new Array<string | null>(rows);
  for (let i = 0; i < rows; i++) out[i] = bit(valid, i) ? bytes.toString('utf8', offsets[i]!, offsets[i + 1]!) : null;
  return out;
}

/**
 * One taken column as a RawColumn, by the output kind the scanner chose and the mode it was read
 * in; with `keepUtf8` (a head scan) valid UTF-8 text stays a Utf8 vector, whose cells become
 * strings only where read.
 */
function toColumn(rows: number, mode: number, kind: number, nulls: number, validity: ArrayBuffer | undefined, values: ArrayBuffer, bytes: ArrayBuffer | undefined, keepUtf8: boolean): RawColumn {
  const nullBitmap = nulls > 0 && validity !== undefined ? new Uint8Array(validity) : null;
  const common = { length: rows, nullCount: nulls, ...(nullBitmap ? { nullBitmap } : {}) };
  let vector: Vector;
  switch (kind) {
    case OUT_INT64:
      vector = makeVector(makeData({ type: new Int64(), ...common, data: new BigInt64Array(values) }));
      break;
    case OUT_TIMESTAMP_MS:
      vector = makeVector(makeData({ type: new TimestampMillisecond(), ...common, data: new BigInt64Array(values) }));
      break;
    case OUT_FLOAT64:
      vector = makeVector(makeData({ type: new Float64(), ...common, data: new Float64Array(values) }));
      break;
    default: {
      const offsets = new Int32Array(values);
      const data = new Uint8Array(bytes ?? new ArrayBuffer(0));
      // Ids stay bytes (Utf8) for the sink to intern; text of other columns, or bytes that are
      // not UTF-8, become JS strings exactly as the TypeScript scanner decodes them.
      if (kind === OUT_UTF8 && (mode === MODE_ID || (keepUtf8 && isUtf8(data)))) {
        vector = makeVector(makeData({ type: new Utf8(), ...common, valueOffsets: offsets, data }));
        break;
      }
      return { kind: 'text', values: textValues(rows, nullBitmap, offsets, Buffer.from(data.buffer, data.byteOffset, data.byteLength)) };
    }
  }
  return { kind: 'arrow', vector };
}

function malformedRows(buf: ArrayBuffer, width: number): MalformedRow[] {
  const m = new Int32Array(buf);
  const out: MalformedRow[] = [];
  for (let i = 0; i + 2 < m.length; i += 3) {
    const what = m[i + 1];
    const n = m[i + 2]!;
    const detail = what === 0 ? `expected ${width} fields, got ${n}` : what === 1 ? `unexpected character after the closing quote of field ${n}` : 'unterminated quoted field';
    out.push({ index: m[i]!, reason: 'malformed_row', detail });
  }
  return out;
}

/**
 * Reads a CSV source or split (header row first) as batches, like readCsv, through the native
 * scanner. `scanner` is the addon (nativeCsvBinding()); memory holds the feed's buffer (a few
 * MiB, more only for a longer record) and one batch.
 */
export async function* readCsvNative(input: CsvInput, options: NativeCsvOptions, scanner: NativeCsvBinding): AsyncGenerator<RawBatch> {
  const source = input.kind === 'split' ? input.split.path : sourceName(input);
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const read = async <T>(f: () => Promise<T>): Promise<T> => {
    try {
      return await f();
    } catch (err) {
      throw toInputError(source, err);
    }
  };
  const feed = await read(() => CsvFeed.open(input));
  try {
    // As the TypeScript scanner, the delimiter is guessed once the first line is in (or 64 KiB).
    do await read(() => feed.fill(0));
    while (!feed.done && feed.len < PRELUDE_BYTES && (feed.len < 3 || feed.buf.subarray(0, feed.len).indexOf(LF) < 0));
    let pos = feed.len >= 3 && feed.buf[0] === 0xef && feed.buf[1] === 0xbb && feed.buf[2] === 0xbf ? 3 : 0;
    const delimiter = options.delimiter === 'auto' ? guessDelimiter(feed.buf.subarray(pos, feed.len)) : options.delimiter;
    const h = guardNative('csvScannerCreate', () => scanner.csvScannerCreate(delimiter.charCodeAt(0), batchSize));
    const io = new Float64Array(1);
    let resolved: ResolvedColumns | null = null;
    let fields: number[] = [];
    let fieldSlot: number[] = [];
    let width = 0;
    let modes: Uint8Array = new Uint8Array(0);
    let firstRow = 1;
    const batch = (): RawBatch | null => {
      const out = guardNative('csvScannerTake', () => scanner.csvScannerTake(h));
      const rows = out[0] as number;
      if (rows === 0) return null;
      const slots: RawColumn[] = [];
      for (let k = 0; k < fields.length; k++) {
        const at = 2 + 5 * k;
        slots.push(toColumn(rows, modes[k]!, out[at] as number, out[at + 1] as number, out[at + 2] as ArrayBuffer | undefined, out[at + 3] as ArrayBuffer, out[at + 4] as ArrayBuffer | undefined, options.head === true));
      }
      const columns: RawBatch['columns'] = {};
      resolved!.names.forEach((name, k) => {
        columns[name] = slots[fieldSlot[k]!]!;
      });
      const raw: RawBatch = { source, firstRow, length: rows, columns, malformed: malformedRows(out[1] as ArrayBuffer, width), bytesRead: feed.bytesRead };
      firstRow += rows;
      return raw;
    };
    // The modes follow the dialect, which the consumer may decide from the batch just yielded.
    const refreshModes = (): void => {
      const next = modesOf(resolved!, fields, options.dialect);
      if (next.some((m, k) => m !== modes[k])) {
        modes = next;
        guardNative('csvScannerSetModes', () => scanner.csvScannerSetModes(h, modes));
      }
    };
    for (;;) {
      const last = feed.done;
      const bytes = feed.buf.subarray(0, feed.len);
      const why = guardNative('csvScannerPush', () => scanner.csvScannerPush(h, bytes, pos, last ? 1 : 0, io));
      pos = io[0]!;
      if (why === HEADER) {
        const header = (guardNative('csvScannerHeader', () => scanner.csvScannerHeader(h)) ?? []).map((b) => Buffer.from(b).toString('utf8'));
        width = header.length;
        resolved = resolveColumns(source, header, options.columns);
        fields = [...new Set(resolved.indices)];
        fieldSlot = resolved.indices.map((i) => fields.indexOf(i));
        modes = modesOf(resolved, fields, options.dialect);
        guardNative('csvScannerSetColumns', () => scanner.csvScannerSetColumns(h, Int32Array.from(fields), modes));
        continue;
      }
      if (why !== NEED_INPUT || last) {
        const raw = resolved === null ? null : batch();
        if (raw !== null) {
          yield raw;
          refreshModes();
        }
        if (why === NEED_INPUT) return;
        continue;
      }
      // The buffer ends inside a record: keep that record's bytes and read on.
      const tail = feed.len - pos;
      await read(() => feed.fill(pos));
      pos = 0;
      if (tail > 0 && feed.len > MAX_FIELD_BYTES) {
        // A record this long (an unclosed quote?): the TypeScript scanner reads the rest, keeping
        // only the mapped fields' bytes and failing as it always has when one of them is too long.
        const raw = batch();
        if (raw !== null) yield raw;
        const mapped = resolved === null ? null : { width, fields, fieldSlot, names: resolved.names };
        const held = Buffer.from(feed.buf.subarray(0, feed.len));
        yield* readRest(source, held, feed.rest(), { delimiter, columns: options.columns, mapped, batchSize, firstRow, bytesRead: feed.bytesRead });
        return;
      }
    }
  } finally {
    await feed.close(); // closes the file, or ends the stream, when the consumer stops early
  }
}

/** Where readCsvNative stopped: what the TypeScript scanner needs to read on in its place. */
interface Handover {
  readonly delimiter: CsvDelimiter;
  readonly columns: ColumnMap;
  /** The header's width and mapping, or null when the header itself is the long record. */
  readonly mapped: { readonly width: number; readonly fields: readonly number[]; readonly fieldSlot: readonly number[]; readonly names: readonly ReadColumnName[] } | null;
  readonly batchSize: number;
  readonly firstRow: number;
  readonly bytesRead: number;
}

/** The rest of a source through the TypeScript scanner, from `tail` (a record's first byte) on. */
async function* readRest(source: string, tail: Buffer, chunks: AsyncGenerator<Buffer> | null, at: Handover): AsyncGenerator<RawBatch> {
  let names = at.mapped?.names ?? [];
  let fieldSlot = at.mapped?.fieldSlot ?? [];
  const scanner = new CsvScanner({
    source,
    delimiter: at.delimiter,
    onHeader: (header) => {
      if (at.mapped !== null) return at.mapped.fields;
      const resolved = resolveColumns(source, header, at.columns);
      const fields = [...new Set(resolved.indices)];
      names = resolved.names;
      fieldSlot = resolved.indices.map((f) => fields.indexOf(f));
      return fields;
    },
  });
  // A stand-in header of the same width: the scanner maps fields by position, as the real one did.
  if (at.mapped !== null) scanner.push(Buffer.from(`hhh${at.delimiter.repeat(at.mapped.width - 1)}\n`));
  let firstRow = at.firstRow;
  let bytesRead = at.bytesRead;
  const batch = (rows: CsvRows): RawBatch => {
    const columns: RawBatch['columns'] = {};
    names.forEach((name, k) => {
      columns[name] = { kind: 'text', values: rows.columns[fieldSlot[k]!]! };
    });
    const raw: RawBatch = { source, firstRow, length: rows.length, columns, malformed: rows.malformed, bytesRead };
    firstRow += rows.length;
    return raw;
  };
  scanner.push(tail);
  for (;;) {
    let next: IteratorResult<Buffer>;
    try {
      next = chunks === null ? { done: true, value: undefined } : await chunks.next();
    } catch (err) {
      throw toInputError(source, err);
    }
    if (next.done === true) scanner.end();
    else {
      bytesRead += next.value.length;
      scanner.push(next.value);
    }
    while (scanner.rowCount >= at.batchSize || (next.done === true && scanner.rowCount > 0)) yield batch(scanner.take(at.batchSize));
    if (next.done === true) return;
  }
}
