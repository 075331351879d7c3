/**
 * Migration between two snapshots (DESIGN "Migration"): for a dimension, the matrix of customer
 * counts and revenue from the row value (in `from`) to the column value (in `to`), with
 * `(absent)` for customers present on one side only. Revenue is the customer's revenue in `to`,
 * or in `from` for customers who are absent from `to`.
 */
import type { Table } from 'apache-arrow';
import { ArgumentError } from '../errors.js';

/** Dimensions a migration can be cut by. */
export const MIGRATION_DIMENSIONS = ['segment', 'tier', 'spend_band', 'lifecycle'] as const;
/** One of the dimensions. */
export type MigrationDimension = (typeof MIGRATION_DIMENSIONS)[number];

/** The label of customers present on one side only. */
export const ABSENT = '(absent)';

/** A migration matrix. */
export interface Migration {
  readonly by: MigrationDimension;
  readonly from: string;
  readonly to: string;
  /** Row labels (values in `from`) and column labels (values in `to`). */
  readonly rows: string[];
  readonly columns: string[];
  /** `counts[i][j]`: customers from rows[i] to columns[j]; `revenue[i][j]` likewise. */
  readonly counts: number[][];
  readonly revenue: number[][];
}

function labels(table: Table, by: MigrationDimension): { ids: Map<string, number>; value: string[]; revenue: Float64Array } {
  const ids = new Map<string, number>();
  const value: string[] = [];
  const revenue = new Float64Array(table.numRows);
  const idCol = table.getChild('customer_id')!;
  const dimCol = table.getChild(by)!;
  const revCol = table.getChild('revenue')!;
  for (let i = 0; i < table.numRows; i++) {
    ids.set(idCol.get(i) as string, i);
    value.push(String(dimCol.get(i)));
    revenue[i] = revCol.get(i) as number;
  }
  return { ids, value, revenue };
}

function order(values: Iterable<string>, by: MigrationDimension): string[] {
  const list = [...new Set(values)];
  if (by === 'spend_band') list.sort((a, b) => (a === ABSENT ? 1 : b === ABSENT ? -1 : Number(a) - Number(b)));
  else list.sort((a, b) => (a === ABSENT ? 1 : b === ABSENT ? -1 : 0));
  return list;
}

/** Computes the migration matrix from snapshot `from` to snapshot `to`. */
export function migrationMatrix(from: { id: string; customers: Table }, to: { id: string; customers: Table }, by: string): Migration {
  if (!MIGRATION_DIMENSIONS.includes(by as MigrationDimension)) {
    throw new ArgumentError(`--by must be one of ${MIGRATION_DIMENSIONS.join(', ')}, not ${by}`);
  }
  const dim = by as MigrationDimension;
  const a = labels(from.customers, dim);
  const b = labels(to.customers, dim);
  const cells = new Map<string, { count: number; revenue: number }>();
  const add = (r: string, c: string, revenue: number) => {
    const key = `${r}\u0000${c}`;
    const cell = cells.get(key) ?? { count: 0, revenue: 0 };
    cell.count++;
    cell.revenue += revenue;
    cells.set(key, cell);
  };
  for (const [id, j] of b.ids) {
    const i = a.ids.get(id);
    add(i === undefined ? ABSENT : a.value[i]!, b.value[j]!, b.revenue[j]!);
  }
  for (const [id, i] of a.ids) if (!b.ids.has(id)) add(a.value[i]!, ABSENT, a.revenue[i]!);
  const rows = order([...a.value, ...(b.ids.size > 0 ? [ABSENT] : [])].filter((v) => v !== ABSENT || [...cells.keys()].some((k) => k.startsWith(`${ABSENT}\u0000`))), dim);
  const columns = order([...b.value, ...([...cells.keys()].some((k) => k.endsWith(`\u0000${ABSENT}`)) ? [ABSENT] : [])], dim);
  const counts = rows.map((r) => columns.map((c) => cells.get(`${r}\u0000${c}`)?.count ?? 0));
  const revenue = rows.map((r) => columns.map((c) => cells.get(`${r}\u0000${c}`)?.revenue ?? 0));
  return { by: dim, from: from.id, to: to.id, rows, columns, counts, revenue };
}
