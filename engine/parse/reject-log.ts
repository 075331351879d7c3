/** Why a row was rejected; stable names, used in the summary, the manifest and `rejects.ndjson`. */
export type RejectReason =
  | 'malformed_row'
  | 'missing_customer_id'
  | 'bad_customer_id'
  | 'missing_ts'
  | 'bad_ts'
  | 'missing_amount'
  | 'bad_amount'
  | 'bad_margin';

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
      this.kept.push({ source, row, reason, value: describe(value) });
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

function describe(value: unknown): string {
  let text: string;
  if (typeof value === 'string') text = value;
  else if (typeof value === 'bigint') text = value.toString();
  else if (value === undefined) text = '';
  else text = JSON.stringify(value) ?? String(value);
  return text.length > 200 ? text.slice(0, 200) : text;
}
