/**
 * DESIGN "A bad run never goes live": before the publish, a rescore checks its own result against
 * `publish.*` and the live snapshot. Each failed check is one short phrase that names the check
 * first (`reject_share 70.0% ...`), so the CLI's line, a job's error and the manifest's `forced`
 * list read the same.
 */
import type { Config } from '../config/config-schema.js';
import type { RejectReason } from '../parse/reject-log.js';

/** What the guard looks at of one run. */
export interface RunOutcome {
  /** Rows read, valid or not, dated before or after as_of. */
  readonly rowsRead: number;
  /** Valid rows dated at or before as_of: the rows the snapshot is made of. */
  readonly validRows: number;
  /** Valid rows dated after as_of. */
  readonly futureRows: number;
  readonly rejected: number;
  readonly rejects: Partial<Record<RejectReason, number>>;
  readonly customers: number;
  readonly asOf: string;
}

/** The live snapshot the run would replace. */
export interface LiveBase {
  readonly id: string;
  readonly customers: number;
}

/** The guard's verdict and the shares it computed (reported in the summary and the manifest). */
export interface PublishVerdict {
  /** Failed checks; empty when the run may go live. */
  readonly failed: string[];
  /** Rejected rows other than missing ids, over the rows read other than missing ids. */
  readonly reject_share: number;
  /** Rows rejected for a missing id (anonymous purchases), over the rows read. */
  readonly anonymous_share: number;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** Checks a run against `publish.*` and the live base. */
export function checkPublish(run: RunOutcome, live: LiveBase | null, publish: Config['publish']): PublishVerdict {
  const anonymous = run.rejects.missing_customer_id ?? 0;
  const identified = run.rowsRead - anonymous;
  const rejectShare = identified > 0 ? (run.rejected - anonymous) / identified : 0;
  const anonymousShare = run.rowsRead > 0 ? anonymous / run.rowsRead : 0;
  const failed: string[] = [];
  if (run.validRows === 0) {
    const why = run.rowsRead === 0 ? 'the input holds no rows' : run.futureRows > 0 ? `${run.futureRows} valid rows are all after as_of ${run.asOf}` : `all ${run.rowsRead} rows were rejected`;
    failed.push(`no_valid_rows: no valid row read (${why})`);
  }
  if (rejectShare > publish.max_reject_share) {
    failed.push(`reject_share ${pct(rejectShare)} of rows rejected (${run.rejected - anonymous} of ${identified}, missing ids not counted) is above publish.max_reject_share ${pct(publish.max_reject_share)}`);
  }
  if (run.customers < publish.min_customers) {
    failed.push(`min_customers: ${run.customers} customers is below publish.min_customers ${publish.min_customers}`);
  }
  if (live !== null && live.customers > 0) {
    const drop = (live.customers - run.customers) / live.customers;
    if (drop > publish.max_customer_drop) {
      failed.push(`customer_drop ${pct(drop)} (${run.customers} customers against ${live.customers} in the live snapshot ${live.id}) is above publish.max_customer_drop ${pct(publish.max_customer_drop)}`);
    }
  }
  return { failed, reject_share: rejectShare, anonymous_share: anonymousShare };
}
