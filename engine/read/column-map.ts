import { ArgumentError, capMessage, ColumnMissingError } from '../errors.js';
import { type ColumnMap, type ColumnName, DEFAULT_COLUMN_MAP, type ReadColumnName } from './raw-batch.js';

/** Contract columns every input must have; `amount` may instead come from `quantity * price`. */
export const REQUIRED_COLUMNS: readonly ColumnName[] = ['customer_id', 'ts', 'amount'];

/** Every contract column, in the order readers hand them over. */
export const ALL_COLUMNS: readonly ColumnName[] = ['customer_id', 'ts', 'amount', 'margin', 'order_id', 'quantity', 'price'];

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
 * Missing required columns throw one ColumnMissingError that names the file, every missing
 * column at once, what was found and the `--map` hint; a missing optional column is left out.
 * `amount` is required unless both `quantity` and `price` are there (line items).
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
    if (wanted === undefined && name !== 'customer_id' && name !== 'ts') continue;
    if (typeof wanted !== 'string' || wanted === '') {
      throw new ArgumentError(`column map: "${name}" must name a source column`);
    }
    const i = position.get(wanted);
    if (i === undefined) continue;
    names.push(name);
    sourceNames.push(wanted);
    indices.push(i);
  }
  const lacking = missingColumns(names, map);
  if (lacking.length > 0) throw missing(source, lacking, map, found);
  return { names, sourceNames, indices };
}

/** The required contract columns absent from `present`, in contract order. */
export function missingColumns(present: readonly ReadColumnName[], map: ColumnMap): ColumnName[] {
  const has = (n: ColumnName) => present.includes(n);
  const out: ColumnName[] = [];
  if (!has('customer_id')) out.push('customer_id');
  if (!has('ts')) out.push('ts');
  if (!has('amount') && !(has('quantity') && has('price'))) {
    // A line-item map asked for quantity × price: name the half that is missing, not `amount`.
    if (map.amount === undefined) {
      if (!has('quantity')) out.push('quantity');
      if (!has('price')) out.push('price');
    } else out.push('amount');
  }
  return out;
}

/** The columns a map asks a reader for: the contract's it names, and `event_id` where the map names it. */
export function readColumns(map: ColumnMap): readonly ReadColumnName[] {
  const named = ALL_COLUMNS.filter((n) => n === 'customer_id' || n === 'ts' || map[n] !== undefined);
  return map.event_id === undefined ? named : [...named, 'event_id'];
}

function missing(source: string, names: readonly ColumnName[], map: ColumnMap, found: readonly string[]): ColumnMissingError {
  const described = names.map((name) => {
    const wanted = map[name] ?? name;
    return wanted === name ? `"${name}"` : `"${name}" (mapped to "${wanted}")`;
  });
  const what = names.length === 1 ? `required column ${described[0]}` : `required columns ${described.join(', ')}`;
  const alt = names.includes('amount') ? ' (or "quantity" and "price" for line items)' : '';
  const hint = names
    .map((name) => {
      const wanted = map[name] ?? name;
      const near = found.find((f) => squash(f) === squash(wanted) || squash(f) === squash(name));
      // The near match equals the wanted name but for case and separators, so naming it reveals nothing.
      return `${name}=${near === undefined || !looksLikeColumnName(near) ? '<column>' : near}`;
    })
    .join(',');
  return new ColumnMissingError(
    capMessage(`${source}: ${what}${alt} not found; ${describeFound(found)}; use --map ${hint} to name ${names.length === 1 ? 'it' : 'them'}`),
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

/** Source columns named for contract columns, as `--map`, `input.columns` or a job's `columns` give them. */
export type ColumnNames = Readonly<Partial<Record<ColumnName, string>>>;

/**
 * The column map that layers of names give, later layers winning (config, then `--map`), over
 * the identity map. `amount: "Quantity*UnitPrice"` means `quantity` and `price`; when a layer
 * names `quantity` and `price` and none names `amount`, `amount` is left out and computed as
 * `quantity * price` (so a stray `amount` column cannot shadow the line items).
 */
export function buildColumnMap(...layers: ReadonlyArray<ColumnNames | undefined>): ColumnMap {
  const map: Record<string, string> = { ...DEFAULT_COLUMN_MAP };
  let amountNamed = false;
  let lineItemsNamed = false;
  for (const layer of layers) {
    if (layer === undefined) continue;
    let q = false;
    let p = false;
    for (const [key, raw] of Object.entries(layer)) {
      if (raw === undefined) continue;
      if (!(ALL_COLUMNS as readonly string[]).includes(key)) {
        throw new ArgumentError(`column map: ${JSON.stringify(key.slice(0, 64))} is not a column; name one of ${ALL_COLUMNS.join(', ')}`);
      }
      const value = raw.trim();
      if (value === '') throw new ArgumentError(`column map: "${key}" must name a source column`);
      const product = key === 'amount' ? /^(.+?)\s*\*\s*(.+)$/.exec(value) : null;
      if (product) {
        map['quantity'] = product[1]!.trim();
        map['price'] = product[2]!.trim();
        q = p = true;
        continue;
      }
      map[key] = value;
      if (key === 'amount') amountNamed = true;
      if (key === 'quantity') q = true;
      if (key === 'price') p = true;
    }
    if (q && p) {
      lineItemsNamed = true;
      amountNamed = false;
    }
  }
  if (lineItemsNamed && !amountNamed) delete map['amount'];
  return map as unknown as ColumnMap;
}

/** Parses `--map customer_id=CustomerID,ts=InvoiceDate,amount=Quantity*UnitPrice` into names. */
export function parseMapFlag(text: string | undefined, flag = '--map'): ColumnNames {
  const out: Record<string, string> = {};
  if (text === undefined || text.trim() === '') return out;
  for (const pair of text.split(',')) {
    const eq = pair.indexOf('=');
    const key = eq < 0 ? '' : pair.slice(0, eq).trim();
    const value = eq < 0 ? '' : pair.slice(eq + 1).trim();
    if (!key || !value || !(ALL_COLUMNS as readonly string[]).includes(key)) {
      const shown = JSON.stringify(pair.slice(0, 64));
      throw new ArgumentError(`${flag}: ${shown} is not NAME=COLUMN with NAME one of ${ALL_COLUMNS.join(', ')} (amount=Quantity*UnitPrice for line items)`);
    }
    out[key] = value;
  }
  return out;
}

/** The `input.decisions.columns` record of a map: which source column fed each contract column. */
export function describeColumnMap(map: ColumnMap): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of ALL_COLUMNS) if (map[name] !== undefined) out[name] = map[name]!;
  return out;
}
