/**
 * The shard hash of a customer, which picks its partition (engine/aggregate/partition-key.ts):
 * `fmix32(fnv1a32(canonical id text as UTF-8))`. An integer id and its canonical decimal text are
 * one customer and share that text, so they hash alike; FNV-1a alone mixes the low bits of short
 * decimal texts poorly, hence murmur3's 32-bit finaliser.
 */
import type { CustomerKey } from '../parse/parse-values.js';

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Shard hash of the UTF-8 bytes `bytes[start..end)`. */
export function hashBytes(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let h = FNV_OFFSET;
  for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i]!, FNV_PRIME);
  return fmix32(h);
}

/** Shard hash of an ASCII text (decimal digits and '-'), without encoding it. */
function hashAscii(s: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME);
  return fmix32(h);
}

const encoder = new TextEncoder();

/** Shard hash of a canonical customer key, as the pool shards customers. */
export function hashKey(key: CustomerKey): number {
  return typeof key === 'number' ? hashAscii(String(key)) : hashBytes(encoder.encode(key));
}
