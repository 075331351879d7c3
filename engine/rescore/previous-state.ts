/**
 * What the previous snapshot said of each customer of a new base: tier (for demotion grace)
 * and lifecycle (for `reactivated`), joined by customer id.
 */
import type { Table, Vector } from 'apache-arrow';
import type { IdText } from '../aggregate/customer-table.js';
import { idTextOf, joinIds } from './id-join.js';
import type { PreviousState } from './score-base.js';

/**
 * Joins the previous snapshot's tier and lifecycle onto the new base's customer numbers; `ids`
 * are the base's ids (as UTF-8 where it has them: joined on the bytes by `engine`'s kernel).
 */
export function previousState(previous: Table, ids: readonly string[] | IdText, engine: 'js' | 'native' = 'js'): PreviousState {
  const tiers = previous.getChild('tier')!;
  const stages = previous.getChild('lifecycle')!;
  const previousIds = previous.getChild('customer_id')!;
  let rows: Int32Array;
  if (Array.isArray(ids)) {
    const rowOf = new Map<string, number>();
    let i = 0;
    for (const id of previousIds) rowOf.set(id as string, i++);
    rows = Int32Array.from(ids as readonly string[], (id) => rowOf.get(id) ?? -1);
  } else {
    rows = new Int32Array((ids as IdText).offsets.length - 1);
    joinIds(engine)(idTextOf(previousIds), ids as IdText, rows);
  }
  const tierOf = categoryOf(tiers);
  const stageOf = categoryOf(stages);
  return {
    tier: (c) => (rows[c]! >= 0 ? tierOf(rows[c]!) : undefined),
    lifecycle: (c) => (rows[c]! >= 0 ? stageOf(rows[c]!) : undefined),
  };
}

/** A category column's value by row: its codes and names read once where it is one chunk, not decoded per call. */
function categoryOf(column: Vector): (row: number) => string | undefined {
  const only = column.data[0];
  if (column.data.length === 1 && only !== undefined && only.dictionary !== undefined && only.nullCount === 0) {
    const names = [...only.dictionary].map(String);
    const codes = only.values as ArrayLike<number>;
    const at = only.offset;
    return (row) => names[codes[at + row]!];
  }
  return (row) => (column.get(row) as string | null) ?? undefined;
}
