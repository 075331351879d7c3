/**
 * Parquet through the Rust reader (native/src/parquet): the footer and the mapped columns of each
 * row group decoded natively into Arrow buffers that become apache-arrow vectors without a copy.
 * The vectors have the types parquet-wasm gives the same columns (Int32/Int64, Float32/Float64,
 * Timestamp in the file's unit, DateDay, Decimal128, Utf8, Binary), with one difference on purpose:
 * a text column chunk whose pages are all dictionary-encoded is a `Dictionary<Utf8, Int32>` vector
 * (the row group's dictionary and an index per row), so a consumer can work on the dictionary once.
 *
 * What the native reader does not decode (a codec such as BROTLI, an encoding, a nested or
 * BOOLEAN column that is mapped) is a `NativeParquetUnsupported`; the reader then hands the file,
 * or the rest of it, to parquet-wasm (parquet-wasm.ts), the reference, with a notice. A corrupt
 * file is an InputUnreadableError, as the reference gives it.
 *
 * Splits are row-group ranges (planSplits / readSplit), which the pool schedules across workers.
 */
import { open, type FileHandle } from 'node:fs/promises';
import {
  Binary, DataType, DateDay, Decimal, Dictionary, FixedSizeBinary, Float32, Float64, Int32, Int64, makeData, makeVector, tableFromIPC, TimeUnit, Timestamp, Type, Uint32, Uint64, Utf8, type Vector,
} from 'apache-arrow';
import { InputUnreadableError } from '../errors.js';
import { type NativeParquetBinding, nativeBinding, type ParquetFileHandle } from '../kernels/native-binding.js';
import { DEFAULT_BATCH_SIZE } from './byte-source.js';
import { resolveColumns } from './column-map.js';
import { checkParquetFrame, type ParquetInput, readWasmRowGroups, unreadableParquet, wasmGroupBytes, wasmOpenCheck } from './parquet-wasm.js';
import type { RawBatch, RawColumn, ReadColumnName, ReadOptions } from './raw-batch.js';

/**
 * The addon's Parquet reader, or null when the addon is missing or built before it (looked up once
 * per thread), or when SEGSTREAM_PARQUET_READER=wasm asks for the reference reader.
 */
export function nativeParquetBinding(): NativeParquetBinding | null {
  if (process.env.SEGSTREAM_PARQUET_READER === 'wasm') return null;
  const b = nativeBinding();
  return b !== null && typeof b.parquetOpen === 'function' && typeof b.parquetCheckIndex === 'function' && typeof b.parquetReadChunk === 'function' ? (b as NativeParquetBinding) : null;
}

/** Valid Parquet that the native reader does not decode: the file (from `group` on) goes to parquet-wasm. */
export class NativeParquetUnsupported extends Error {
  constructor(
    readonly reason: string,
    /** The first row group not yet handed out whole, and the record number of its first row. */
    readonly group = 0,
    readonly firstRow = 1,
    /** The record number of the first row not yet handed out (past `firstRow` after a head scan's first batches). */
    readonly resume = firstRow,
  ) {
    super(`the native Parquet reader does not decode ${reason}`);
  }
}

/** The Arrow type of a column, as native/src/parquet/mod.rs `arrow_json` describes it. */
type ArrowDescription =
  | { type: 'int32' | 'uint32' | 'int64' | 'uint64' | 'float32' | 'float64' | 'date32' | 'utf8' | 'binary' }
  | { type: 'timestamp'; unit: 0 | 1 | 2; utc: boolean }
  | { type: 'decimal'; precision: number; scale: number }
  | { type: 'fixed'; width: number };

interface FileDescription {
  readonly columns: ReadonlyArray<{ readonly name: string; readonly arrow?: ArrowDescription; readonly unsupported?: string }>;
  /** The `ARROW:schema` entry an Arrow writer leaves (base64 of an IPC schema message). */
  readonly arrowSchema?: string;
  /** The byte range `[start, end)` holding the file's page index, when it has one. */
  readonly pageIndex?: readonly [number, number];
  /** Per row group: its rows, and per column its chunk's [start, length] in the file (null: nested). */
  readonly rowGroups: ReadonlyArray<{ readonly rows: number; readonly chunks: ReadonlyArray<readonly [number, number] | null> }>;
}

const UNITS = [TimeUnit.MILLISECOND, TimeUnit.MICROSECOND, TimeUnit.NANOSECOND] as const;

function arrowType(d: ArrowDescription): DataType {
  switch (d.type) {
    case 'int32': return new Int32();
    case 'uint32': return new Uint32();
    case 'int64': return new Int64();
    case 'uint64': return new Uint64();
    case 'float32': return new Float32();
    case 'float64': return new Float64();
    case 'date32': return new DateDay();
    case 'utf8': return new Utf8();
    case 'binary': return new Binary();
    case 'timestamp': return new Timestamp(UNITS[d.unit], d.utc ? '+00:00' : null);
    case 'decimal': return new Decimal(d.scale, d.precision, 128);
    case 'fixed': return new FixedSizeBinary(d.width);
  }
}

/** Element view of a fixed-width column's values buffer. */
function fixedValues(d: ArrowDescription, buffer: ArrayBuffer, rows: number): ArrayBufferView {
  switch (d.type) {
    case 'int32': case 'date32': return new Int32Array(buffer, 0, rows);
    case 'uint32': return new Uint32Array(buffer, 0, rows);
    case 'int64': case 'timestamp': return new BigInt64Array(buffer, 0, rows);
    case 'uint64': return new BigUint64Array(buffer, 0, rows);
    case 'float32': return new Float32Array(buffer, 0, rows);
    case 'float64': return new Float64Array(buffer, 0, rows);
    case 'decimal': return new Uint32Array(buffer, 0, rows * 4);
    case 'fixed': return new Uint8Array(buffer, 0, rows * d.width);
    default: throw new Error(`no fixed-width values for ${d.type}`);
  }
}

/** One decoded column chunk as an Arrow vector (of `retype`, the embedded schema's timestamp type, when given). */
function toVector(d: ArrowDescription, rows: number, out: unknown[], retype?: DataType): Vector {
  const [, nulls, validity, a, b, c] = out as [string, number, ArrayBuffer | undefined, ArrayBuffer, ArrayBuffer | undefined, ArrayBuffer | undefined];
  const nullBitmap = validity === undefined ? undefined : new Uint8Array(validity);
  const nullCount = nulls;
  if (d.type === 'utf8' || d.type === 'binary') {
    if (c !== undefined) {
      // Dictionary-encoded: `a` indices, `b` the dictionary's offsets, `c` its bytes.
      const dictOffsets = new Int32Array(b!);
      const dictionary = makeVector(makeData({ type: new Utf8(), length: dictOffsets.length - 1, nullCount: 0, valueOffsets: dictOffsets, data: new Uint8Array(c) }));
      const type = new Dictionary(new Utf8(), new Int32());
      return makeVector(makeData({ type, length: rows, nullCount, nullBitmap, data: new Int32Array(a, 0, rows), dictionary }));
    }
    const type = d.type === 'utf8' ? new Utf8() : new Binary();
    return makeVector(makeData({ type, length: rows, nullCount, nullBitmap, valueOffsets: new Int32Array(a, 0, rows + 1), data: new Uint8Array(b!) } as never));
  }
  return makeVector(makeData({ type: retype ?? arrowType(d), length: rows, nullCount, nullBitmap, data: fixedValues(d, a, rows) } as never));
}

/** What kind of values a type holds, for telling whether two readers' types read the same. */
function family(t: DataType): string {
  if (DataType.isDictionary(t)) return family(t.dictionary);
  switch (t.typeId) {
    case Type.Utf8: case Type.LargeUtf8: return 'text';
    case Type.Binary: case Type.LargeBinary: return 'binary';
    case Type.Int: return 'int';
    case Type.Date: return 'date';
    case Type.Float: return `float${(t as Float32).precision}`;
    case Type.Timestamp: return `timestamp${(t as Timestamp).unit}`;
    case Type.Decimal: return `decimal${(t as Decimal).scale}`;
    default: return String(t);
  }
}

/**
 * How to give each column the type arrow-rs gives it when the file carries an embedded Arrow
 * schema (arrow-rs reads the file's types through it): the same kind of values needs nothing; a
 * timestamp unit Parquet has no name for (seconds, written as plain INT64) is the same values
 * under the embedded type; anything else (durations, times, half floats, ...) is unsupported.
 */
function embeddedTypes(description: FileDescription, fields: readonly { name: string; type: DataType }[]): Map<number, DataType | string> {
  const out = new Map<number, DataType | string>();
  if (fields.length !== description.columns.length) return out;
  fields.forEach((field, k) => {
    const col = description.columns[k]!;
    if (col.arrow === undefined) return;
    const ours = arrowType(col.arrow);
    if (family(ours) === family(field.type)) return;
    if (DataType.isTimestamp(field.type) && col.arrow.type === 'int64') out.set(k, field.type);
    else out.set(k, `columns the embedded Arrow schema types ${String(field.type)}`);
  });
  return out;
}

/**
 * The column names the reader goes by: the embedded Arrow schema's, field by field, when it has
 * one per column (arrow-rs names the columns from it), else the Parquet schema's.
 */
function columnNames(description: FileDescription, fields: readonly { name: string }[]): string[] {
  return fields.length === description.columns.length ? fields.map((f) => f.name) : description.columns.map((c) => c.name);
}

// Standard base64 with its padding, as arrow-rs decodes the embedded schema.
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The fields of the embedded Arrow schema; a schema that does not decode makes the file corrupt, as for arrow-rs. */
function embeddedFields(source: string, description: FileDescription): { name: string; type: DataType }[] {
  if (description.arrowSchema === undefined) return [];
  try {
    if (!BASE64.test(description.arrowSchema)) throw new Error('not base64');
    return tableFromIPC(Buffer.from(description.arrowSchema, 'base64')).schema.fields;
  } catch {
    throw new InputUnreadableError(`${source}: Parquet data is truncated or corrupt: its embedded Arrow schema does not decode`);
  }
}

/** An open Parquet file on the native reader. */
class NativeParquetFile {
  private scratch: Buffer = Buffer.alloc(0);

  private constructor(
    private readonly native: NativeParquetBinding,
    private readonly handle: ParquetFileHandle,
    readonly description: FileDescription,
    /** The embedded Arrow schema's fields (none without one). */
    readonly embedded: readonly { name: string; type: DataType }[],
    private readonly fh: FileHandle | null,
    private readonly bytes: Uint8Array | null,
    readonly size: number,
  ) {}

  /** Opens a file (frame checked as the reference does); NativeParquetUnsupported without the addon's reader. */
  static async open(source: string, input: ParquetInput): Promise<NativeParquetFile> {
    const native = nativeParquetBinding();
    if (native === null) throw new NativeParquetUnsupported('anything: the native addon or its Parquet reader is not built');
    let fh: FileHandle | null = null;
    try {
      const { size, footer } = await checkParquetFrame(source, input);
      let footerBytes: Uint8Array;
      if ('path' in input) {
        fh = await open(input.path, 'r');
        footerBytes = Buffer.allocUnsafe(footer);
        const { bytesRead } = await fh.read(footerBytes, 0, footer, size - 8 - footer);
        if (bytesRead !== footer) throw new InputUnreadableError(`${source}: Parquet data is truncated (the footer is cut short)`);
      } else {
        footerBytes = input.bytes.subarray(size - 8 - footer, size - 8);
      }
      const result = native.parquetOpen(footerBytes, size);
      if (result[0] !== 'ok') throw outcome(source, result as [string, string]);
      const [, handle, json] = result as [string, ParquetFileHandle, string];
      const description = JSON.parse(json) as FileDescription;
      const fields = embeddedFields(source, description);
      if (description.pageIndex !== undefined) {
        // Not used here, but the reference decodes it: a page index that does not decode fails the file there.
        const [start, end] = description.pageIndex;
        const bytes = fh === null ? (input as { bytes: Uint8Array }).bytes.subarray(start, end) : Buffer.allocUnsafe(end - start);
        if (fh !== null && (await fh.read(bytes, 0, end - start, start)).bytesRead !== end - start) throw new InputUnreadableError(`${source}: Parquet data is truncated (the page index is cut short)`);
        const checked = native.parquetCheckIndex(handle, bytes);
        if (checked[0] !== 'ok') throw outcome(source, checked as [string, string]);
      }
      return new NativeParquetFile(native, handle, description, fields, fh, 'bytes' in input ? input.bytes : null, size);
    } catch (err) {
      await fh?.close().catch(() => undefined);
      throw err instanceof NativeParquetUnsupported ? err : unreadableParquet(source, err);
    }
  }

  /**
   * Column `column` of row group `group` as a vector (of `retype` when given): every row, or
   * with `limit` the pages that hold its first `limit` rows (at least that many, fewer only where
   * the group has fewer).
   */
  async readColumn(source: string, group: number, column: number, retype?: DataType, limit = Number.POSITIVE_INFINITY): Promise<Vector> {
    const g = this.description.rowGroups[group]!;
    const col = this.description.columns[column]!;
    if (col.arrow === undefined) throw new NativeParquetUnsupported(col.unsupported ?? 'this column');
    const chunk = g.chunks[column];
    if (chunk == null) throw new NativeParquetUnsupported('nested columns');
    const [start, length] = chunk;
    let bytes: Uint8Array;
    if (this.fh !== null) {
      // One buffer per file, grown as needed: the addon copies what it keeps, so a chunk's bytes
      // are free again when parquetReadChunk returns.
      if (this.scratch.length < length) this.scratch = Buffer.allocUnsafe(Math.max(length, this.scratch.length * 2));
      bytes = this.scratch.subarray(0, length);
      const { bytesRead } = await this.fh.read(bytes, 0, length, start);
      if (bytesRead !== length) throw new InputUnreadableError(`${source}: Parquet data is truncated (a column chunk is cut short)`);
    } else {
      bytes = this.bytes!.subarray(start, start + length);
    }
    let out: unknown[];
    try {
      out = this.native.parquetReadChunk(this.handle, group, column, bytes, Math.min(limit, g.rows));
    } catch (err) {
      // A panic or a bad argument inside the reader: the file is what broke it.
      throw unreadableParquet(source, err);
    }
    if (out[0] !== 'ok') throw outcome(source, out as [string, string]);
    // An addon built before the limit decodes every row and does not say how many.
    return toVector(col.arrow, typeof out[6] === 'number' ? out[6] : g.rows, out, retype);
  }

  async close(): Promise<void> {
    await this.fh?.close().catch(() => undefined);
  }
}

function outcome(source: string, [kind, message]: [string, string]): Error {
  if (kind === 'unsupported') return new NativeParquetUnsupported(message);
  return new InputUnreadableError(`${source}: Parquet data is truncated or corrupt: ${message}`);
}

/** A range of row groups of one Parquet file: the unit the pool schedules. */
export interface ParquetSplit {
  readonly path: string;
  /** Row groups `[from, to)`. */
  readonly from: number;
  readonly to: number;
  /** Compressed bytes and rows of those row groups (for balancing). */
  readonly bytes: number;
  readonly rows: number;
}

/**
 * One split per row group of the file (a scheduler may merge neighbours). Without the native
 * reader, or for a file it does not decode, the sizes come from parquet-wasm.
 */
export async function planSplits(path: string): Promise<ParquetSplit[]> {
  let file: NativeParquetFile;
  try {
    file = await NativeParquetFile.open(path, { path });
  } catch (err) {
    if (!(err instanceof NativeParquetUnsupported)) throw err;
    return (await wasmGroupBytes(path)).map((bytes, g) => ({ path, from: g, to: g + 1, bytes, rows: -1 }));
  }
  await file.close();
  return file.description.rowGroups.map((g, i) => ({
    path, from: i, to: i + 1, rows: g.rows, bytes: g.chunks.reduce((sum, c) => sum + (c === null ? 0 : c[1]), 0),
  }));
}

/**
 * The RawBatches of a split, rows numbered from 1 within it (the native reader, parquet-wasm where
 * it must; `notice` hears why, default one line on stderr).
 */
export function readSplit(split: ParquetSplit, options: ReadOptions, notice?: ParquetNotice): AsyncGenerator<RawBatch> {
  return readParquetGroups(split.path, { path: split.path }, split.from, split.to, options, false, notice);
}

/** Says why a file left the native reader; default: one line on stderr per reason and thread. */
export type ParquetNotice = (message: string) => void;
const said = new Set<string>();
const stderrNotice: ParquetNotice = (message) => {
  if (said.has(message)) return;
  said.add(message);
  process.stderr.write(`segstream: ${message}\n`);
};

/**
 * Row groups `[from, to)` of a Parquet file as RawBatches, rows numbered from 1; `progress` sets
 * `bytesRead`. The native reader decodes each row group whole before its batches go out, so when
 * it meets something it does not decode, the rest of the file (that group on) goes to
 * parquet-wasm with the right row numbers, and `notice` says so. A head scan (`options.head`)
 * decodes the first group's pages up to its first batch alone, and the whole group only when
 * read on: a dialect sniff mostly stops there, and a 1M-row group took it 65–300 ms.
 */
export async function* readParquetGroups(
  source: string,
  input: ParquetInput,
  from: number,
  to: number,
  options: ReadOptions,
  progress = false,
  notice: ParquetNotice = stderrNotice,
): AsyncGenerator<RawBatch> {
  try {
    yield* readNativeGroups(source, input, from, to, options, progress);
  } catch (err) {
    if (!(err instanceof NativeParquetUnsupported)) throw err;
    if (nativeParquetBinding() !== null) notice(`${source}: read by parquet-wasm (${err.message})`);
    for await (const raw of readWasmRowGroups(source, input, err.group === 0 ? from : err.group, to, options, progress, err.firstRow)) {
      const rest = raw.firstRow < err.resume ? fromRow(raw, err.resume) : raw;
      if (rest !== null) yield rest;
    }
  }
}

/** The rows of `raw` (Arrow columns) numbered `row` and after; null when none is. */
function fromRow(raw: RawBatch, row: number): RawBatch | null {
  const skip = row - raw.firstRow;
  if (skip >= raw.length) return null;
  const columns: Partial<Record<ReadColumnName, RawColumn>> = {};
  for (const [name, col] of Object.entries(raw.columns) as [ReadColumnName, RawColumn][]) {
    columns[name] = col.kind === 'arrow' ? { kind: 'arrow', vector: col.vector.slice(skip) } : col;
  }
  return { ...raw, firstRow: row, length: raw.length - skip, columns };
}

async function* readNativeGroups(source: string, input: ParquetInput, from: number, to: number, options: ReadOptions, progress: boolean): AsyncGenerator<RawBatch> {
  const file = await NativeParquetFile.open(source, input);
  // A file with an embedded Arrow schema is also opened by parquet-wasm, beside the decoding:
  // arrow-rs runs that schema through the flatbuffers verifier, and a file it refuses is refused
  // here too (apache-arrow decodes what the verifier rejects). Awaited before the last batch goes
  // out. A head scan starts it only once it reads past its head: the check starts a decoder
  // thread (~0.2–0.45 s of CPU), and the workers that read the file check it anyway. Once per
  // file: by the read that starts at its first row group (a whole file's, a pool's first split);
  // a split further on checks only to name an error it meets, as that first read would (at two
  // workers each worker's decoder thread, 50-80 ms of CPU, ran beside both workers' reads).
  let checking: Promise<Error | undefined> | null = null;
  const verdict = (): Promise<Error | undefined> => (checking ??= file.description.arrowSchema === undefined ? Promise.resolve(undefined) : wasmOpenCheck(source, input));
  const checks = from === 0;
  if (options.head !== true && checks) void verdict();
  try {
    const { columns, rowGroups } = file.description;
    let resolved: ReturnType<typeof resolveColumns>;
    try {
      resolved = resolveColumns(source, columnNames(file.description, file.embedded), options.columns);
    } catch (err) {
      throw (await verdict()) ?? err;
    }
    const wanted = [...new Set(resolved.indices)];
    const embedded = embeddedTypes(file.description, file.embedded);
    const retype = new Map<number, DataType>();
    for (const k of wanted) {
      const c = columns[k]!;
      const e = embedded.get(k);
      if (c.arrow === undefined || typeof e === 'string') throw new NativeParquetUnsupported(`the column "${c.name}": ${c.unsupported ?? e}`);
      if (e !== undefined) retype.set(k, e);
    }
    const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    const last = Math.min(to, rowGroups.length);
    let bytesRead = 4;
    for (let g = 0; g < from && g < rowGroups.length; g++) bytesRead += groupBytes(rowGroups[g]!);
    let firstRow = 1;
    for (let group = from; group < last; group++) {
      const rows = rowGroups[group]!.rows;
      const groupFirstRow = firstRow;
      const vectors = new Map<number, Vector>();
      // Rows of the group every column holds so far (a column decodes whole pages).
      let decoded = 0;
      const decode = async (limit: number): Promise<void> => {
        if (limit >= rows && checks) void verdict();
        try {
          for (const k of wanted) vectors.set(k, await file.readColumn(source, group, k, retype.get(k), limit));
        } catch (err) {
          if (err instanceof NativeParquetUnsupported) throw new NativeParquetUnsupported(err.reason, group, groupFirstRow, firstRow);
          throw (await verdict()) ?? err;
        }
        decoded = Math.min(rows, ...[...vectors.values()].map((v) => v.length));
        if (decoded === rows && group === last - 1 && checks) {
          const refused = await verdict();
          if (refused !== undefined) throw refused;
        }
      };
      await decode(options.head === true && group === from ? batchSize : rows);
      bytesRead = group === rowGroups.length - 1 ? file.size : Math.min(file.size, bytesRead + groupBytes(rowGroups[group]!));
      for (let begin = 0; begin < rows; begin += batchSize) {
        const end = Math.min(rows, begin + batchSize);
        if (end > decoded) await decode(rows);
        const cols: Partial<Record<ReadColumnName, RawColumn>> = {};
        resolved.names.forEach((name, i) => {
          const v = vectors.get(resolved.indices[i]!)!;
          cols[name] = { kind: 'arrow', vector: begin === 0 && end === rows ? v : v.slice(begin, end) };
        });
        yield { source, firstRow, length: end - begin, columns: cols, malformed: [], bytesRead: progress ? bytesRead : -1 };
        firstRow += end - begin;
      }
    }
  } finally {
    await file.close();
  }
}

function groupBytes(g: FileDescription['rowGroups'][number]): number {
  return g.chunks.reduce((sum, c) => sum + (c === null ? 0 : c[1]), 0);
}
