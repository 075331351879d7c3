/**
 * Groups rows by a 32-bit key with an LSD radix sort instead of a hash. With a million customers
 * a hash table of their ~400 000 distinct keys outgrows the cache, and every row then costs a
 * cache miss or two (~100 ns each on a busy machine); the sort reads and writes in a few long
 * streams, so grouping a million rows takes ~20 ms and the groups come out in key order.
 *
 *   keys:  [7, 3, 7, 5]  ──sort──►  (3: row 1) (5: row 3) (7: row 0) (7: row 2)
 *   groups: keys [3, 5, 7], counts [1, 1, 2];   groupOf: [2, 0, 2, 1]
 */

/** Digits of this many bits per pass: 2048 buckets keep every bucket's write position in cache. */
const DIGIT_BITS = 11;

/** Distinct keys, ascending, with their counts, and each row's group. */
export interface KeyGroups {
  /** Number of distinct keys. */
  readonly count: number;
  /** The distinct keys, ascending (by high word first when there is one). */
  readonly keys: Uint32Array;
  /** The high word of each distinct key; empty without one. */
  readonly high: Uint32Array;
  /** Rows with each key. */
  readonly counts: Float64Array;
}

/**
 * Groups `rows[0 … m)` (row numbers into `groupOf`) by `keys[0 … m)`, both of which it reorders,
 * and writes each row's group into `groupOf`. `bits` bounds the keys (`key < 2^bits`). Keys wider
 * than 32 bits come as two words: `high` (with its own bound `highBits`) above `keys`; the sort
 * then runs its last passes on the high word, and groups are ordered by (high, key).
 */
export function groupByKey(
  keys: Uint32Array, rows: Uint32Array, m: number, bits: number, groupOf: Int32Array, high?: Uint32Array, highBits = 0,
): KeyGroups {
  let srcKeys: Uint32Array = keys.subarray(0, m);
  let srcRows: Uint32Array = rows.subarray(0, m);
  let srcHigh: Uint32Array | null = high ? high.subarray(0, m) : null;
  let dstKeys: Uint32Array = new Uint32Array(m);
  let dstRows: Uint32Array = new Uint32Array(m);
  let dstHigh: Uint32Array | null = high ? new Uint32Array(m) : null;
  const buckets = 1 << DIGIT_BITS;
  const mask = buckets - 1;
  const offsets = new Int32Array(buckets);
  // Passes over the low word, then over the high word; each pass is stable, so the order ends lexicographic.
  const passes: Array<[word: 'low' | 'high', shift: number]> = [];
  for (let shift = 0; shift < bits; shift += DIGIT_BITS) passes.push(['low', shift]);
  if (srcHigh !== null) for (let shift = 0; shift < highBits; shift += DIGIT_BITS) passes.push(['high', shift]);
  for (const [word, shift] of passes) {
    const digits = word === 'low' ? srcKeys : (srcHigh as Uint32Array);
    offsets.fill(0);
    for (let j = 0; j < m; j++) {
      const d = ((digits[j] as number) >>> shift) & mask;
      offsets[d] = (offsets[d] as number) + 1;
    }
    let sum = 0;
    for (let d = 0; d < buckets; d++) {
      const c = offsets[d] as number;
      offsets[d] = sum;
      sum += c;
    }
    for (let j = 0; j < m; j++) {
      const d = ((digits[j] as number) >>> shift) & mask;
      const at = offsets[d] as number;
      offsets[d] = at + 1;
      dstKeys[at] = srcKeys[j] as number;
      dstRows[at] = srcRows[j] as number;
      if (dstHigh !== null) dstHigh[at] = (srcHigh as Uint32Array)[j] as number;
    }
    [srcKeys, dstKeys] = [dstKeys, srcKeys];
    [srcRows, dstRows] = [dstRows, srcRows];
    [srcHigh, dstHigh] = [dstHigh, srcHigh];
  }
  // One scan of the sorted keys: a new group wherever the key (or its high word) changes.
  const changed = (j: number): boolean => srcKeys[j] !== srcKeys[j - 1] || (srcHigh !== null && srcHigh[j] !== srcHigh[j - 1]);
  let count = 0;
  for (let j = 0; j < m; j++) if (j === 0 || changed(j)) count++;
  const distinct = new Uint32Array(count);
  const distinctHigh = new Uint32Array(srcHigh !== null ? count : 0);
  const counts = new Float64Array(count);
  let g = -1;
  for (let j = 0; j < m; j++) {
    if (j === 0 || changed(j)) {
      distinct[++g] = srcKeys[j] as number;
      if (srcHigh !== null) distinctHigh[g] = srcHigh[j] as number;
    }
    counts[g] = (counts[g] as number) + 1;
    groupOf[srcRows[j] as number] = g;
  }
  return { count, keys: distinct, high: distinctHigh, counts };
}

/** Bits needed to hold values `0 … max` (at least 1). */
export function bitsFor(max: number): number {
  let bits = 1;
  while (2 ** bits <= max) bits++;
  return bits;
}
