/**
 * Numbers the ids of an Arrow column with an IdInterner, chunk by chunk, from the column's own
 * buffers: Utf8 bytes and offsets, a dictionary's entries (each judged and interned once, then
 * every row maps through its index), or numbers. No JS string and no object per row.
 */
import type { Data, Vector } from 'apache-arrow';
import { type IdInterner, JUDGE_ONLY, MISSING_ID, UNSEEN_ENTRY } from '../kernels/kernels.js';

/** Slots of each dictionary met so far (one per entry; kernels.ts `internDict`). */
export type DictionaryMappings = WeakMap<Vector, Int32Array>;

/**
 * Masked intern (kernels.ts JUDGE_ONLY) of the id column `ids` into `cust`. `numbers` is the
 * column as numbers when it is numeric (parse-batch.ts ArrowRows.idNumbers); else every chunk is
 * Utf8 or a dictionary of Utf8. A null id is MISSING_ID.
 */
export function internArrowIds(interner: IdInterner, ids: Vector, numbers: Float64Array | null, cust: Int32Array, mappings: DictionaryMappings): void {
  if (numbers !== null) {
    // NaN is a null or a NaN value: both a missing id (customerKeyFromValue).
    interner.internIds(numbers, cust);
    return;
  }
  let at = 0;
  for (const data of ids.data) {
    const out = cust.subarray(at, at + data.length);
    at += data.length;
    if (data.nullCount > 0) markNulls(data, out);
    const dict = data.dictionary;
    if (dict === undefined) {
      // A builder's buffers may run past the rows: only `length + 1` offsets belong to the chunk.
      interner.internUtf8(data.values as Uint8Array, (data.valueOffsets as Int32Array).subarray(0, data.length + 1), out);
      continue;
    }
    const entries = dict.data[0]!;
    let mapping = mappings.get(dict);
    if (mapping === undefined) {
      mapping = new Int32Array(entries.length).fill(UNSEEN_ENTRY);
      mappings.set(dict, mapping);
    }
    interner.internDict(entries.values as Uint8Array, (entries.valueOffsets as Int32Array).subarray(0, entries.length + 1), (data.values as Int32Array).subarray(0, data.length), mapping, out);
  }
}

function markNulls(data: Data, out: Int32Array): void {
  for (let i = 0; i < data.length; i++) if (out[i]! >= JUDGE_ONLY && !data.getValid(i)) out[i] = MISSING_ID;
}
