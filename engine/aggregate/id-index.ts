import type { CustomerKey } from '../parse/parse-values.js';

/**
 * The Maps the keys are spread over. A Map grows by rehashing every entry in one step: a single
 * Map of half a million customers made one insert cost ~55 ms, a stall of the server's event loop
 * when the live overlay passes that size (in a swap or a big ingest). Sixteen Maps cut the longest
 * step to a sixteenth; picking one costs two character reads.
 */
const SHARDS = 16;

/** The shard of `key`: its low bits for a number (-0 and 0 alike), its last two characters for text (NaN -> 0 when short). */
function shardOf(key: CustomerKey): number {
  if (typeof key === 'number') return key & (SHARDS - 1);
  const n = key.length;
  return (key.charCodeAt(n - 1) * 31 + key.charCodeAt(n - 2)) & (SHARDS - 1);
}

/**
 * Interns customer keys to dense customer numbers 0..size-1 in order of first sight; every
 * per-customer column is a typed array indexed by that number.
 */
export class IdIndex {
  private readonly maps = Array.from({ length: SHARDS }, () => new Map<CustomerKey, number>());
  /** Keys by customer number. */
  readonly keys: CustomerKey[] = [];

  /** Number of customers interned. */
  get size(): number {
    return this.keys.length;
  }

  /** The customer number of `key`, interning it when new. */
  intern(key: CustomerKey): number {
    const map = this.maps[shardOf(key)]!;
    let idx = map.get(key);
    if (idx === undefined) {
      idx = this.keys.length;
      map.set(key, idx);
      this.keys.push(key);
    }
    return idx;
  }

  /** The customer number of `key`, or -1. */
  find(key: CustomerKey): number {
    return this.maps[shardOf(key)]!.get(key) ?? -1;
  }
}
