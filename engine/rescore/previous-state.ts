/**
 * What the previous snapshot said of each customer of a new base: tier (for demotion grace)
 * and lifecycle (for `reactivated`), joined by customer id.
 */
import type { Table } from 'apache-arrow';
import type { PreviousState } from './score-base.js';

/** Joins the previous snapshot's tier and lifecycle onto the new base's customer numbers. */
export function previousState(previous: Table, customerIds: readonly string[]): PreviousState {
  const ids = previous.getChild('customer_id')!;
  const tiers = previous.getChild('tier')!;
  const stages = previous.getChild('lifecycle')!;
  const rowOf = new Map<string, number>();
  let i = 0;
  for (const id of ids) rowOf.set(id as string, i++);
  const rows = new Int32Array(customerIds.length).fill(-1);
  for (let c = 0; c < customerIds.length; c++) rows[c] = rowOf.get(customerIds[c]!) ?? -1;
  return {
    tier: (c) => (rows[c]! >= 0 ? (tiers.get(rows[c]!) as string) : undefined),
    lifecycle: (c) => (rows[c]! >= 0 ? (stages.get(rows[c]!) as string) : undefined),
  };
}
