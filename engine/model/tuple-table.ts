/**
 * Open-addressing hash from tuples of up to three numbers to dense ids (0, 1, 2, … in first-seen
 * order), the distinct tuples kept as typed-array columns. It replaces `Map` with packed or text
 * keys on the models' grouping paths: a million rows hash in tens of milliseconds and nothing is
 * allocated per row.
 *
 *   slot:   0    1             2    3             4    5
 *   ids:   [-1,  1,           -1,   0,           -1,   2 ]        (−1 = empty)
 *   keys:  [ ·,  (2,40,310),   ·,  (0,0,300),     ·,  (0,0,290)]  (a, b, c of the slot)
 *   byId:  [3, 1, 5]                                              (id → its slot)
 *
 * Invariants: at most half the slots are full, so linear probes stay short; keys compare with
 * `===`, so non-integer values (weeks) group exactly and the hash only has to spread them.
 * Integers (days, counts) hash from their value; other numbers from their IEEE-754 bits.
 */

const F64 = new Float64Array(1);
const I32 = new Int32Array(F64.buffer);

/** A 32-bit word standing for `v` (equal numbers give equal words; −0 and 0 both give 0). */
function word(v: number): number {
  const i = v | 0;
  if (i === v) return i;
  F64[0] = v;
  return (I32[0] as number) ^ Math.imul(I32[1] as number, 0x27d4eb2d);
}

/** Mixes three words into a well-spread 32-bit hash (murmur-style finalizer). */
function hash3(a: number, b: number, c: number): number {
  let h = Math.imul(word(a), 0x9e3779b1) ^ Math.imul(word(b), 0x85ebca77) ^ Math.imul(word(c), 0xc2b2ae3d);
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  return h ^ (h >>> 12);
}

/** Dense ids for distinct (a, b, c) tuples; unused trailing components are passed as 0. */
export class TupleTable {
  // Each slot holds its tuple beside its id, so a probe touches one place in memory.
  private keys: Float64Array;
  private ids: Int32Array;
  private mask: number;
  private byId: Int32Array;
  /** Distinct tuples seen so far; ids are `0 … count − 1`. */
  count = 0;

  /** `expected`: a guess at the number of distinct tuples (the table grows past it). */
  constructor(expected = 1024) {
    let cap = 16;
    while (cap < expected * 2) cap *= 2;
    this.keys = new Float64Array(cap * 3);
    this.ids = new Int32Array(cap).fill(-1);
    this.mask = cap - 1;
    // One more than the ids that fit before a rehash: the insert that crosses half full writes first.
    this.byId = new Int32Array((cap >>> 1) + 1);
  }

  /** The id of (a, b, c), added as the next id when new. Values must not be NaN. */
  id(a: number, b: number, c: number): number {
    const ids = this.ids;
    const keys = this.keys;
    const mask = this.mask;
    let s = hash3(a, b, c) & mask;
    for (;;) {
      const g = ids[s] as number;
      if (g < 0) break;
      const k = s * 3;
      if (keys[k] === a && keys[k + 1] === b && keys[k + 2] === c) return g;
      s = (s + 1) & mask;
    }
    const g = this.count++;
    ids[s] = g;
    keys[s * 3] = a;
    keys[s * 3 + 1] = b;
    keys[s * 3 + 2] = c;
    this.byId[g] = s;
    if (this.count * 2 > ids.length) this.rehash();
    return g;
  }

  /** The k-th component (0, 1 or 2) of every distinct tuple, by id. */
  column(k: 0 | 1 | 2): Float64Array {
    const out = new Float64Array(this.count);
    for (let g = 0; g < this.count; g++) out[g] = this.keys[(this.byId[g] as number) * 3 + k] as number;
    return out;
  }

  /** Doubles the slots and re-inserts every tuple (ids do not change). */
  private rehash(): void {
    const oldKeys = this.keys;
    const cap = this.ids.length * 2;
    const keys = new Float64Array(cap * 3);
    const ids = new Int32Array(cap).fill(-1);
    const mask = cap - 1;
    const byId = new Int32Array((cap >>> 1) + 1);
    for (let g = 0; g < this.count; g++) {
      const o = (this.byId[g] as number) * 3;
      const a = oldKeys[o] as number;
      const b = oldKeys[o + 1] as number;
      const c = oldKeys[o + 2] as number;
      let s = hash3(a, b, c) & mask;
      while ((ids[s] as number) >= 0) s = (s + 1) & mask;
      ids[s] = g;
      keys[s * 3] = a;
      keys[s * 3 + 1] = b;
      keys[s * 3 + 2] = c;
      byId[g] = s;
    }
    this.keys = keys;
    this.ids = ids;
    this.mask = mask;
    this.byId = byId;
  }
}
