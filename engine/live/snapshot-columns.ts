/**
 * Read access to a loaded snapshot's `customers.arrow`, column by column: single values for
 * lookups (straight from the Arrow vectors) and small code arrays for the listings that scan
 * every customer (segment, tier, lifecycle as dictionary codes; band; win-back), about 9 bytes
 * per customer in all.
 */
import { DataType, type Table, type Vector } from 'apache-arrow';
import { CUSTOMER_COLUMNS, TIMESTAMP_COLUMNS } from '../snapshot/customers-file.js';

/** A string column as codes into `names`. */
export interface CodedColumn {
  readonly codes: Uint16Array;
  readonly names: string[];
}

/** One of the snapshot's column names. */
export type CustomerColumn = (typeof CUSTOMER_COLUMNS)[number];

/** A JSON-ready cell: numbers (never NaN), ISO text for timestamps, null for null. */
export type Cell = number | string | boolean | null;

function codedColumn(vector: Vector): CodedColumn {
  const codes = new Uint16Array(vector.length);
  const chunks = vector.data;
  const only = chunks[0];
  if (chunks.length === 1 && only?.dictionary) {
    const names = [...only.dictionary].map(String);
    codes.set((only.values as Int16Array).subarray(only.offset, only.offset + only.length));
    return { codes, names };
  }
  const names: string[] = [];
  const index = new Map<string, number>();
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

/** Turns an Arrow value into a JSON cell. */
export function cellOf(v: unknown, isTimestamp: boolean): Cell {
  if (v === null || v === undefined) return null;
  if (isTimestamp) return new Date(Number(v)).toISOString();
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'boolean' || typeof v === 'string') return v;
  return String(v);
}

type Reader = (row: number) => Cell;

/**
 * A reader of one column that skips Arrow's per-value visitor where the layout is plain (one
 * chunk of fixed-width values): a lookup reads ~28 cells, and the visitor costs more than the
 * memory access itself.
 */
function readerOf(name: string, vector: Vector, coded: CodedColumn | undefined): Reader {
  const isTs = TIMESTAMP_COLUMNS.has(name);
  const d = vector.data[0];
  if (vector.data.length !== 1 || !d || DataType.isUtf8(vector.type)) return (row) => cellOf(vector.get(row), isTs);
  if (coded) return (row) => coded.names[coded.codes[row]!]!;
  const off = d.offset;
  const bitmap = d.nullCount > 0 ? d.nullBitmap : null;
  const valid = (i: number) => bitmap === null || ((bitmap[(i + off) >> 3]! >> ((i + off) & 7)) & 1) === 1;
  const values = d.values as unknown;
  if (name === 'win_back' && values instanceof Uint8Array) return (row) => ((values[(row + off) >> 3]! >> ((row + off) & 7)) & 1) === 1;
  if (values instanceof BigInt64Array) {
    return (row) => (valid(row) ? (isTs ? new Date(Number(values[row + off]!)).toISOString() : Number(values[row + off]!)) : null);
  }
  if (values instanceof Float64Array || values instanceof Int32Array || values instanceof Uint8Array || values instanceof Uint16Array) {
    if (isTs) return (row) => cellOf(vector.get(row), true);
    return (row) => {
      if (!valid(row)) return null;
      const v = values[row + off]!;
      return Number.isFinite(v) ? v : null;
    };
  }
  return (row) => cellOf(vector.get(row), isTs);
}

/** Column access over a snapshot table. */
export class SnapshotColumns {
  readonly size: number;
  readonly segment: CodedColumn;
  readonly tier: CodedColumn;
  readonly lifecycle: CodedColumn;
  readonly spendBand: Uint16Array;
  readonly winBack: Uint8Array;
  private readonly vectors: ReadonlyMap<string, Vector>;
  private readonly readers: [string, Reader][];

  constructor(readonly table: Table) {
    this.size = table.numRows;
    const vectors = new Map<string, Vector>();
    for (const name of CUSTOMER_COLUMNS) {
      const v = table.getChild(name);
      if (v) vectors.set(name, v);
    }
    this.vectors = vectors;
    this.segment = codedColumn(this.vector('segment'));
    this.tier = codedColumn(this.vector('tier'));
    this.lifecycle = codedColumn(this.vector('lifecycle'));
    this.spendBand = new Uint16Array(this.size);
    this.winBack = new Uint8Array(this.size);
    const band = this.vector('spend_band');
    const bandData = band.data[0];
    if (band.data.length === 1 && bandData && (bandData.values instanceof Uint8Array || bandData.values instanceof Uint16Array)) {
      this.spendBand.set(bandData.values.subarray(bandData.offset, bandData.offset + this.size));
    } else {
      let i = 0;
      for (const v of band) this.spendBand[i++] = Number(v);
    }
    const wb = this.vector('win_back');
    const wbData = wb.data[0];
    if (wb.data.length === 1 && wbData && wbData.values instanceof Uint8Array) {
      const bits = wbData.values;
      const off = wbData.offset;
      for (let r = 0; r < this.size; r++) this.winBack[r] = (bits[(r + off) >> 3]! >> ((r + off) & 7)) & 1;
    } else {
      let i = 0;
      for (const v of wb) this.winBack[i++] = v ? 1 : 0;
    }
    const coded: Record<string, CodedColumn> = { segment: this.segment, tier: this.tier, lifecycle: this.lifecycle };
    this.readers = [...vectors].map(([name, v]) => [name, readerOf(name, v, coded[name])]);
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
    for (const [name, read] of this.readers) out[name] = read(row);
    return out;
  }
}
