/**
 * Migration between two snapshots (DESIGN "Migration"): for a dimension, the matrix of customer
 * counts from the row value (in `from`) to the column value (in `to`), with `(absent)` for
 * customers present on one side only, and two revenue matrices: what the cell's customers spent
 * **between** the snapshots (revenue in `to` minus revenue in `from`; a side a customer is absent
 * from counts 0) and their revenue in `to`'s last 365 days. Rows and columns are in the
 * dimension's own order: segments in rule order (then `other`, `no_purchases`), tiers by level,
 * bands by number, lifecycle stages in the order of DESIGN "Lifecycle"; `(absent)` last.
 */
import type { Table } from 'apache-arrow';
import { ArgumentError } from '../errors.js';
import { LIFECYCLE_STAGES } from '../segment/lifecycle.js';

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
  /** Row labels (values in `from`) and column labels (values in `to`), in the dimension's order. */
  readonly rows: string[];
  readonly columns: string[];
  /** `counts[i][j]`: customers from rows[i] to columns[j]. */
  readonly counts: number[][];
  /** Revenue the cell's customers made between the two snapshots (later revenue minus earlier). */
  readonly revenue: number[][];
  /** The cell's customers' revenue in the later snapshot's last 365 days (0 for those absent from it). */
  readonly revenue_365d: number[][];
}

/** A snapshot as a migration reads it; the manifest's config gives the order of segments and tiers. */
export interface MigrationSide {
  readonly id: string;
  readonly customers: Table;
  readonly manifest?: { readonly config: unknown };
}

interface Side {
  readonly row: Map<string, number>;
  readonly value: string[];
  readonly revenue: Float64Array;
  readonly revenue365: Float64Array;
}

function read(table: Table, by: MigrationDimension): Side {
  const row = new Map<string, number>();
  const value: string[] = [];
  const revenue = new Float64Array(table.numRows);
  const revenue365 = new Float64Array(table.numRows);
  const idCol = table.getChild('customer_id')!;
  const dimCol = table.getChild(by)!;
  const revCol = table.getChild('revenue')!;
  const rev365Col = table.getChild('revenue_365d');
  for (let i = 0; i < table.numRows; i++) {
    row.set(idCol.get(i) as string, i);
    value.push(String(dimCol.get(i)));
    revenue[i] = revCol.get(i) as number;
    revenue365[i] = (rev365Col?.get(i) as number | null) ?? 0;
  }
  return { row, value, revenue, revenue365 };
}

/** The dimension's own order of values, from the configurations of both snapshots (the later first). */
function dimensionOrder(by: MigrationDimension, configs: readonly unknown[]): string[] {
  if (by === 'lifecycle') return [...LIFECYCLE_STAGES];
  const names: string[] = [];
  for (const config of configs) {
    const c = config as { segments?: { name: string }[]; tiers?: { levels?: { name: string; min_spend: number }[] } } | undefined;
    if (by === 'segment') names.push(...(c?.segments ?? []).map((r) => r.name));
    if (by === 'tier') names.push(...[...(c?.tiers?.levels ?? [])].sort((a, b) => a.min_spend - b.min_spend).map((l) => l.name));
  }
  if (by === 'segment') names.push('other', 'no_purchases');
  return [...new Set(names)];
}

/** `values` in the dimension's own order (see the module comment), taking segment and tier names from these configs. */
export function orderLabels(values: Iterable<string>, by: MigrationDimension, configs: readonly unknown[]): string[] {
  return sortLabels(values, by, dimensionOrder(by, configs));
}

/** `values` sorted by `order`: known values first in that order, bands by number, others by name, `(absent)` last. */
function sortLabels(values: Iterable<string>, by: MigrationDimension, order: readonly string[]): string[] {
  const rank = (v: string): number => {
    if (v === ABSENT) return Number.POSITIVE_INFINITY;
    if (by === 'spend_band') return Number(v);
    const i = order.indexOf(v);
    return i < 0 ? order.length : i;
  };
  return [...new Set(values)].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
}

/** Computes the migration matrix from snapshot `from` to snapshot `to`. */
export function migrationMatrix(from: MigrationSide, to: MigrationSide, by: string): Migration {
  if (!MIGRATION_DIMENSIONS.includes(by as MigrationDimension)) {
    throw new ArgumentError(`--by must be one of ${MIGRATION_DIMENSIONS.join(', ')}, not ${by}`);
  }
  const dim = by as MigrationDimension;
  const a = read(from.customers, dim);
  const b = read(to.customers, dim);
  const cells = new Map<string, { count: number; revenue: number; revenue365: number }>();
  const rowValues = new Set<string>();
  const columnValues = new Set<string>();
  const add = (r: string, c: string, revenue: number, revenue365: number) => {
    rowValues.add(r);
    columnValues.add(c);
    const key = `${r}\u0000${c}`;
    const cell = cells.get(key) ?? { count: 0, revenue: 0, revenue365: 0 };
    cell.count++;
    cell.revenue += revenue;
    cell.revenue365 += revenue365;
    cells.set(key, cell);
  };
  for (const [id, j] of b.row) {
    const i = a.row.get(id);
    add(i === undefined ? ABSENT : a.value[i]!, b.value[j]!, b.revenue[j]! - (i === undefined ? 0 : a.revenue[i]!), b.revenue365[j]!);
  }
  // Gone from the later snapshot: nothing is known of what they spent since.
  for (const [id, i] of a.row) if (!b.row.has(id)) add(a.value[i]!, ABSENT, 0, 0);
  const order = dimensionOrder(dim, [to.manifest?.config, from.manifest?.config]);
  const rows = sortLabels(rowValues, dim, order);
  const columns = sortLabels(columnValues, dim, order);
  const matrix = (pick: (cell: { count: number; revenue: number; revenue365: number }) => number) =>
    rows.map((r) => columns.map((c) => {
      const cell = cells.get(`${r}\u0000${c}`);
      return cell ? pick(cell) : 0;
    }));
  return {
    by: dim,
    from: from.id,
    to: to.id,
    rows,
    columns,
    counts: matrix((x) => x.count),
    revenue: matrix((x) => x.revenue),
    revenue_365d: matrix((x) => x.revenue365),
  };
}
