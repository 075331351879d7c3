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

type RowsBinding = Required<Pick<NativeBinding, 'jsonRowsPlan' | 'jsonRowsColumn' | 'jsonRowsWrite'>>;

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
      return new NativeRows(b, handle, columns);
    } catch (err) {
      throw mapNativeError(err, 'jsonRowsPlan');
    }
  }

  /**
   * Appends the JSON of each row of `rows` (snapshot rows; negative ones are skipped) to `out`;
   * `ends[i]`, when given, is where row i's bytes end. `commas` is {@link NO_COMMAS},
   * {@link FIRST_ROW} or {@link LATER_ROW}; returns the state after these rows.
   */
  write(rows: Int32Array, out: JsonBytes, ends: Int32Array | null, commas: number): number {
    const { b, handle, io } = this;
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
