/**
 * Customer keys of id texts by their bytes, for the live events path: a body of 10,000 rows
 * names its customers as text again and again, and making a JS string of each (then hashing it
 * afresh in the aggregator's Map) was the largest cost of a text-id body. Here the bytes are
 * hashed and compared in place; a known id gives back the key made the first time — the same
 * string object, whose hash V8 has already computed — and a new one is made once by
 * customerKeyFromText (so `42` still becomes the number 42, `NA` no id, exactly as parseBatch
 * reads it).
 *
 * Only plain ASCII ids up to MAX_CACHED_BYTES are cached (the caller makes other strings as
 * before). The table holds at most MAX_ENTRIES ids and starts over when full, so its memory is
 * bounded: a 4 MiB table plus the ids' keys and texts, some 12 MiB when full.
 */
import { type KeyResult, customerKeyFromText } from '../parse/parse-values.js';

/** Longest id text cached, in bytes. */
export const MAX_CACHED_BYTES = 64;
const MAX_ENTRIES = 1 << 18;
const SLOTS = MAX_ENTRIES * 2;

/** A bounded byte-keyed table of id texts and their keys. */
export class IdKeyCache {
  /** Pairs (entry, hash) per slot, entry -1 for empty: a probe reads both from one cache line. */
  private readonly slots = new Int32Array(2 * SLOTS).fill(-1);
  /**
   * Each id's text, compared with the bytes: for a text key it is the key itself, so the compare
   * touches the string the aggregator's Map reads next (a separate copy of the bytes cost a
   * cache miss more per row).
   */
  private readonly texts: string[] = [];
  private readonly keys: KeyResult[] = [];

  /** Ids held now. */
  get size(): number {
    return this.keys.length;
  }

  /** The key of the ASCII id text in `b[start, end)` (at most MAX_CACHED_BYTES), as customerKeyFromText reads it. */
  keyOf(b: Uint8Array, start: number, end: number): KeyResult {
    const len = end - start;
    let h = 0x811c9dc5;
    for (let i = start; i < end; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
    const slots = this.slots;
    let s = (h >>> 0) & (SLOTS - 1);
    for (;;) {
      const e = slots[2 * s]!;
      if (e === -1) break;
      if (slots[2 * s + 1] === h) {
        const text = this.texts[e]!;
        if (text.length === len) {
          let i = 0;
          while (i < len && text.charCodeAt(i) === b[start + i]) i++;
          if (i === len) return this.keys[e];
        }
      }
      s = (s + 1) & (SLOTS - 1);
    }
    // New: made once from its text.
    const text = String.fromCharCode(...b.subarray(start, end));
    const key = customerKeyFromText(text);
    if (this.keys.length === MAX_ENTRIES) {
      this.clear();
      return key;
    }
    const e = this.keys.length;
    this.texts.push(typeof key === 'string' && key.length === len ? key : text);
    this.keys.push(key);
    slots[2 * s] = e;
    slots[2 * s + 1] = h;
    return key;
  }

  private clear(): void {
    this.slots.fill(-1);
    this.texts.length = 0;
    this.keys.length = 0;
  }
}
