/**
 * Numbers the customers of a partition's packs (partial-pack.ts) by their keys as the packs carry
 * them — a number, or UTF-16 units in the pack's `keyText` — in an open-addressing table of typed
 * arrays: no JS string and no Map entry per customer while merging (the Map of every text id was
 * most of the pool's merge step), and one string per distinct customer at the end, for
 * `customerId`.
 *
 *   slot → customer t → (pack, index in pack) where its key was first seen
 *
 * Numbers and text never meet (42 and "042" are two customers, as in IdIndex's Map). Invariant:
 * load factor <= 1/2, capacity a power of two, linear probing, no deletions.
 */
import { type PartitionPack, packKey } from './partial-pack.js';

const bits = new Float64Array(1);
const words = new Uint32Array(bits.buffer);

export class PackKeyIndex {
  /** Pack and index in that pack of customer t's first sighting. */
  private readonly fromPack: Int32Array;
  private readonly fromIndex: Int32Array;
  private readonly slots: Int32Array;
  private readonly mask: number;
  /** Customers numbered so far (0..size-1, in order of first sight). */
  size = 0;

  /** @param bound at most this many distinct customers will be interned */
  constructor(
    private readonly packs: readonly PartitionPack[],
    bound: number,
  ) {
    let cap = 16;
    while (cap < bound * 2) cap *= 2;
    this.slots = new Int32Array(cap).fill(-1);
    this.mask = cap - 1;
    this.fromPack = new Int32Array(bound);
    this.fromIndex = new Int32Array(bound);
  }

  /** The customer number of customer `i` of pack `k`, numbering it when new. */
  intern(k: number, i: number): number {
    const pk = this.packs[k]!;
    const num = pk.numKey[i]!;
    const text = Number.isNaN(num);
    const from = i === 0 ? 0 : pk.keyEnd[i - 1]!;
    const to = pk.keyEnd[i]!;
    let slot = (text ? hashUnits(pk.keyText, from, to) : hashNumber(num)) & this.mask;
    for (;;) {
      const t = this.slots[slot]!;
      if (t === -1) {
        const n = this.size++;
        this.slots[slot] = n;
        this.fromPack[n] = k;
        this.fromIndex[n] = i;
        return n;
      }
      const other = this.packs[this.fromPack[t]!]!;
      const j = this.fromIndex[t]!;
      const otherNum = other.numKey[j]!;
      if (text ? Number.isNaN(otherNum) && sameUnits(pk, from, to, other, j) : otherNum === num) return t;
      slot = (slot + 1) & this.mask;
    }
  }

  /** Canonical id text of every customer, by number. */
  customerIds(): string[] {
    const out = new Array<string>(this.size);
    for (let t = 0; t < this.size; t++) out[t] = String(packKey(this.packs[this.fromPack[t]!]!, this.fromIndex[t]!));
    return out;
  }
}

function sameUnits(a: PartitionPack, from: number, to: number, b: PartitionPack, j: number): boolean {
  const bFrom = j === 0 ? 0 : b.keyEnd[j - 1]!;
  if (b.keyEnd[j]! - bFrom !== to - from) return false;
  const ua = a.keyText;
  const ub = b.keyText;
  for (let k = 0; k < to - from; k++) if (ua[from + k] !== ub[bFrom + k]) return false;
  return true;
}

/** FNV-1a over the units, then murmur3's finaliser (FNV alone leaves the low bits weak). */
function hashUnits(units: Uint16Array, from: number, to: number): number {
  let h = 0x811c9dc5 ^ (to - from);
  for (let k = from; k < to; k++) h = Math.imul(h ^ units[k]!, 0x01000193);
  return mix(h);
}

function hashNumber(x: number): number {
  bits[0] = x === 0 ? 0 : x; // -0 and 0 are one key, as in a Map
  return mix(words[0]! ^ Math.imul(words[1]!, 0x9e3779b1));
}

function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h >>> 0;
}
