/**
 * Which partition a customer belongs to: its shard hash (engine/kernels/id-hash.ts, the same hash
 * the native kernels compute) modulo the number of partitions. The hash depends only on the
 * canonical key, never on the process, the worker or the order of arrival, so every worker sends
 * a given customer's partial state to the same merger (DESIGN "Beyond one machine").
 */
import { hashKey } from '../kernels/id-hash.js';
import type { CustomerKey } from '../parse/parse-values.js';

export { hashKey };

/** The partition (0..partitions-1) of a customer key; for a power of two, `hash & (partitions - 1)`. */
export function partitionOf(key: CustomerKey, partitions: number): number {
  return partitions === 1 ? 0 : hashKey(key) % partitions;
}
