/**
 * Radix partitioning of rows by shard hash (TypeScript twin of native/src/partition.rs): a
 * stable counting sort, so each partition keeps its rows in input order and per-customer sums
 * stay in the same order of additions whichever partition runs them.
 */
import { ArgumentError } from '../errors.js';

/** Groups rows by `hashes[i] & (partitions - 1)`: partition q is `order[offsets[q]..offsets[q + 1]]`. */
export function partitionRows(hashes: Uint32Array, partitions: number, offsets: Uint32Array, order: Uint32Array): void {
  const p = partitions;
  if (!Number.isInteger(p) || p < 1 || (p & (p - 1)) !== 0 || offsets.length !== p + 1 || order.length < hashes.length) {
    throw new ArgumentError('partitions must be a power of two, offsets of length partitions + 1, order as long as hashes');
  }
  const mask = p - 1;
  offsets.fill(0);
  for (let i = 0; i < hashes.length; i++) offsets[(hashes[i]! & mask) + 1]!++;
  for (let q = 0; q < p; q++) offsets[q + 1]! += offsets[q]!;
  // offsets[q] serves as partition q's write cursor, then is restored from its neighbour.
  for (let i = 0; i < hashes.length; i++) {
    const q = hashes[i]! & mask;
    order[offsets[q]!] = i;
    offsets[q]!++;
  }
  offsets.copyWithin(1, 0, p);
  offsets[0] = 0;
}
