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
import { FIRST_ROW, LATER_ROW, type NativeColumn, NativeRows, NO_COMMAS } from './native-rows.js';

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
  /** Each column's buffers as the addon's writer takes them (native-rows.ts); null for a column of another layout. */
  readonly native: ({ values: ArrayBufferView; text: Uint8Array | null; validity: Uint8Array | null } | null)[];

  constructor(columns: SnapshotColumns) {
    const n = columns.readers.length;
    this.op = new Uint8Array(n);
    this.slot = new Int32Array(n);
    this.bitSlot = new Int32Array(n).fill(-1);
    this.names = new Array(n).fill(null);
    this.readers = columns.readers.map((r) => r.read);
    this.native = new Array(n).fill(null);
    for (const [c, { field, coded }] of columns.readers.entries()) {
      if (coded) {
        this.op[c] = CODED;
        this.slot[c] = this.u16.push(coded.codes) - 1;
        this.names[c] = coded.names.map((name) => jsonBytesOf(JSON.stringify(name)));
        this.native[c] = { values: coded.codes, text: null, validity: null };
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
      const validity = d.nullCount > 0 ? d.nullBitmap! : null;
      if (validity !== null) this.bitSlot[c] = this.bitmaps.push(validity) - 1;
      const op = this.op[c]!;
      const text = op === TEXT ? (v as Uint8Array) : null;
      const values = op === TEXT ? d.valueOffsets : op === CODED ? this.u16[this.slot[c]!]! : (v as ArrayBufferView);
      this.native[c] = { values, text, validity };
    }
  }
}

/** Rows a batch-get gathers at once: their gathered values (~200 bytes a row) stay in the CPU's cache. */
const CHUNK = 1024;

/** JSON writers of one snapshot's customer views. */
export class CustomerJson {
  private readonly keys: Uint8Array[];
  private readonly plan: RowPlan;
  private readonly out = new JsonBytes();
  /** The snapshot rows of a chunk of keys (or LIVE, or -1). */
  private readonly rows = new Int32Array(CHUNK);
  // The gathered values of a chunk of n rows, by group: group g's value of the chunk's row i is at g * n + i.
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
  private readonly oneKey: CustomerKey[] = [0];
  private readonly oneBody: (string | null)[] = [null];
  /** The addon's writer of this plan, when it has one and every column has a plain layout. */
  private readonly native: NativeRows | null;
  /** Whether ids are looked up by the addon too (its plan holds the snapshot's id index). */
  private readonly nativeFinds: boolean;
  /** Where each row of a chunk ends in the buffer, as the addon wrote them. */
  private readonly ends = new Int32Array(CHUNK);
  /** `rows.subarray(0, m)` by m, made once: a turn of m lookups would make one per turn. */
  private readonly rowViews: Int32Array[] = [];

  /**
   * `writer` 'native' uses the addon's row writer where it can (the TypeScript one where not);
   * 'js' always the TypeScript one, the reference.
   */
  constructor(
    private readonly state: LiveState,
    columns: SnapshotColumns,
    snapshotId: string,
    asOf: string,
    writer: 'js' | 'native' = 'native',
  ) {
    this.keys = columns.readers.map((r, i) => jsonBytesOf(`${i === 0 ? '{' : ','}${KEY_JSON.get(r.field.name)}`));
    const plan = new RowPlan(columns);
    this.plan = plan;
    this.f64 = new Float64Array(plan.f64.length * CHUNK);
    this.i32 = new Int32Array(plan.i32.length * CHUNK);
    this.u8 = new Uint8Array(plan.u8.length * CHUNK);
    this.u16 = new Uint16Array(plan.u16.length * CHUNK);
    this.tsLo = new Int32Array(plan.ts.length * CHUNK);
    this.tsHi = new Int32Array(plan.ts.length * CHUNK);
    this.textStart = new Int32Array(plan.textOffsets.length * CHUNK);
    this.textEnd = new Int32Array(plan.textOffsets.length * CHUNK);
    this.flagBits = new Uint8Array(plan.flags.length * CHUNK);
    this.bits = new Uint8Array(plan.bitmaps.length * CHUNK);
    this.snapshotJson = JSON.stringify(snapshotId);
    const open = this.keys.length === 0 ? '{' : ',';
    this.tail = jsonBytesOf(`${open}"snapshot":${this.snapshotJson},"as_of":${JSON.stringify(asOf)},"live":false}`);
    this.batchHead = jsonBytesOf(`{"snapshot":${this.snapshotJson},"customers":[`);
    this.native = writer === 'native' ? this.nativeRows(columns.size) : null;
    // A stand-in state without an index (tests) keeps its own lookup.
    const index = (state as Partial<LiveState>).index;
    this.nativeFinds = this.native !== null && index !== undefined && this.native.withIndex(index.tables);
  }

  /**
   * `rows[0, n)` = {@link LiveState.lookup} of `keys[from, from + n)`: by the addon in one call
   * while the overlay holds no customer (then a lookup is the index's row), else one by one.
   */
  private lookupChunk(keys: readonly CustomerKey[], from: number, n: number): void {
    const { rows, state } = this;
    if (this.nativeFinds && state.overlay.size === 0) this.native!.find(keys, from, n, rows);
    else for (let i = 0; i < n; i++) rows[i] = state.lookup(keys[from + i]!);
  }

  /** The plan registered with the addon, or null (no addon writer, or a column it cannot read). */
  private nativeRows(size: number): NativeRows | null {
    const { plan, keys } = this;
    if (keys.length === 0 || plan.op.includes(0)) return null;
    const cols: NativeColumn[] = keys.map((key, c) => ({ op: plan.op[c]!, key, names: plan.names[c]!, ...plan.native[c]! }));
    return NativeRows.create(size, cols, this.tail);
  }

  /** Whether rows are written by the addon. */
  get writesNatively(): boolean {
    return this.native !== null;
  }

  /** Whether ids are looked up by the addon. */
  get findsNatively(): boolean {
    return this.nativeFinds;
  }

  /**
   * Gathers the values of the snapshot rows among `rows[0, n)` (rows < 0 are skipped), one column
   * at a time: n independent loads in a tight loop, whose cache misses the CPU overlaps.
   */
  private gather(n: number): void {
    const { plan, rows, f64, i32, u8, u16, tsLo, tsHi, textStart, textEnd, flagBits, bits } = this;
    for (let g = 0; g < plan.f64.length; g++) {
      const col = plan.f64[g]!;
      for (let i = 0, at = g * n; i < n; i++, at++) if (rows[i]! >= 0) f64[at] = col[rows[i]!]!;
    }
    for (let g = 0; g < plan.i32.length; g++) {
      const col = plan.i32[g]!;
      for (let i = 0, at = g * n; i < n; i++, at++) if (rows[i]! >= 0) i32[at] = col[rows[i]!]!;
    }
    for (let g = 0; g < plan.u8.length; g++) {
      const col = plan.u8[g]!;
      for (let i = 0, at = g * n; i < n; i++, at++) if (rows[i]! >= 0) u8[at] = col[rows[i]!]!;
    }
    for (let g = 0; g < plan.u16.length; g++) {
      const col = plan.u16[g]!;
      for (let i = 0, at = g * n; i < n; i++, at++) if (rows[i]! >= 0) u16[at] = col[rows[i]!]!;
    }
    for (let g = 0; g < plan.ts.length; g++) {
      const col = plan.ts[g]!;
      for (let i = 0, at = g * n; i < n; i++, at++) {
        const r = rows[i]!;
        if (r < 0) continue;
        tsLo[at] = col[2 * r]!;
        tsHi[at] = col[2 * r + 1]!;
      }
    }
    for (let g = 0; g < plan.textOffsets.length; g++) {
      const col = plan.textOffsets[g]!;
      for (let i = 0, at = g * n; i < n; i++, at++) {
        const r = rows[i]!;
        if (r < 0) continue;
        textStart[at] = col[r]!;
        textEnd[at] = col[r + 1]!;
      }
    }
    for (let g = 0; g < plan.flags.length; g++) {
      const col = plan.flags[g]!;
      for (let i = 0, at = g * n; i < n; i++, at++) if (rows[i]! >= 0) flagBits[at] = (col[rows[i]! >> 3]! >> (rows[i]! & 7)) & 1;
    }
    for (let g = 0; g < plan.bitmaps.length; g++) {
      const col = plan.bitmaps[g]!;
      for (let i = 0, at = g * n; i < n; i++, at++) if (rows[i]! >= 0) bits[at] = (col[rows[i]! >> 3]! >> (rows[i]! & 7)) & 1;
    }
  }

  /** Appends the view of the gathered row `i` of a chunk of `n` (snapshot row `row`, which live events have not changed). */
  private writeRow(i: number, n: number, row: number): void {
    const { plan, f64, i32, u8, u16, tsLo, tsHi, textStart, textEnd, flagBits, bits, out, keys } = this;
    const { op, slot, bitSlot, names, readers } = plan;
    for (let c = 0; c < keys.length; c++) {
      out.raw(keys[c]!);
      const at = slot[c]! * n + i;
      const b = bitSlot[c]!;
      if (b >= 0 && bits[b * n + i] === 0) {
        out.null();
        continue;
      }
      switch (op[c]) {
        case CODED:
          out.raw(names[c]![u16[at]!]!);
          break;
        case FLOAT:
          out.number(f64[at]!);
          break;
        case INT32:
          out.integer(i32[at]!);
          break;
        case UINT8:
          out.integer(u8[at]!);
          break;
        case UINT16:
          out.integer(u16[at]!);
          break;
        case TIMESTAMP: {
          const ms = tsHi[at]! * 4_294_967_296 + (tsLo[at]! >>> 0);
          if (isValidTimestamp(ms)) out.timestamp(ms);
          else out.null();
          break;
        }
        case TEXT:
          out.utf8Text(plan.textBytes[slot[c]!]!, textStart[at]!, textEnd[at]!);
          break;
        case FLAG:
          out.boolean(flagBits[at] === 1);
          break;
        default:
          out.json(cellJson(readers[c]!(row)));
      }
    }
    out.raw(this.tail);
  }

  /** Appends the view of a customer the overlay holds; false when it has none after all. */
  private writeLive(key: CustomerKey): boolean {
    const view = this.state.find(key);
    if (view === null) return false;
    this.out.json(this.view(view));
    return true;
  }

  /** The JSON of one customer, or null when neither the snapshot nor the live events know it. */
  one(key: CustomerKey): string | null {
    this.oneKey[0] = key;
    this.several(this.oneKey, 1, this.oneBody);
    return this.oneBody[0]!;
  }

  /**
   * The JSON of each of `keys[0, n)` into `bodies[0, n)` (null where neither the snapshot nor the
   * live events know the customer), for lookups that arrived together: their rows are gathered in
   * one pass, so the cache misses of all of them overlap instead of following one another.
   */
  several(keys: readonly CustomerKey[], n: number, bodies: (string | null)[]): void {
    const { out, rows, native } = this;
    for (let from = 0; from < n; from += CHUNK) {
      const m = Math.min(CHUNK, n - from);
      this.lookupChunk(keys, from, m);
      if (native !== null) {
        this.severalNative(native, keys, from, m, bodies);
        continue;
      }
      this.gather(m);
      for (let i = 0; i < m; i++) {
        const row = rows[i]!;
        out.reset();
        if (row >= 0) this.writeRow(i, m, row);
        else if (row !== LIVE || !this.writeLive(keys[from + i]!)) {
          bodies[from + i] = null;
          continue;
        }
        bodies[from + i] = out.takeText();
      }
    }
  }

  /** {@link several}'s chunk of `m` looked-up rows from `from`, the snapshot rows written by the addon in one call. */
  private severalNative(native: NativeRows, keys: readonly CustomerKey[], from: number, m: number, bodies: (string | null)[]): void {
    const { out, rows, ends } = this;
    out.reset();
    let view = m === CHUNK ? rows : this.rowViews[m];
    if (view === undefined) {
      view = rows.subarray(0, m);
      this.rowViews[m] = view;
    }
    native.write(view, out, ends, NO_COMMAS);
    let start = 0;
    for (let i = 0; i < m; i++) {
      const row = rows[i]!;
      if (row < 0) {
        bodies[from + i] = null;
        continue;
      }
      bodies[from + i] = out.text(start, ends[i]!);
      start = ends[i]!;
    }
    // Customers the overlay holds: their views, once the snapshot rows' text is taken.
    for (let i = 0; i < m; i++) {
      if (rows[i] !== LIVE) continue;
      out.reset();
      if (this.writeLive(keys[from + i]!)) bodies[from + i] = out.takeText();
    }
  }

  /**
   * The body of a batch-get in one pass over the ids, a chunk at a time: the chunk's rows looked
   * up, their values gathered column by column, then written; the views of `keys` found, in order,
   * and the `asked` values (as sent) of those that were not.
   */
  batch(keys: readonly CustomerKey[], asked: readonly unknown[]): Buffer {
    const { out, rows } = this;
    out.reset();
    out.raw(this.batchHead);
    const notFound: unknown[] = [];
    let first = true;
    let commas = FIRST_ROW;
    for (let from = 0; from < keys.length; from += CHUNK) {
      const n = Math.min(CHUNK, keys.length - from);
      this.lookupChunk(keys, from, n);
      if (this.native !== null) {
        commas = this.batchNative(this.native, keys, asked, from, n, commas, notFound);
        continue;
      }
      this.gather(n);
      for (let i = 0; i < n; i++) {
        const row = rows[i]!;
        const at = out.at;
        if (!first) out.ascii(',');
        if (row >= 0) this.writeRow(i, n, row);
        else if (row !== LIVE || !this.writeLive(keys[from + i]!)) {
          out.at = at;
          notFound.push(asked[from + i]);
          continue;
        }
        first = false;
      }
    }
    out.ascii('],"not_found":');
    out.json(JSON.stringify(notFound));
    out.ascii('}');
    return out.take();
  }

  /**
   * {@link batch}'s chunk of `n` looked-up rows from `from`: each run of rows the overlay does not
   * hold is written by the addon in one call, a customer it holds from its view; the ids of
   * neither go to `notFound`. Returns the comma state after the chunk.
   */
  private batchNative(native: NativeRows, keys: readonly CustomerKey[], asked: readonly unknown[], from: number, n: number, commas: number, notFound: unknown[]): number {
    const { out, rows } = this;
    for (let i = 0; i < n; ) {
      let j = i;
      while (j < n && rows[j] !== LIVE) j++;
      if (j > i) {
        commas = native.write(i === 0 && j === CHUNK ? rows : rows.subarray(i, j), out, null, commas);
        for (let k = i; k < j; k++) if (rows[k]! < 0) notFound.push(asked[from + k]);
      }
      if (j < n) {
        const at = out.at;
        if (commas === LATER_ROW) out.ascii(',');
        if (this.writeLive(keys[from + j]!)) commas = LATER_ROW;
        else {
          out.at = at;
          notFound.push(asked[from + j]);
        }
        j++;
      }
      i = j;
    }
    return commas;
  }

  /** Takes back the body of a {@link batch} once its response has closed, to write a later one into. */
  release(body: Buffer): void {
    this.out.giveBack(body);
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
    json = new CustomerJson(state, state.columns, state.snapshot.id, state.snapshot.manifest.as_of, 'native');
    compiled.set(state, json);
  }
  return json;
}
