/**
 * Customer id → snapshot row, without a JS string per customer: an open-addressing hash table
 * of row numbers over the UTF-8 bytes of the snapshot's `customer_id` column itself.
 *
 *   slots: Int32Array(capacity)   -1 = empty, else a row; capacity = power of two >= 2n
 *   row r's id = bytes[offsets[r] .. offsets[r+1])
 *
 * A lookup hashes the query's bytes (FNV-1a), probes linearly and compares bytes; an integer id
 * is looked up by its decimal digits, made from its value. Memory beyond the Arrow column is
 * 4 * capacity bytes: 8 to 16 bytes per customer, against ~60-100 for a `Map<string, number>`
 * whose keys are materialized strings.
 */
import type { Vector } from 'apache-arrow';
import { TurnBudget } from '../turn-budget.js';

/** Ids hashed between two looks at the clock while the index is built in slices (~0.5 ms). */
const PIECE_ROWS = 4096;

function fnv1a(bytes: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return h >>> 0;
}

/** The bytes and offsets of a Utf8 column as one run (copied only when the column has several chunks). */
function flatten(vector: Vector): { offsets: Int32Array; bytes: Uint8Array } {
  const chunks = vector.data;
  if (chunks.length === 1 && chunks[0]!.offset === 0) {
    const d = chunks[0]!;
    return { offsets: d.valueOffsets as Int32Array, bytes: d.values as Uint8Array };
  }
  const offsets = new Int32Array(vector.length + 1);
  let total = 0;
  for (const d of chunks) total += (d.valueOffsets as Int32Array)[d.offset + d.length]! - (d.valueOffsets as Int32Array)[d.offset]!;
  const bytes = new Uint8Array(total);
  let row = 0;
  let at = 0;
  for (const d of chunks) {
    const o = (d.valueOffsets as Int32Array).subarray(d.offset, d.offset + d.length + 1);
    bytes.set((d.values as Uint8Array).subarray(o[0]!, o[d.length]!), at);
    for (let i = 0; i < d.length; i++) offsets[++row] = at + o[i + 1]! - o[0]!;
    at += o[d.length]! - o[0]!;
  }
  return { offsets, bytes };
}

/** Read-only id → row index over a snapshot's `customer_id` column. */
export class IdHashIndex {
  private readonly slots: Int32Array;
  private readonly mask: number;
  private readonly offsets: Int32Array;
  private readonly bytes: Uint8Array;
  private readonly size: number;
  private scratch = Buffer.allocUnsafe(256);

  /** Builds the index in one go; ids are unique in a snapshot, so no duplicate check is made. */
  private constructor(ids: Vector) {
    const { offsets, bytes } = flatten(ids);
    this.offsets = offsets;
    this.bytes = bytes;
    let capacity = 16;
    while (capacity < ids.length * 2) capacity *= 2;
    this.slots = new Int32Array(capacity).fill(-1);
    this.mask = capacity - 1;
    this.size = ids.length;
  }

  /**
   * Builds the index in slices of the budget's milliseconds (pieces of PIECE_ROWS rows), yielding
   * to the event loop between them, so a server keeps answering meanwhile: at 1M ids the whole
   * build is ~60-170 ms of CPU, and slices of 131,072 rows held the loop 50-100 ms each.
   */
  static async build(ids: Vector, budget = new TurnBudget()): Promise<IdHashIndex> {
    const index = new IdHashIndex(ids);
    for (let from = 0; from < index.size; from += PIECE_ROWS) {
      index.insert(from, Math.min(index.size, from + PIECE_ROWS));
      await budget.check();
    }
    return index;
  }

  /** Builds the index synchronously (tests, tools). */
  static buildSync(ids: Vector): IdHashIndex {
    const index = new IdHashIndex(ids);
    index.insert(0, index.size);
    return index;
  }

  private insert(from: number, to: number): void {
    const { offsets, bytes, slots, mask } = this;
    for (let r = from; r < to; r++) {
      let s = fnv1a(bytes, offsets[r]!, offsets[r + 1]!) & mask;
      while (slots[s] !== -1) s = (s + 1) & mask;
      slots[s] = r;
    }
  }

  /** The index's tables, for the addon's twin of {@link find} (server/format/native-rows.ts): read them, never write. */
  get tables(): { readonly slots: Int32Array; readonly offsets: Int32Array; readonly bytes: Uint8Array } {
    return { slots: this.slots, offsets: this.offsets, bytes: this.bytes };
  }

  /** Bytes held beyond the Arrow column (the slot table). */
  get extraBytes(): number {
    return this.slots.byteLength;
  }

  /** The row of canonical id text `id`, or -1. ASCII ids (the common case) are hashed and compared as they are, with no UTF-8 copy. */
  find(id: string): number {
    const len = id.length;
    let h = 0x811c9dc5;
    for (let i = 0; i < len; i++) {
      const c = id.charCodeAt(i);
      if (c >= 0x80) return this.findUtf8(id);
      h = Math.imul(h ^ c, 0x01000193);
    }
    const { offsets, bytes, slots, mask } = this;
    let s = (h >>> 0) & mask;
    for (;;) {
      const r = slots[s]!;
      if (r === -1) return -1;
      const start = offsets[r]!;
      if (offsets[r + 1]! - start === len) {
        let i = 0;
        while (i < len && bytes[start + i] === id.charCodeAt(i)) i++;
        if (i === len) return r;
      }
      s = (s + 1) & mask;
    }
  }

  /** The row of the integer id `value` (a safe integer), by its decimal digits without making its text. */
  findInteger(value: number): number {
    const q = this.scratch;
    let a = Math.abs(value);
    let len = 0;
    do {
      const next = Math.floor(a / 10);
      q[len++] = 48 + (a - next * 10);
      a = next;
    } while (a > 0);
    if (value < 0) q[len++] = 45; // '-'
    q.subarray(0, len).reverse();
    return this.probe(q, len);
  }

  private findUtf8(id: string): number {
    if (this.scratch.length < id.length * 3) this.scratch = Buffer.allocUnsafe(id.length * 3);
    return this.probe(this.scratch, this.scratch.write(id, 0, 'utf8'));
  }

  /** The row whose id is the bytes `q[0, len)`, or -1. */
  private probe(q: Uint8Array, len: number): number {
    const { offsets, bytes, slots, mask } = this;
    let s = fnv1a(q, 0, len) & mask;
    for (;;) {
      const r = slots[s]!;
      if (r === -1) return -1;
      const start = offsets[r]!;
      if (offsets[r + 1]! - start === len) {
        let i = 0;
        while (i < len && bytes[start + i] === q[i]) i++;
        if (i === len) return r;
      }
      s = (s + 1) & mask;
    }
  }
}
