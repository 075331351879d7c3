import { ArgumentError, capMessage, ColumnMissingError } from '../errors.js';
import type { ColumnMap, ColumnName, ReadColumnName } from './raw-batch.js';

/** Contract columns every input must have; `margin` is optional. */
export const REQUIRED_COLUMNS: readonly ColumnName[] = ['customer_id', 'ts', 'amount'];

const ALL_COLUMNS: readonly ColumnName[] = ['customer_id', 'ts', 'amount', 'margin'];

/** The contract columns a source provides, each with the source column feeding it. */
export interface ResolvedColumns {
  /** Contract names present in the source, in contract order. */
  readonly names: readonly ReadColumnName[];
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
export function resolveColumns(source: string, foundNames: readonly string[], map: ColumnMap): ResolvedColumns {
  // A corrupt Arrow or Parquet schema may leave a field without a name.
  const found = foundNames.map((n) => (typeof n === 'string' ? n : ''));
  const position = new Map<string, number>();
  found.forEach((name, i) => {
    if (!position.has(name)) position.set(name, i);
  });
  const names: ReadColumnName[] = [];
  const sourceNames: string[] = [];
  const indices: number[] = [];
  for (const name of readColumns(map)) {
    const wanted = map[name];
    if (typeof wanted !== 'string' || wanted === '') {
      throw new ArgumentError(`column map: "${name}" must name a source column`);
    }
    const i = position.get(wanted);
    if (i === undefined) {
      if (name !== 'event_id' && REQUIRED_COLUMNS.includes(name)) throw missing(source, name, wanted, found);
      continue;
    }
    names.push(name);
    sourceNames.push(wanted);
    indices.push(i);
  }
  return { names, sourceNames, indices };
}

/** The columns a map asks a reader for: the contract's, and `event_id` where the map names it. */
export function readColumns(map: ColumnMap): readonly ReadColumnName[] {
  return map.event_id === undefined ? ALL_COLUMNS : [...ALL_COLUMNS, 'event_id'];
}

function missing(source: string, name: ColumnName, wanted: string, found: readonly string[]): ColumnMissingError {
  const looked = wanted === name ? '' : ` (mapped to "${wanted}")`;
  const near = found.find((f) => squash(f) === squash(wanted));
  // The near match equals the wanted name but for case and separators, so naming it reveals nothing.
  const guess = near === undefined || !looksLikeColumnName(near) ? '<column>' : near;
  return new ColumnMissingError(
    capMessage(`${source}: required column "${name}"${looked} not found; ${describeFound(found)}; use --map ${name}=${guess} to name it`),
  );
}

/** Names listed in a message at most, and the longest name shown. */
const LISTED_NAMES = 20;
const NAME_CHARS = 64;
// Letters, digits, space, `_ . - # %`: what headers are made of, and not what secrets (key=value,
// user:hash, paths, tokens with symbols) are.
const COLUMN_NAME = /^[\p{L}\p{N}][\p{L}\p{N} _.#%-]*$/u;

function looksLikeColumnName(s: string): boolean {
  return s.length <= NAME_CHARS && COLUMN_NAME.test(s);
}

/**
 * What the header held, without ever quoting a line of an arbitrary file: the names are listed
 * only when there are at least two and every one looks like a column name; a single "column" is
 * a whole first line (a file with no delimiter: /etc/shadow, a key file), so it is only counted.
 */
function describeFound(found: readonly string[]): string {
  if (found.length === 0) return 'no columns found';
  const count = `${found.length} column${found.length === 1 ? '' : 's'} found`;
  if (found.length < 2 || !found.every(looksLikeColumnName)) return `${count} (names not shown: they do not look like column names)`;
  const listed = found.slice(0, LISTED_NAMES).map((f) => JSON.stringify(f)).join(', ');
  const more = found.length > LISTED_NAMES ? ` and ${found.length - LISTED_NAMES} more` : '';
  return `columns found: ${listed}${more}`;
}

// "Customer ID", "customer_id" and "customerId" are the same column to a human reading the hint.
function squash(s: string): string {
  return s.toLowerCase().replace(/[\s_-]/g, '');
}
