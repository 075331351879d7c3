/** Why a row was rejected; stable names, used in the summary, the manifest and `rejects.ndjson`. */
export type RejectReason =
  | 'malformed_row'
  | 'missing_customer_id'
  | 'bad_customer_id'
  | 'missing_ts'
  | 'bad_ts'
  | 'missing_amount'
  | 'bad_amount'
  | 'bad_margin'
  /** Line items (no `amount` column): `quantity` / `price` blank or unreadable. */
  | 'missing_quantity'
  | 'bad_quantity'
  | 'missing_price'
  | 'bad_price'
  /** An `order_id` that is no id (a fraction, a boolean, text over 1,024 bytes); a blank one makes the line its own order. */
  | 'bad_order_id'
  /** A live row whose `event_id` is neither a string of at most 200 characters nor a safe integer. */
  | 'bad_event_id';

/** One rejected row as written to `rejects.ndjson`. */
export interface RejectedRow {
  readonly source: string;
  /** 1-based record number in its source (header not counted). */
  readonly row: number;
  readonly reason: RejectReason;
  /** The offending value or a reader's detail, as text, cut to 200 characters. */
  readonly value: string;
}

/**
 * Counts every rejected row by reason and keeps the first `keep` of them for the rejects file,
 * so nothing is dropped silently while memory stays bounded.
 */
export class RejectLog {
  readonly counts: Partial<Record<RejectReason, number>> = {};
  readonly kept: RejectedRow[] = [];
  total = 0;

  constructor(readonly keep = 1000) {}

  /** Records one rejected row. */
  add(source: string, row: number, reason: RejectReason, value: unknown): void {
    this.total++;
    this.counts[reason] = (this.counts[reason] ?? 0) + 1;
    if (this.kept.length < this.keep) {
      this.kept.push({ source, row, reason, value: describeValue(value) });
    }
  }

  /** Adds another log's counts and kept rows (used when workers merge). */
  merge(other: RejectLog): void {
    this.total += other.total;
    for (const [reason, n] of Object.entries(other.counts) as [RejectReason, number][]) {
      this.counts[reason] = (this.counts[reason] ?? 0) + n;
    }
    for (const r of other.kept) if (this.kept.length < this.keep) this.kept.push(r);
  }
}

/** Longest `value` kept for a rejected row. */
export const REJECT_VALUE_CHARS = 200;

/**
 * A short, flat text for a rejected value: text and numbers as they are (cut), a structure by its
 * kind and size only. Never JSON.stringify: a 100k-deep array would overflow the stack, and a
 * structure's contents are not what makes a row bad.
 */
export function describeValue(value: unknown): string {
  let text: string;
  switch (typeof value) {
    case 'string':
      text = value;
      break;
    case 'undefined':
      text = '';
      break;
    case 'object':
      if (value === null) text = 'null';
      else if (Array.isArray(value)) text = `(an array of ${value.length} items)`;
      else if (value instanceof Date) text = Number.isNaN(value.getTime()) ? '(an invalid date)' : value.toISOString();
      else text = '(an object)';
      break;
    case 'function':
    case 'symbol':
      text = `(a ${typeof value})`;
      break;
    default:
      text = String(value);
  }
  return text.length > REJECT_VALUE_CHARS ? text.slice(0, REJECT_VALUE_CHARS) : text;
}
