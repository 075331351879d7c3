/**
 * Customer views as JSON bytes, written straight from the snapshot's columns into one Buffer per
 * answer: a row plan compiled once per snapshot names, for each column, the typed array its
 * values are in and how they are written (json-bytes.ts); no object per customer, no string per
 * value and no schema-driven serialization on the lookup path. A batch-get is one pass over its
 * ids into one Buffer.
 *
 * The bytes are the UTF-8 of the text fastify's response schema (schemas.ts CUSTOMER_SCHEMA,
 * fast-json-stringify) wrote for the same view: fields in the schema's order (the customer row's,
 * then snapshot, as_of, live), a field the view lacks left out, numbers as `String(n)`
 * (non-finite as null), text as JSON.stringify writes it. Tests hold the two to the same bytes,
 * and the plan to the generic cell converter on every field kind.
 */
import type { Data } from 'apache-arrow';
import { LIVE, type CustomerView, type LiveState } from '../../engine/live/live-state.js';
import type { CellReader, SnapshotColumns } from '../../engine/live/snapshot-columns.js';
import type { CustomerKey } from '../../engine/parse/parse-values.js';
import { isValidTimestamp } from '../../engine/parse/parse-timestamp.js';
import { CUSTOMER_COLUMNS, type CustomerColumn, cellJson } from '../../engine/snapshot/customer-schema.js';
import { JsonBytes, jsonBytesOf } from './json-bytes.js';

/** The fields of a view after the customer row's own, in the schema's order. */
const META = ['snapshot', 'as_of', 'live'] as const;
const VIEW_KEYS: readonly string[] = [...CUSTOMER_COLUMNS, ...META];
const KEY_JSON: ReadonlyMap<string, string> = new Map(VIEW_KEYS.map((k) => [k, `${JSON.stringify(k)}:`]));

// How a column's value is written (0: by its cell reader and cellJson).
const CODED = 1;
const FLOAT = 2;
const INT32 = 3;
const UINT8 = 4;
const UINT16 = 5;
const TIMESTAMP = 6;
const TEXT = 7;
const FLAG = 8;

/** The single chunk of a column when it starts at its buffers' beginning, else null. */
function plainChunk(columns: SnapshotColumns, name: string): Data | null {
  const chunks = columns.vector(name as CustomerColumn).data;
  const d = chunks[0];
  return chunks.length === 1 && d !== undefined && d.offset === 0 ? d : null;
}

/**
 * Where one snapshot's values are and how each column is written. A random row costs a cache
 * miss per column (and per null bitmap), which is most of a lookup's time; so a row is first
 * gathered, column group by column group, in tight loops over arrays of one type whose loads the
 * CPU overlaps, and then written from the gathered values. A column of another layout (several
 * chunks) keeps its cell reader.
 */
class RowPlan {
  readonly op: Uint8Array;
  /** Index into the gathered values of the column's group, and into the gathered null bits (-1: no nulls). */
  readonly slot: Int32Array;
  readonly bitSlot: Int32Array;
  readonly f64: Float64Array[] = [];
  readonly i32: Int32Array[] = [];
  readonly u8: Uint8Array[] = [];
  readonly u16: Uint16Array[] = [];
  /** Timestamps as the two 32-bit halves of their Int64 (little-endian): a BigInt per read would allocate. */
  readonly ts: Int32Array[] = [];
  /** Utf8 columns: value offsets and bytes. */
  readonly textOffsets: Int32Array[] = [];
  readonly textBytes: Uint8Array[] = [];
  /** Bool columns' value bitmaps. */
  readonly flags: Uint8Array[] = [];
  readonly bitmaps: Uint8Array[] = [];
  /** A category's names as JSON bytes, by code. */
  readonly names: (Uint8Array[] | null)[];
  readonly readers: CellReader[];

  constructor(columns: SnapshotColumns) {
    const n = columns.readers.length;
    this.op = new Uint8Array(n);
    this.slot = new Int32Array(n);
    this.bitSlot = new Int32Array(n).fill(-1);
    this.names = new Array(n).fill(null);
    this.readers = columns.readers.map((r) => r.read);
    for (const [c, { field, coded }] of columns.readers.entries()) {
      if (coded) {
        this.op[c] = CODED;
        this.slot[c] = this.u16.push(coded.codes) - 1;
        this.names[c] = coded.names.map((name) => jsonBytesOf(JSON.stringify(name)));
        continue;
      }
      const d = plainChunk(columns, field.name);
      if (d === null) continue;
      const v: unknown = d.values;
      const kind = field.kind;
      if (kind === 'category') {
        // A category with nulls (lost_reason): its dictionary's names and its Int16 codes read as Uint16.
        if (!d.dictionary || !(v instanceof Int16Array)) continue;
        this.op[c] = CODED;
        this.slot[c] = this.u16.push(new Uint16Array(v.buffer, v.byteOffset, v.length)) - 1;
        this.names[c] = [...d.dictionary].map((name) => jsonBytesOf(JSON.stringify(String(name))));
      } else if (kind === 'text') {
        if (!(v instanceof Uint8Array) || !(d.valueOffsets instanceof Int32Array)) continue;
        this.op[c] = TEXT;
        this.slot[c] = this.textOffsets.push(d.valueOffsets) - 1;
        this.textBytes.push(v);
      } else if (kind === 'flag') {
        if (!(v instanceof Uint8Array)) continue;
        this.op[c] = FLAG;
        this.slot[c] = this.flags.push(v) - 1;
      } else if (kind === 'timestamp') {
        if (!(v instanceof BigInt64Array)) continue;
        this.op[c] = TIMESTAMP;
        this.slot[c] = this.ts.push(new Int32Array(v.buffer, v.byteOffset, v.length * 2)) - 1;
      } else if (v instanceof Float64Array) {
        this.op[c] = FLOAT;
        this.slot[c] = this.f64.push(v) - 1;
      } else if (v instanceof Int32Array) {
        this.op[c] = INT32;
        this.slot[c] = this.i32.push(v) - 1;
      } else if (v instanceof Uint8Array) {
        this.op[c] = UINT8;
        this.slot[c] = this.u8.push(v) - 1;
      } else if (v instanceof Uint16Array) {
        this.op[c] = UINT16;
        this.slot[c] = this.u16.push(v) - 1;
      } else {
        continue;
      }
      if (d.nullCount > 0) this.bitSlot[c] = this.bitmaps.push(d.nullBitmap!) - 1;
    }
  }
}

/** JSON writers of one snapshot's customer views. */
export class CustomerJson {
  private readonly keys: Uint8Array[];
  private readonly plan: RowPlan;
  private readonly out = new JsonBytes();
  // The gathered values of one row, by group (reused: a row is written in one synchronous call).
  private readonly f64: Float64Array;
  private readonly i32: Int32Array;
  private readonly u8: Uint8Array;
  private readonly u16: Uint16Array;
  private readonly tsLo: Int32Array;
  private readonly tsHi: Int32Array;
  private readonly textStart: Int32Array;
  private readonly textEnd: Int32Array;
  private readonly flagBits: Uint8Array;
  private readonly bits: Uint8Array;
  /** `,"snapshot":…,"as_of":…,"live":false}`: the same for every row the overlay does not hold. */
  private readonly tail: Uint8Array;
  private readonly batchHead: Uint8Array;
  private readonly snapshotJson: string;

  constructor(
    private readonly state: LiveState,
    columns: SnapshotColumns,
    snapshotId: string,
    asOf: string,
  ) {
    this.keys = columns.readers.map((r, i) => jsonBytesOf(`${i === 0 ? '{' : ','}${KEY_JSON.get(r.field.name)}`));
    const plan = new RowPlan(columns);
    this.plan = plan;
    this.f64 = new Float64Array(plan.f64.length);
    this.i32 = new Int32Array(plan.i32.length);
    this.u8 = new Uint8Array(plan.u8.length);
    this.u16 = new Uint16Array(plan.u16.length);
    this.tsLo = new Int32Array(plan.ts.length);
    this.tsHi = new Int32Array(plan.ts.length);
    this.textStart = new Int32Array(plan.textOffsets.length);
    this.textEnd = new Int32Array(plan.textOffsets.length);
    this.flagBits = new Uint8Array(plan.flags.length);
    this.bits = new Uint8Array(plan.bitmaps.length);
    this.snapshotJson = JSON.stringify(snapshotId);
    const open = this.keys.length === 0 ? '{' : ',';
    this.tail = jsonBytesOf(`${open}"snapshot":${this.snapshotJson},"as_of":${JSON.stringify(asOf)},"live":false}`);
    this.batchHead = jsonBytesOf(`{"snapshot":${this.snapshotJson},"customers":[`);
  }

  /** Appends the view of snapshot row `row` (a customer live events have not changed). */
  private writeRow(row: number): void {
    const { plan, f64, i32, u8, u16, tsLo, tsHi, textStart, textEnd, flagBits, bits, out } = this;
    for (let g = 0; g < f64.length; g++) f64[g] = plan.f64[g]![row]!;
    for (let g = 0; g < i32.length; g++) i32[g] = plan.i32[g]![row]!;
    for (let g = 0; g < u8.length; g++) u8[g] = plan.u8[g]![row]!;
    for (let g = 0; g < u16.length; g++) u16[g] = plan.u16[g]![row]!;
    for (let g = 0; g < tsLo.length; g++) {
      tsLo[g] = plan.ts[g]![2 * row]!;
      tsHi[g] = plan.ts[g]![2 * row + 1]!;
    }
    for (let g = 0; g < textStart.length; g++) {
      textStart[g] = plan.textOffsets[g]![row]!;
      textEnd[g] = plan.textOffsets[g]![row + 1]!;
    }
    const byte = row >> 3;
    const bit = row & 7;
    for (let g = 0; g < flagBits.length; g++) flagBits[g] = (plan.flags[g]![byte]! >> bit) & 1;
    for (let g = 0; g < bits.length; g++) bits[g] = (plan.bitmaps[g]![byte]! >> bit) & 1;
    const { keys } = this;
    const { op, slot, bitSlot, names, readers } = plan;
    for (let c = 0; c < keys.length; c++) {
      out.raw(keys[c]!);
      const g = slot[c]!;
      const b = bitSlot[c]!;
      if (b >= 0 && bits[b] === 0) {
        out.null();
        continue;
      }
      switch (op[c]) {
        case CODED:
          out.raw(names[c]![u16[g]!]!);
          break;
        case FLOAT:
          out.number(f64[g]!);
          break;
        case INT32:
          out.integer(i32[g]!);
          break;
        case UINT8:
          out.integer(u8[g]!);
          break;
        case UINT16:
          out.integer(u16[g]!);
          break;
        case TIMESTAMP: {
          const ms = tsHi[g]! * 4_294_967_296 + (tsLo[g]! >>> 0);
          if (isValidTimestamp(ms)) out.timestamp(ms);
          else out.null();
          break;
        }
        case TEXT:
          out.utf8Text(plan.textBytes[g]!, textStart[g]!, textEnd[g]!);
          break;
        case FLAG:
          out.boolean(flagBits[g] === 1);
          break;
        default:
          out.json(cellJson(readers[c]!(row)));
      }
    }
    out.raw(this.tail);
  }

  /** Appends the view of one customer by key; false when neither the snapshot nor the live events know it. */
  private write(key: CustomerKey): boolean {
    const row = this.state.lookup(key);
    if (row >= 0) {
      this.writeRow(row);
      return true;
    }
    if (row !== LIVE) return false;
    const view = this.state.find(key);
    if (view === null) return false;
    this.out.json(this.view(view));
    return true;
  }

  /** The JSON of one customer, or null when neither the snapshot nor the live events know it. */
  one(key: CustomerKey): Buffer | null {
    this.out.reset();
    return this.write(key) ? this.out.take() : null;
  }

  /** The body of a batch-get: the views of `keys` found, in order, and the `asked` values (as sent) of those that were not. */
  batch(keys: readonly CustomerKey[], asked: readonly unknown[]): Buffer {
    const out = this.out;
    out.reset();
    out.raw(this.batchHead);
    const notFound: unknown[] = [];
    let first = true;
    for (let i = 0; i < keys.length; i++) {
      const at = out.at;
      if (!first) out.ascii(',');
      if (this.write(keys[i]!)) first = false;
      else {
        out.at = at;
        notFound.push(asked[i]);
      }
    }
    out.ascii('],"not_found":');
    out.json(JSON.stringify(notFound));
    out.ascii('}');
    return out.take();
  }

  /** A view built as an object (a customer the overlay holds). */
  view(view: CustomerView): string {
    let s = '';
    for (const key of VIEW_KEYS) {
      const v = view[key];
      if (v === undefined) continue;
      s += `${s === '' ? '{' : ','}${KEY_JSON.get(key)}${cellJson(v)}`;
    }
    return s === '' ? '{}' : `${s}}`;
  }
}

const compiled = new WeakMap<LiveState, CustomerJson>();

/** The JSON writers of a live state's snapshot, compiled on its first lookup. */
export function customerJsonOf(state: LiveState): CustomerJson {
  let json = compiled.get(state);
  if (!json) {
    json = new CustomerJson(state, state.columns, state.snapshot.id, state.snapshot.manifest.as_of);
    compiled.set(state, json);
  }
  return json;
}
