import { ArgumentError, ColumnMissingError } from '../errors.js';
import type { ColumnMap, ColumnName } from './raw-batch.js';

/** Contract columns every input must have; `margin` is optional. */
export const REQUIRED_COLUMNS: readonly ColumnName[] = ['customer_id', 'ts', 'amount'];

const ALL_COLUMNS: readonly ColumnName[] = ['customer_id', 'ts', 'amount', 'margin'];

/** The contract columns a source provides, each with the source column feeding it. */
export interface ResolvedColumns {
  /** Contract names present in the source, in contract order. */
  readonly names: readonly ColumnName[];
  /** `sourceNames[k]` is the source column of `names[k]`. */
  readonly sourceNames: readonly string[];
  /** `indices[k]` is the position of `sourceNames[k]` among the source's columns. */
  readonly indices: readonly number[];
}

/**
 * Matches the mapping against a source's column names (the first occurrence wins on duplicates).
 * A missing required column throws ColumnMissingError naming the file, the column, what was
 * found and the `--map` hint; a missing `margin` is simply left out.
 */
export function resolveColumns(source: string, found: readonly string[], map: ColumnMap): ResolvedColumns {
  const position = new Map<string, number>();
  found.forEach((name, i) => {
    if (!position.has(name)) position.set(name, i);
  });
  const names: ColumnName[] = [];
  const sourceNames: string[] = [];
  const indices: number[] = [];
  for (const name of ALL_COLUMNS) {
    const wanted = map[name];
    if (typeof wanted !== 'string' || wanted === '') {
      throw new ArgumentError(`column map: "${name}" must name a source column`);
    }
    const i = position.get(wanted);
    if (i === undefined) {
      if (REQUIRED_COLUMNS.includes(name)) throw missing(source, name, wanted, found);
      continue;
    }
    names.push(name);
    sourceNames.push(wanted);
    indices.push(i);
  }
  return { names, sourceNames, indices };
}

function missing(source: string, name: ColumnName, wanted: string, found: readonly string[]): ColumnMissingError {
  const looked = wanted === name ? '' : ` (mapped to "${wanted}")`;
  const listed = found.length === 0 ? '(none)' : found.map((f) => JSON.stringify(f)).join(', ');
  const near = found.find((f) => squash(f) === squash(wanted));
  const guess = near === undefined ? '<column>' : near;
  return new ColumnMissingError(
    `${source}: required column "${name}"${looked} not found; columns found: ${listed}; ` +
      `use --map ${name}=${guess} to name it`,
  );
}

// "Customer ID", "customer_id" and "customerId" are the same column to a human reading the hint.
function squash(s: string): string {
  return s.toLowerCase().replace(/[\s_-]/g, '');
}
