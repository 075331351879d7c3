/**
 * Read access to a loaded snapshot's `customers.arrow`, column by column: a reader per field of
 * the customer row (customer-schema.ts) that turns one row's value into its JSON cell straight
 * from the Arrow buffers, and small code arrays for the listings that scan every customer
 * (segment, tier, lifecycle as dictionary codes; band; win-back). The code arrays are views into
 * the IPC buffer where its layout allows (one chunk, aligned), and the win-back flags are read from
 * the column's bits, so the serving memory beyond the snapshot's own columns is the id index.
 */
import { type Data, DataType, type Table, type Vector } from 'apache-arrow';
import { isValidTimestamp } from '../parse/parse-timestamp.js';
import { type Cell, CUSTOMER_FIELDS, type CustomerColumn, type CustomerField, cellOf, isoTimestamp } from '../snapshot/customer-schema.js';

export type { Cell, CustomerColumn } from '../snapshot/customer-schema.js';

/** A string column as codes into `names`. */
export interface CodedColumn {
  readonly codes: Uint16Array;
  readonly names: string[];
}

/** One row's value of a column as its JSON cell. */
export type CellReader = (row: number) => Cell;

/** A field the snapshot has, and its reader. */
export interface ColumnReader {
  readonly field: CustomerField;
  readonly read: CellReader;
  /** The column as codes, for a category column. */
  readonly coded: CodedColumn | undefined;
}

/** The single chunk of a vector, when it has one and it starts at its buffers' beginning. */
function plainChunk(vector: Vector): Data | null {
  const d = vector.data[0];
  return vector.data.length === 1 && d !== undefined && d.offset === 0 ? d : null;
}

function codedColumn(vector: Vector): CodedColumn {
  const only = plainChunk(vector);
  if (only?.dictionary && only.values instanceof Int16Array && only.nullCount === 0) {
    const names = [...only.dictionary].map(String);
    const v = only.values;
    // Codes are small and non-negative: the Int16 buffer read as Uint16 is the same numbers, without a copy.
    const codes = v.byteOffset % 2 === 0 ? new Uint16Array(v.buffer, v.byteOffset, vector.length) : Uint16Array.from(v.subarray(0, vector.length));
    return { codes, names };
  }
  const names: string[] = [];
  const index = new Map<string, number>();
  const codes = new Uint16Array(vector.length);
  let i = 0;
  for (const v of vector) {
    const name = String(v);
    let code = index.get(name);
    if (code === undefined) {
      code = names.push(name) - 1;
      index.set(name, code);
    }
    codes[i++] = code;
  }
  return { codes, names };
}

const decoder = new TextDecoder();

/** Text of a Utf8 value: short ASCII (ids, rfm cells) without the decoder's call overhead. */
function utf8Text(bytes: Uint8Array, start: number, end: number): string {
  if (end - start > 24) return decoder.decode(bytes.subarray(start, end));
  let s = '';
  for (let i = start; i < end; i++) {
    const b = bytes[i]!;
    if (b >= 0x80) return decoder.decode(bytes.subarray(start, end));
    s += String.fromCharCode(b);
  }
  return s;
}

/**
 * The reader of one column. Where the layout is plain (one chunk of fixed-width values) it reads
 * the buffers itself: a lookup reads ~28 cells, and Arrow's per-value visitor costs more than the
 * memory access. Every reader returns what {@link cellOf} makes of `vector.get(row)`.
 */
function readerOf(field: CustomerField, vector: Vector, coded: CodedColumn | undefined): CellReader {
  const kind = field.kind;
  const d = plainChunk(vector);
  const generic: CellReader = (row) => cellOf(kind, vector.get(row));
  if (d === null) return generic;
  const bitmap = d.nullCount > 0 ? d.nullBitmap : null;
  const valid = (row: number) => bitmap === null || ((bitmap[row >> 3]! >> (row & 7)) & 1) === 1;
  const values: unknown = d.values;
  if (kind === 'category') {
    if (coded && bitmap === null) {
      const { codes, names } = coded;
      return (row) => names[codes[row]!]!;
    }
    // A category with nulls (lost_reason): the dictionary's names by code, without Arrow's per-value decoding.
    if (!d.dictionary || !(values instanceof Int16Array)) return generic;
    const names = [...d.dictionary].map(String);
    return (row) => (valid(row) ? names[values[row]!]! : null);
  }
  if (kind === 'text' && DataType.isUtf8(vector.type) && values instanceof Uint8Array && d.valueOffsets instanceof Int32Array) {
    const offsets = d.valueOffsets;
    return (row) => (valid(row) ? utf8Text(values, offsets[row]!, offsets[row + 1]!) : null);
  }
  if (kind === 'flag' && values instanceof Uint8Array) return (row) => (valid(row) ? ((values[row >> 3]! >> (row & 7)) & 1) === 1 : null);
  if (kind === 'timestamp' && values instanceof BigInt64Array) {
    return (row) => {
      if (!valid(row)) return null;
      const ms = Number(values[row]!);
      return isValidTimestamp(ms) ? isoTimestamp(ms) : null;
    };
  }
  if (kind !== 'timestamp' && (values instanceof Float64Array || values instanceof Int32Array || values instanceof Uint8Array || values instanceof Uint16Array)) {
    return (row) => {
      if (!valid(row)) return null;
      const v = values[row]!;
      return Number.isFinite(v) ? v : null;
    };
  }
  return generic;
}

/** Column access over a snapshot table. */
export class SnapshotColumns {
  readonly size: number;
  readonly segment: CodedColumn;
  readonly tier: CodedColumn;
  readonly lifecycle: CodedColumn;
  readonly spendBand: Uint16Array;
  /** The win-back column's bits when its layout is plain (one chunk), else null: {@link winBackOf} reads them in place. */
  private readonly winBackBits: Uint8Array | null;
  /** One byte a row, made at the first {@link winBackOf} of any other layout. */
  private winBackFlags: Uint8Array | null = null;
  /** The fields of the customer row the snapshot has, in row order, with their readers. */
  readonly readers: readonly ColumnReader[];
  private readonly vectors: ReadonlyMap<string, Vector>;

  constructor(readonly table: Table) {
    this.size = table.numRows;
    const vectors = new Map<string, Vector>();
    for (const f of CUSTOMER_FIELDS) {
      const v = table.getChild(f.name);
      if (v) vectors.set(f.name, v);
    }
    this.vectors = vectors;
    this.segment = codedColumn(this.vector('segment'));
    this.tier = codedColumn(this.vector('tier'));
    this.lifecycle = codedColumn(this.vector('lifecycle'));
    const band = plainChunk(this.vector('spend_band'));
    if (band !== null && band.values instanceof Uint16Array && band.nullCount === 0) this.spendBand = band.values.subarray(0, this.size);
    else this.spendBand = Uint16Array.from(this.vector('spend_band'), (v) => Number(v));
    const wb = plainChunk(this.vector('win_back'));
    this.winBackBits = wb !== null && wb.values instanceof Uint8Array ? wb.values : null;
    const coded: Record<string, CodedColumn> = { segment: this.segment, tier: this.tier, lifecycle: this.lifecycle };
    this.readers = CUSTOMER_FIELDS.filter((f) => vectors.has(f.name)).map((field) => {
      const c = coded[field.name];
      return { field, read: readerOf(field, vectors.get(field.name)!, c), coded: c };
    });
  }

  /**
   * Whether row `row` is on the win-back list: its bit read from the column in place (no array of
   * flags to make when a new snapshot goes live), or a flag of a byte array made the first time for
   * a column of another layout.
   */
  winBackOf(row: number): boolean {
    const bits = this.winBackBits;
    if (bits !== null) return ((bits[row >> 3]! >> (row & 7)) & 1) === 1;
    if (this.winBackFlags === null) {
      const flags = new Uint8Array(this.size);
      let i = 0;
      for (const v of this.vector('win_back')) flags[i++] = v ? 1 : 0;
      this.winBackFlags = flags;
    }
    return this.winBackFlags[row] === 1;
  }

  /** Bytes held beyond the table's own buffers: the code arrays that could not be views into them, and the win-back flags of a column read through them. */
  get extraBytes(): number {
    const owned = (a: ArrayBufferView, name: CustomerColumn) => (this.vector(name).data.some((d) => d.values.buffer === a.buffer) ? 0 : a.byteLength);
    return owned(this.segment.codes, 'segment') + owned(this.tier.codes, 'tier') + owned(this.lifecycle.codes, 'lifecycle') + owned(this.spendBand, 'spend_band') + (this.winBackBits === null ? this.size : 0);
  }

  /** The Arrow vector of a column (throws on a snapshot without it). */
  vector(name: CustomerColumn): Vector {
    const v = this.vectors.get(name);
    if (!v) throw new Error(`snapshot has no column ${name}`);
    return v;
  }

  /** Whether the snapshot has the column. */
  has(name: string): boolean {
    return this.vectors.has(name);
  }

  /** A numeric cell as a number, NaN for null. */
  number(name: CustomerColumn, row: number): number {
    const v = this.vectors.get(name)?.get(row);
    return v === null || v === undefined ? Number.NaN : Number(v);
  }

  /** The canonical id text of a row. */
  id(row: number): string {
    return this.vector('customer_id').get(row) as string;
  }

  /** Every column of a row as JSON cells, `customer_id` first. */
  row(row: number): Record<string, Cell> {
    const out: Record<string, Cell> = {};
    for (const { field, read } of this.readers) out[field.name] = read(row);
    return out;
  }
}
