/**
 * The addon's writer of customer rows (native/src/json_row): one snapshot's row plan registered
 * once — each column's key, how it is written and its Arrow buffers — then one call writes any
 * number of rows (a turn's lookups, a batch-get's chunk) into a {@link JsonBytes} buffer, with no
 * JavaScript per cell. customer-json.ts's TypeScript writer is the reference: the same plan, the
 * same bytes (a test holds them equal on random rows of every kind and on a real snapshot).
 *
 * The addon borrows the columns' buffers instead of copying them: this object holds a view of
 * each (so its memory outlives the plan's handle, which it also holds), and both go when the
 * snapshot's writers are dropped for a new snapshot.
 */
import { loadBinding, type JsonRowPlanHandle, type NativeBinding } from '../../engine/kernels/native-binding.js';
import { NativeError } from '../../engine/errors.js';
import { mapNativeError } from '../../engine/kernels/native-errors.js';
import type { JsonBytes } from './json-bytes.js';

/** One column of a row plan as the addon takes it; `op` is customer-json.ts's. */
export interface NativeColumn {
  readonly op: number;
  readonly key: Uint8Array;
  /** Values (text: its Int32 offsets; coded: Uint16 codes; flag: the bitmap). */
  readonly values: ArrayBufferView;
  /** A text column's UTF-8 bytes. */
  readonly text: Uint8Array | null;
  readonly validity: Uint8Array | null;
  /** A coded column's names as JSON bytes, by code. */
  readonly names: readonly Uint8Array[] | null;
}

/** `io[1]` of jsonRowsWrite: rows are not separated, or comma-separated with none / some written yet. */
export const NO_COMMAS = 0;
export const FIRST_ROW = 1;
export const LATER_ROW = 2;

type RowsBinding = Required<Pick<NativeBinding, 'jsonRowsPlan' | 'jsonRowsColumn' | 'jsonRowsWrite'>> & Pick<NativeBinding, 'jsonRowsIndex' | 'jsonRowsFind'>;

/** An id index's tables (engine/live/id-hash-index.ts `tables`). */
export interface IdTables {
  readonly slots: Int32Array;
  readonly offsets: Int32Array;
  readonly bytes: Uint8Array;
}

let binding: RowsBinding | null | undefined;

function rowsBinding(): RowsBinding | null {
  if (binding === undefined) {
    const loaded = loadBinding();
    const b = 'binding' in loaded ? loaded.binding : null;
    binding = b?.jsonRowsPlan && b.jsonRowsColumn && b.jsonRowsWrite ? (b as RowsBinding) : null;
  }
  return binding;
}

function bytesOf(v: ArrayBufferView): Uint8Array {
  return v instanceof Uint8Array ? v : new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
}

/** A snapshot's row plan in the addon. */
export class NativeRows {
  private readonly io = new Float64Array(2);
  /** The id index's tables once registered ({@link withIndex}), held for the addon like the columns. */
  private index: IdTables | null = null;
  /** A chunk's ids as UTF-8, and where each starts. */
  private ids = Buffer.allocUnsafe(16_384);
  /**
   * The memory of every view the addon reads, each ArrayBuffer once (a snapshot's columns share
   * the file's), and its byte length when registered.
   */
  private readonly buffers: ArrayBufferLike[] = [];
  private readonly lengths: number[] = [];
  private starts = new Int32Array(1025);
  /** `starts.subarray(0, n + 1)` by n, made once: a view per call cost a lookup ~0.1 µs. */
  private startViews: Int32Array[] = [];

  private constructor(
    private readonly b: RowsBinding,
    private readonly handle: JsonRowPlanHandle,
    /** Held so that the buffers the addon reads live as long as the plan. */
    readonly columns: readonly NativeColumn[],
  ) {}

  /**
   * The plan of `columns` over `size` rows, each row closed by `tail`; null without the addon's
   * writer (an older build, none at all) or with `SEGSTREAM_JSON_WRITER=js`.
   */
  static create(size: number, columns: readonly NativeColumn[], tail: Uint8Array): NativeRows | null {
    const b = process.env.SEGSTREAM_JSON_WRITER === 'js' ? null : rowsBinding();
    if (b === null) return null;
    try {
      const handle = b.jsonRowsPlan(size, columns.length, tail);
      for (const [c, col] of columns.entries()) {
        let names: Uint8Array | null = null;
        let nameOffsets: Int32Array | null = null;
        if (col.names) {
          nameOffsets = new Int32Array(col.names.length + 1);
          for (const [i, n] of col.names.entries()) nameOffsets[i + 1] = nameOffsets[i]! + n.length;
          names = new Uint8Array(nameOffsets[col.names.length]!);
          for (const [i, n] of col.names.entries()) names.set(n, nameOffsets[i]!);
        }
        b.jsonRowsColumn(handle, c, col.op, col.key, bytesOf(col.values), col.text, col.validity, names, nameOffsets);
      }
      const rows = new NativeRows(b, handle, columns);
      for (const c of columns) rows.hold(c.values, c.text, c.validity);
      return rows;
    } catch (err) {
      throw mapNativeError(err, 'jsonRowsPlan');
    }
  }

  /**
   * Throws when a buffer the addon reads was detached (transferred to another thread) since the
   * plan was made: its memory may be gone, and reading it would crash the process.
   */
  private checkAttached(): void {
    const { buffers, lengths } = this;
    // A detached ArrayBuffer has no bytes any more. Its buffers, not the ~40 views of several
    // typed-array kinds, are checked: reading byteLength from views of mixed kinds is a
    // megamorphic load each, which cost a lookup ~0.8 µs (a quarter of its time in the addon).
    for (let i = 0; i < buffers.length; i++) {
      if (buffers[i]!.byteLength !== lengths[i]) throw new NativeError('native kernel jsonRowsWrite: a buffer the row plan reads (a snapshot column or the id index) was detached');
    }
  }

  /** Records the memory of the views the addon reads, to tell later when some was detached. */
  private hold(...held: (ArrayBufferView | null)[]): void {
    for (const v of held) {
      if (v === null || this.buffers.includes(v.buffer)) continue;
      this.buffers.push(v.buffer);
      this.lengths.push(v.buffer.byteLength);
    }
  }

  /**
   * Registers the snapshot's id index, so that {@link find} looks ids up in the addon; false when
   * the addon has no lookup (an older build).
   */
  withIndex(tables: IdTables): boolean {
    const { b, handle } = this;
    if (!b.jsonRowsIndex || !b.jsonRowsFind) return false;
    try {
      b.jsonRowsIndex(handle, tables.slots, tables.offsets, tables.bytes);
    } catch (err) {
      throw mapNativeError(err, 'jsonRowsIndex');
    }
    this.index = tables;
    this.hold(tables.slots, tables.offsets, tables.bytes);
    return true;
  }

  /** Whether {@link find} can be used. */
  get finds(): boolean {
    return this.index !== null;
  }

  /**
   * `out[i]` = the snapshot row of `keys[from + i]` for i < n, or -1: IdHashIndex's find and
   * findInteger (an integer by its decimal digits) in one call, the ids' cache misses overlapped.
   */
  find(keys: readonly (string | number)[], from: number, n: number, out: Int32Array): void {
    this.checkAttached();
    if (this.starts.length < n + 1) {
      this.starts = new Int32Array(n + 1);
      this.startViews = [];
    }
    const starts = this.starts;
    let buf = this.ids;
    let at = 0;
    for (let i = 0; i < n; i++) {
      const key = keys[from + i]!;
      const text = typeof key === 'number' ? `${key}` : key;
      const len = text.length;
      if (at + len * 3 > buf.length) {
        const grown = Buffer.allocUnsafe(Math.max(buf.length * 2, at + len * 3));
        buf.copy(grown, 0, 0, at);
        this.ids = buf = grown;
      }
      starts[i] = at;
      let j = 0;
      for (; j < len; j++) {
        const c = text.charCodeAt(j);
        if (c >= 0x80) break;
        buf[at + j] = c;
      }
      // Non-ASCII text as UTF-8 (a lone surrogate as U+FFFD, as the TypeScript index encodes it).
      at += j === len ? len : buf.write(text, at, 'utf8');
    }
    starts[n] = at;
    // The ids' bytes are read through `starts` alone, so the whole buffer goes.
    let view = this.startViews[n];
    if (view === undefined) {
      view = starts.subarray(0, n + 1);
      this.startViews[n] = view;
    }
    try {
      this.b.jsonRowsFind!(this.handle, buf, view, out);
    } catch (err) {
      throw mapNativeError(err, 'jsonRowsFind');
    }
  }

  /**
   * Appends the JSON of each row of `rows` (snapshot rows; negative ones are skipped) to `out`;
   * `ends[i]`, when given, is where row i's bytes end. `commas` is {@link NO_COMMAS},
   * {@link FIRST_ROW} or {@link LATER_ROW}; returns the state after these rows.
   */
  write(rows: Int32Array, out: JsonBytes, ends: Int32Array | null, commas: number): number {
    const { b, handle, io } = this;
    this.checkAttached();
    io[0] = out.at;
    io[1] = commas;
    let done = 0;
    try {
      for (;;) {
        done += b.jsonRowsWrite(handle, done === 0 ? rows : rows.subarray(done), out.buffer, ends === null || done === 0 ? ends : ends.subarray(done), io);
        out.at = io[0]!;
        if (done >= rows.length) return io[1]!;
        // The next row may not fit: a larger buffer (copied with what is written), and on.
        out.grow();
      }
    } catch (err) {
      throw mapNativeError(err, 'jsonRowsWrite');
    }
  }
}
