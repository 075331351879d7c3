/**
 * The customer row, in one table: every field of `customers.arrow`, of the CSV/NDJSON/Arrow
 * exports, of the server's customer views and of the config's `when` conditions is a line here,
 * in the order they are written (`customer_id` first). A field's kind decides its Arrow type, its
 * JSON type and how a cell is shown; {@link cellOf} is the one converter from an Arrow value to
 * the JSON cell every text format writes.
 *
 *   kind        Arrow type                 JSON cell
 *   text        Utf8                       string
 *   category    Dictionary<Utf8, Int16>    string (a name)
 *   integer     Int32                      number
 *   number      Float64                    number (NaN and ±Infinity are null)
 *   timestamp   Timestamp(ms, UTC)         ISO-8601 text
 *   score       Uint8                      number (0 = no purchases)
 *   band        Uint16                     number (0 = no purchases)
 *   flag        Bool                       boolean
 */
import { Bool, type DataType, Dictionary, Float64, Int16, Int32, TimestampMillisecond, Uint16, Uint8, Utf8 } from 'apache-arrow';
import { isValidTimestamp } from '../parse/parse-timestamp.js';

/** How a field is stored and shown. */
export type FieldKind = 'text' | 'category' | 'integer' | 'number' | 'timestamp' | 'score' | 'band' | 'flag';

/** One field of the customer row. */
export interface CustomerField {
  readonly name: string;
  readonly kind: FieldKind;
  /** Whether a customer may have no value (null in JSON, an empty CSV field, an Arrow null). */
  readonly nullable: boolean;
  /** Whether segment and lifecycle rules may test it in `when` (a number every rescore has before segmenting). */
  readonly when: boolean;
  readonly description: string;
}

function field<N extends string>(name: N, kind: FieldKind, nullable: boolean, when: boolean, description: string): CustomerField & { readonly name: N } {
  return { name, kind, nullable, when, description };
}

/** Every field of the customer row, in order. Add a field here and every format carries it. */
export const CUSTOMER_FIELDS = [
  field('customer_id', 'text', false, false, 'canonical customer id (an integer id as its decimal text)'),
  field('orders', 'integer', true, true, 'rows with amount >= 0 (distinct order_id among them when mapped)'),
  field('purchase_days', 'integer', true, true, 'distinct days with a purchase'),
  field('first_purchase_at', 'timestamp', true, true, 'first purchase (null without purchases)'),
  field('last_purchase_at', 'timestamp', true, true, 'last purchase (null without purchases)'),
  field('revenue', 'number', true, true, 'sum of amount over all rows, net of returns'),
  field('returns', 'integer', true, true, 'rows with amount < 0 (distinct order_id among them when mapped)'),
  field('returned_amount', 'number', true, true, 'minus the sum of the returns (>= 0)'),
  field('margin', 'number', true, true, 'sum of margin (null when the input has no margin column)'),
  field('revenue_90d', 'number', true, true, 'net revenue of the last 90 days before as_of'),
  field('revenue_365d', 'number', true, true, 'net revenue of the last 365 days before as_of'),
  field('recency_days', 'integer', true, true, 'days from the last purchase to as_of'),
  field('tenure_days', 'integer', true, true, 'days from the first purchase to as_of'),
  field('aov', 'number', true, true, 'revenue / orders: money per order (expected_aov is per purchase day)'),
  field('weekly_spend', 'number', true, true, 'revenue / max(1, ceil((tenure_days + 1) / 7))'),
  field('r_score', 'score', false, true, 'recency score 1..k (0 without purchases)'),
  field('f_score', 'score', false, true, 'frequency score 1..k (0 without purchases)'),
  field('m_score', 'score', false, true, 'monetary score 1..k (0 without purchases)'),
  field('rfm_cell', 'text', false, false, 'the three scores as digits, e.g. "545"'),
  field('segment', 'category', false, false, 'name of the first segment rule that matches'),
  field('spend_band', 'band', false, false, 'weekly spend band, 1 = lowest (0 without purchases)'),
  field('tier', 'category', false, false, 'loyalty tier'),
  field('lifecycle', 'category', false, false, 'lifecycle stage'),
  field('win_back', 'flag', false, false, 'on the win-back list (lapsed or lost with a high M score)'),
  field('lost_at', 'timestamp', true, false, 'day the customer crossed into lifecycle lost: day(last_purchase_at) + lapsed_days + 1 (null unless lost)'),
  field('returned_share', 'number', false, false, 'returned_amount / (revenue + returned_amount), 0 without purchases'),
  field('lost_reason', 'category', true, false, 'first matching lost_reasons rule (returns_heavy, one_time_buyer, ...), other when none; null unless lost'),
  field('last_year_revenue', 'number', true, false, 'net revenue of the days after day(last_purchase_at) - 365, later returns included (what a lost customer was worth a year; null without purchases)'),
  field('p_alive', 'number', true, true, 'BG/NBD probability the customer is still active'),
  field('expected_purchases_90d', 'number', true, true, 'BG/NBD expected purchases in the next 90 days'),
  field('expected_aov', 'number', true, true, 'Gamma-Gamma expected spend per purchase day (all orders of a day are one purchase; aov is per order)'),
  field('clv_365d', 'number', true, true, 'expected customer value over the model horizon, discounted'),
] as const satisfies readonly CustomerField[];

/** One of the customer row's field names. */
export type CustomerColumn = (typeof CUSTOMER_FIELDS)[number]['name'];

/** The field names, in order (`customer_id` first). */
export const CUSTOMER_COLUMNS: readonly CustomerColumn[] = CUSTOMER_FIELDS.map((f) => f.name);

const BY_NAME: ReadonlyMap<string, CustomerField> = new Map(CUSTOMER_FIELDS.map((f) => [f.name, f]));

/** The field named `name`, or undefined. */
export function customerField(name: string): CustomerField | undefined {
  return BY_NAME.get(name);
}

/** Names of the fields of `kind`. */
export function fieldsOfKind(kind: FieldKind): ReadonlySet<string> {
  return new Set(CUSTOMER_FIELDS.filter((f) => f.kind === kind).map((f) => f.name));
}

/** Fields a `when` condition may test. */
export const WHEN_FIELDS: readonly string[] = CUSTOMER_FIELDS.filter((f) => f.when).map((f) => f.name);

/** The Arrow type of a kind, as `customers.arrow` stores it. */
export function arrowTypeOf(kind: FieldKind): DataType {
  switch (kind) {
    case 'text':
      return new Utf8();
    case 'category':
      return new Dictionary(new Utf8(), new Int16());
    case 'integer':
      return new Int32();
    case 'number':
      return new Float64();
    case 'timestamp':
      return new TimestampMillisecond('UTC');
    case 'score':
      return new Uint8();
    case 'band':
      return new Uint16();
    case 'flag':
      return new Bool();
  }
}

const TWO = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));
const THREE = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
const MS_PER_DAY = 86_400_000;
/** `YYYY-MM-DDT` by day number; a lookup writes two timestamps, and a base has a few thousand distinct days. */
const dayPrefixes = new Map<number, string>();

/**
 * `YYYY-MM-DDT` of day number `day` (days since 1970-01-01), or null for a day outside the years
 * 0000-9999 (toISOString writes those with a sign and six digits).
 */
export function isoDayPrefix(day: number): string | null {
  let prefix = dayPrefixes.get(day);
  if (prefix === undefined) {
    prefix = new Date(day * MS_PER_DAY).toISOString().slice(0, -13);
    // Only days of 4-digit years have the plain form; a full cache starts over rather than grow.
    if (prefix.length !== 11) return null;
    if (dayPrefixes.size >= 65_536) dayPrefixes.clear();
    dayPrefixes.set(day, prefix);
  }
  return prefix;
}

/**
 * `new Date(ms).toISOString()` for a valid instant, written from a per-day prefix and the time of
 * day (toISOString costs about a microsecond, most of a lookup's time before this).
 */
export function isoTimestamp(instant: number): string {
  // Date keeps whole milliseconds, truncated toward zero.
  const ms = Math.trunc(instant);
  const day = Math.floor(ms / MS_PER_DAY);
  const prefix = isoDayPrefix(day);
  if (prefix === null) return new Date(ms).toISOString();
  let t = ms - day * MS_PER_DAY;
  const h = Math.floor(t / 3_600_000);
  t -= h * 3_600_000;
  const m = Math.floor(t / 60_000);
  t -= m * 60_000;
  const s = Math.floor(t / 1000);
  return `${prefix}${TWO[h]}:${TWO[m]}:${TWO[s]}.${THREE[t - s * 1000]}Z`;
}

/** A JSON-ready cell: a finite number, text, a boolean or null. */
export type Cell = number | string | boolean | null;

/**
 * The one cell converter: an Arrow value (`vector.get(i)`) of a field of `kind` as the JSON cell
 * every text format shows. Timestamps become ISO-8601 text (an instant outside the Date range is
 * null), bigints numbers, NaN and ±Infinity null.
 */
export function cellOf(kind: FieldKind, v: unknown): Cell {
  if (v === null || v === undefined) return null;
  if (kind === 'timestamp') {
    const ms = Number(v);
    return isValidTimestamp(ms) ? isoTimestamp(ms) : null;
  }
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'boolean' || typeof v === 'string') return v;
  return String(v);
}

/** The JSON text of a cell, as JSON.stringify writes it (and fastify's schema serializer did). */
export function cellJson(cell: Cell): string {
  if (cell === null) return 'null';
  if (typeof cell === 'string') return JSON.stringify(cell);
  if (typeof cell === 'number') return Number.isFinite(cell) ? `${cell}` : 'null';
  return cell ? 'true' : 'false';
}

/** The JSON schema of a field's cell (OpenAPI of the customer views). */
export function jsonSchemaOf(f: CustomerField): Record<string, unknown> {
  const type = f.kind === 'flag' ? 'boolean' : f.kind === 'text' || f.kind === 'category' || f.kind === 'timestamp' ? 'string' : 'number';
  return {
    type: f.nullable ? [type, 'null'] : type,
    ...(f.kind === 'timestamp' ? { format: 'date-time' } : {}),
    description: f.description,
  };
}
