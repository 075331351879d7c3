/**
 * Customer views as JSON text, written straight from the snapshot's columns: one writer per
 * column, compiled once per snapshot, each appending its field's JSON to one string; no object
 * per customer and no schema-driven serialization on the lookup path.
 *
 * The text is the one fastify's response schema (schemas.ts CUSTOMER_SCHEMA, fast-json-stringify)
 * wrote for the same view, byte for byte: fields in the schema's order (the customer row's, then
 * snapshot, as_of, live), a field the view lacks left out, numbers as `String(n)` (non-finite as
 * null), text as JSON.stringify writes it. A test holds the two to the same bytes.
 */
import type { CustomerView, LiveState } from '../../engine/live/live-state.js';
import type { SnapshotColumns } from '../../engine/live/snapshot-columns.js';
import { isValidTimestamp } from '../../engine/parse/parse-timestamp.js';
import { CUSTOMER_COLUMNS, type CustomerColumn, cellJson, isoTimestamp } from '../../engine/snapshot/customer-schema.js';

type Writer = (row: number) => string;

/** The fields of a view after the customer row's own, in the schema's order. */
const META = ['snapshot', 'as_of', 'live'] as const;
const VIEW_KEYS: readonly string[] = [...CUSTOMER_COLUMNS, ...META];
const KEY_JSON: ReadonlyMap<string, string> = new Map(VIEW_KEYS.map((k) => [k, `${JSON.stringify(k)}:`]));

/** Whether JSON.stringify escapes anything in text decoded from UTF-8 (a quote, a backslash, a control character; no lone surrogate can be there). */
function needsEscape(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c) return true;
  }
  return false;
}

/**
 * The JSON writer of one column, from its cell reader: each kind writes its cells the way
 * cellJson does, without asking the cell's type again (numbers from the reader are finite;
 * timestamps and text that needs no escaping are quoted as they are).
 */
function writerOf(columns: SnapshotColumns, index: number): Writer {
  const { field, read, coded } = columns.readers[index]!;
  if (coded) {
    // A category has a few names: their JSON is written once.
    const names = coded.names.map((n) => JSON.stringify(n));
    const codes = coded.codes;
    return (row) => names[codes[row]!]!;
  }
  switch (field.kind) {
    case 'integer':
    case 'number':
    case 'score':
    case 'band':
      return (row) => {
        const c = read(row);
        return c === null ? 'null' : `${c}`;
      };
    case 'timestamp':
      return (row) => {
        const c = read(row);
        return c === null ? 'null' : `"${c}"`;
      };
    case 'text':
      // Checked per value, not by scanning the column when a snapshot loads (10M ids would stall the first lookup).
      return (row) => {
        const c = read(row);
        return c === null ? 'null' : typeof c === 'string' && !needsEscape(c) ? `"${c}"` : cellJson(c);
      };
    default:
      return (row) => cellJson(read(row));
  }
}

// Operations of the row writer, by column (0: the column's writer closure).
const CODED = 1;
const FLOAT = 2;
const INT32 = 3;
const UINT8 = 4;
const UINT16 = 5;
const TIMESTAMP = 6;

/**
 * How one snapshot's rows are written. A random row costs a cache miss per column (and per null
 * bitmap), which is most of a lookup's time; so a row is first gathered, column group by column
 * group, in tight loops over arrays of one type whose loads the CPU overlaps, and then written
 * from the gathered values. Columns of another layout keep their writer closure.
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
  readonly bitmaps: Uint8Array[] = [];
  readonly names: (string[] | null)[];

  constructor(columns: SnapshotColumns) {
    const n = columns.readers.length;
    this.op = new Uint8Array(n);
    this.slot = new Int32Array(n);
    this.bitSlot = new Int32Array(n).fill(-1);
    this.names = new Array(n).fill(null);
    for (const [c, { field, coded }] of columns.readers.entries()) {
      const chunks = columns.vector(field.name as CustomerColumn).data;
      const d = chunks[0];
      if (coded) {
        this.op[c] = CODED;
        this.slot[c] = this.u16.push(coded.codes) - 1;
        this.names[c] = coded.names.map((name) => JSON.stringify(name));
        continue;
      }
      if (chunks.length !== 1 || d === undefined || d.offset !== 0 || field.kind === 'text' || field.kind === 'flag') continue;
      const v: unknown = d.values;
      if (field.kind === 'category') {
        // A category with nulls (lost_reason): its dictionary's names and its Int16 codes read as Uint16.
        if (!d.dictionary || !(v instanceof Int16Array)) continue;
        this.op[c] = CODED;
        this.slot[c] = this.u16.push(new Uint16Array(v.buffer, v.byteOffset, v.length)) - 1;
        this.names[c] = [...d.dictionary].map((name) => JSON.stringify(String(name)));
      } else if (field.kind === 'timestamp' && v instanceof BigInt64Array) {
        this.op[c] = TIMESTAMP;
        this.slot[c] = this.ts.push(new Int32Array(v.buffer, v.byteOffset, v.length * 2)) - 1;
      } else if (v instanceof Float64Array && field.kind !== 'timestamp') {
        this.op[c] = FLOAT;
        this.slot[c] = this.f64.push(v) - 1;
      } else if (v instanceof Int32Array && field.kind !== 'timestamp') {
        this.op[c] = INT32;
        this.slot[c] = this.i32.push(v) - 1;
      } else if (v instanceof Uint8Array && field.kind !== 'timestamp') {
        this.op[c] = UINT8;
        this.slot[c] = this.u8.push(v) - 1;
      } else if (v instanceof Uint16Array && field.kind !== 'timestamp') {
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
  private readonly keys: string[];
  private readonly writers: Writer[];
  private readonly plan: RowPlan;
  // The gathered values of one row, by group (reused: a row is written in one synchronous call).
  private readonly f64: Float64Array;
  private readonly i32: Int32Array;
  private readonly u8: Uint8Array;
  private readonly u16: Uint16Array;
  private readonly tsLo: Int32Array;
  private readonly tsHi: Int32Array;
  private readonly bits: Uint8Array;
  /** `,"snapshot":…,"as_of":…,"live":false}`: the same for every row the overlay does not hold. */
  private readonly tail: string;
  private readonly snapshotJson: string;

  constructor(columns: SnapshotColumns, snapshotId: string, asOf: string) {
    this.keys = columns.readers.map((r, i) => `${i === 0 ? '{' : ','}${KEY_JSON.get(r.field.name)}`);
    this.writers = columns.readers.map((_, i) => writerOf(columns, i));
    const plan = new RowPlan(columns);
    this.plan = plan;
    this.f64 = new Float64Array(plan.f64.length);
    this.i32 = new Int32Array(plan.i32.length);
    this.u8 = new Uint8Array(plan.u8.length);
    this.u16 = new Uint16Array(plan.u16.length);
    this.tsLo = new Int32Array(plan.ts.length);
    this.tsHi = new Int32Array(plan.ts.length);
    this.bits = new Uint8Array(plan.bitmaps.length);
    this.snapshotJson = JSON.stringify(snapshotId);
    const open = this.keys.length === 0 ? '{' : ',';
    this.tail = `${open}"snapshot":${this.snapshotJson},"as_of":${JSON.stringify(asOf)},"live":false}`;
  }

  /** The view of snapshot row `row` (a customer live events have not changed). */
  row(row: number): string {
    const { plan, f64, i32, u8, u16, tsLo, tsHi, bits } = this;
    for (let g = 0; g < f64.length; g++) f64[g] = plan.f64[g]![row]!;
    for (let g = 0; g < i32.length; g++) i32[g] = plan.i32[g]![row]!;
    for (let g = 0; g < u8.length; g++) u8[g] = plan.u8[g]![row]!;
    for (let g = 0; g < u16.length; g++) u16[g] = plan.u16[g]![row]!;
    for (let g = 0; g < tsLo.length; g++) {
      tsLo[g] = plan.ts[g]![2 * row]!;
      tsHi[g] = plan.ts[g]![2 * row + 1]!;
    }
    const byte = row >> 3;
    const bit = row & 7;
    for (let g = 0; g < bits.length; g++) bits[g] = (plan.bitmaps[g]![byte]! >> bit) & 1;
    const { keys, writers } = this;
    const { op, slot, bitSlot, names } = plan;
    let s = '';
    for (let c = 0; c < keys.length; c++) {
      const g = slot[c]!;
      const b = bitSlot[c]!;
      let v: string;
      if (b >= 0 && bits[b] === 0) v = 'null';
      else {
        switch (op[c]) {
          case CODED:
            v = names[c]![u16[g]!]!;
            break;
          case FLOAT: {
            const x = f64[g]!;
            v = Number.isFinite(x) ? `${x}` : 'null';
            break;
          }
          case INT32:
            v = `${i32[g]}`;
            break;
          case UINT8:
            v = `${u8[g]}`;
            break;
          case UINT16:
            v = `${u16[g]}`;
            break;
          case TIMESTAMP: {
            const ms = tsHi[g]! * 4_294_967_296 + (tsLo[g]! >>> 0);
            v = isValidTimestamp(ms) ? `"${isoTimestamp(ms)}"` : 'null';
            break;
          }
          default:
            v = writers[c]!(row);
        }
      }
      s += keys[c]! + v;
    }
    return s + this.tail;
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

  /** The body of a batch-get: the views found, in order, and the ids asked for that were not. */
  batch(views: readonly string[], notFound: readonly (string | number)[]): string {
    return `{"snapshot":${this.snapshotJson},"customers":[${views.join(',')}],"not_found":${JSON.stringify(notFound)}}`;
  }
}

const compiled = new WeakMap<LiveState, CustomerJson>();

/** The JSON writers of a live state's snapshot, compiled on its first lookup. */
export function customerJsonOf(state: LiveState): CustomerJson {
  let json = compiled.get(state);
  if (!json) {
    json = new CustomerJson(state.columns, state.snapshot.id, state.snapshot.manifest.as_of);
    compiled.set(state, json);
  }
  return json;
}
