/**
 * Customer keys of id texts by their bytes, for the live events path: a body of 10,000 rows
 * names its customers as text again and again, and making a JS string of each (then hashing it
 * afresh in the aggregator's Map) was the largest cost of a text-id body. Here the bytes are
 * hashed and compared in place with a copy kept in an arena; a known id gives back the key made
 * the first time, and a new one is made once by customerKeyFromText (so `42` still becomes the
 * number 42, `NA` no id, exactly as parseBatch reads it).
 *
 * Each cached id has an entry number, stable until the cache starts over (its generation
 * changes). A reader tags the ids of a batch with their entries ({@link tagEntries}); the live
 * overlay keeps its customer number per entry, so a known customer's row costs one array load
 * there instead of a Map lookup of its key (live-overlay.ts).
 *
 * Only plain ASCII ids up to MAX_CACHED_BYTES are cached (the caller makes other strings as
 * before). The table holds at most MAX_ENTRIES ids and starts over when full, so its memory is
 * bounded: an 8 MiB table, the arena (at most 16 MiB, 2 MiB for 8-byte ids) and the keys.
 */
import type { CustomerKey } from '../parse/parse-values.js';
import { type KeyResult, customerKeyFromText } from '../parse/parse-values.js';

/** Longest id text cached, in bytes. */
export const MAX_CACHED_BYTES = 64;
/** Most ids held; entry numbers are below it. */
export const MAX_ENTRIES = 1 << 18;
const SLOTS = MAX_ENTRIES * 2;

/** The entries of a batch's ids in one cache generation (-1 for an id the cache does not hold). */
export interface IdEntries {
  readonly cache: IdKeyCache;
  readonly generation: number;
  readonly entries: Int32Array;
}

/** Entries of ids arrays made by the readers (json-rows.ts, arrow-events.ts), by the array. */
const tagged = new WeakMap<readonly CustomerKey[], IdEntries>();

/** Tags the ids array of a batch with the cache entries of its rows. */
export function tagEntries(ids: readonly CustomerKey[], tag: IdEntries): void {
  tagged.set(ids, tag);
}

/** The cache entries of a batch's ids, when a reader tagged them. */
export function entriesOf(ids: readonly CustomerKey[]): IdEntries | undefined {
  return tagged.get(ids);
}

/** A bounded byte-keyed table of id texts and their keys. */
export class IdKeyCache {
  /**
   * Four ints per slot: entry (-1 for empty), hash, start of the id's bytes in the arena, their
   * length: a probe reads them from one cache line.
   */
  private readonly slots = new Int32Array(4 * SLOTS).fill(-1);
  private arena = new Uint8Array(1 << 20);
  private arenaUsed = 0;
  private readonly keys: KeyResult[] = [];
  /** Bumped each time the cache starts over (entry numbers are reused then). */
  generation = 0;
  /** The entry of the id the last {@link keyOf} answered, -1 when it was not kept. */
  lastEntry = -1;

  /** Ids held now. */
  get size(): number {
    return this.keys.length;
  }

  /** The key of the ASCII id text in `b[start, end)` (at most MAX_CACHED_BYTES), as customerKeyFromText reads it. */
  keyOf(b: Uint8Array, start: number, end: number): KeyResult {
    const len = end - start;
    // Damaged Arrow offsets can name a span that runs backwards or past the bytes: read it as
    // parseBatch would (the bytes there), and keep it out of the table.
    if (len < 0 || len > MAX_CACHED_BYTES || start < 0 || end > b.length) {
      this.lastEntry = -1;
      return customerKeyFromText(String.fromCharCode(...b.subarray(start, Math.max(start, end))));
    }
    let h = 0x811c9dc5;
    for (let i = start; i < end; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
    const slots = this.slots;
    const arena = this.arena;
    let s = (h >>> 0) & (SLOTS - 1);
    for (;;) {
      const e = slots[4 * s]!;
      if (e === -1) break;
      if (slots[4 * s + 1] === h && slots[4 * s + 3] === len) {
        const at = slots[4 * s + 2]! - start;
        let i = start;
        while (i < end && arena[at + i] === b[i]) i++;
        if (i === end) {
          this.lastEntry = e;
          return this.keys[e];
        }
      }
      s = (s + 1) & (SLOTS - 1);
    }
    // New: made once from its text.
    const key = customerKeyFromText(String.fromCharCode(...b.subarray(start, end)));
    if (this.keys.length === MAX_ENTRIES) {
      this.clear();
      this.lastEntry = -1;
      return key;
    }
    if (this.arenaUsed + len > this.arena.length) {
      const grown = new Uint8Array(this.arena.length * 2);
      grown.set(this.arena);
      this.arena = grown;
    }
    this.arena.set(b.subarray(start, end), this.arenaUsed);
    const e = this.keys.length;
    this.keys.push(key);
    slots[4 * s] = e;
    slots[4 * s + 1] = h;
    slots[4 * s + 2] = this.arenaUsed;
    slots[4 * s + 3] = len;
    this.arenaUsed += len;
    this.lastEntry = e;
    return key;
  }

  private clear(): void {
    this.slots.fill(-1);
    this.keys.length = 0;
    this.arenaUsed = 0;
    this.generation++;
  }
}
