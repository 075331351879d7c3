/**
 * A strict, read-only view of a FlatBuffer (the encoding of Arrow IPC metadata): every offset,
 * vtable, vector and string is checked to lie inside the buffer before it is read, and a bad one
 * throws. The generated readers apache-arrow uses read out of range as zeros and trust vector
 * lengths, which is what arrow-ipc-check.ts must not do.
 *
 *   table at t:  soffset (i32) → vtable at t - soffset: [vtable bytes u16][table bytes u16][field offsets u16…]
 *   field k:     t + fieldOffset[k] (0 = absent: the default)
 *   ref field:   p + u32(p) → table | vector [u32 n][elements] | string [u32 n][bytes]
 */

/** A table of a FlatBuffer; fields are addressed by slot (declaration order in the schema). */
export class FlatTable {
  private readonly vtable: number;
  private readonly vtableBytes: number;
  private readonly tableBytes: number;

  constructor(
    private readonly view: DataView,
    private readonly at: number,
  ) {
    need(view, at, 4);
    this.vtable = at - view.getInt32(at, true);
    need(view, this.vtable, 4);
    this.vtableBytes = view.getUint16(this.vtable, true);
    this.tableBytes = view.getUint16(this.vtable + 2, true);
    if (this.vtableBytes < 4 || this.vtableBytes % 2 !== 0 || this.tableBytes < 4) throw new Error(`bad vtable at ${this.vtable}`);
    need(view, this.vtable, this.vtableBytes);
    need(view, at, this.tableBytes);
  }

  /** Position of field `slot`, 0 when absent. */
  private field(slot: number): number {
    const o = 4 + 2 * slot;
    if (o >= this.vtableBytes) return 0;
    const off = this.view.getUint16(this.vtable + o, true);
    if (off === 0) return 0;
    if (off >= this.tableBytes) throw new Error(`field ${slot} lies outside its table`);
    return this.at + off;
  }

  /** Where a reference field points (0 when absent). */
  private target(slot: number): number {
    const p = this.field(slot);
    if (p === 0) return 0;
    need(this.view, p, 4);
    const t = p + this.view.getUint32(p, true);
    need(this.view, t, 4);
    return t;
  }

  /** A u8 field (0 when absent). */
  uint8(slot: number): number {
    const p = this.field(slot);
    if (p === 0) return 0;
    need(this.view, p, 1);
    return this.view.getUint8(p);
  }

  /** An i64 field as a number (0 when absent). */
  int64(slot: number): number {
    const p = this.field(slot);
    return p === 0 ? 0 : this.int64At(p);
  }

  /** The i64 at byte `at` of the buffer (a struct member). */
  int64At(at: number): number {
    need(this.view, at, 8);
    return Number(this.view.getBigInt64(at, true));
  }

  /** The i32 at byte `at` of the buffer (a struct member). */
  int32At(at: number): number {
    need(this.view, at, 4);
    return this.view.getInt32(at, true);
  }

  /** A sub-table field, null when absent. */
  table(slot: number): FlatTable | null {
    const t = this.target(slot);
    return t === 0 ? null : new FlatTable(this.view, t);
  }

  /** Length of a string field, checked to lie inside the buffer (0 when absent). */
  string(slot: number): number {
    const t = this.target(slot);
    if (t === 0) return 0;
    const n = this.view.getUint32(t, true);
    need(this.view, t + 4, n);
    return n;
  }

  /** Element count of a vector field whose elements take at least 4 bytes, checked to fit (0 when absent). */
  vectorLength(slot: number, elementBytes = 4): number {
    const t = this.target(slot);
    if (t === 0) return 0;
    const n = this.view.getUint32(t, true);
    need(this.view, t + 4, n * elementBytes);
    return n;
  }

  /** Byte positions of the structs of a vector of `size`-byte structs. */
  structs(slot: number, size: number): number[] {
    const n = this.vectorLength(slot, size);
    const first = this.target(slot) + 4;
    return Array.from({ length: n }, (_, i) => first + i * size);
  }

  /** The tables of a vector of tables, one at a time (a caller may stop early). */
  *tables(slot: number): Generator<FlatTable> {
    const n = this.vectorLength(slot, 4);
    const first = this.target(slot) + 4;
    for (let i = 0; i < n; i++) {
      const e = first + 4 * i;
      yield new FlatTable(this.view, e + this.view.getUint32(e, true));
    }
  }
}

/** The root table of a FlatBuffer. */
export function readFlat(bytes: Uint8Array): FlatTable {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  need(view, 0, 4);
  return new FlatTable(view, view.getUint32(0, true));
}

function need(view: DataView, at: number, n: number): void {
  if (at < 0 || n < 0 || at + n > view.byteLength) throw new Error(`offset ${at} (+${n}) outside ${view.byteLength} bytes`);
}
