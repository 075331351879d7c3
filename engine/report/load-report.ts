/**
 * The report of a data dir's snapshot, read from disk: the snapshot (default: the live one), the
 * snapshot it is compared with (default: the one before it) and, when named, a campaign's
 * result. The CLI's `report` uses this; the server builds the same document from its live state.
 */
import { listCampaignNames, readCampaign } from '../campaign/campaign-store.js';
import { ArgumentError } from '../errors.js';
import { type LoadedSnapshot, listSnapshotIds, loadSnapshot, readManifest } from '../snapshot/snapshot-store.js';
import { type ReportData, buildReport } from './report-data.js';

/** What to report on. */
export interface ReportOptions {
  /** Snapshot id (default: the live one). */
  readonly snapshot?: string | undefined;
  /** Snapshot to compare with (default: the one before `snapshot`; none when it is the first). */
  readonly compare?: string | undefined;
  /** Campaign name whose result the report shows. */
  readonly campaign?: string | undefined;
}

/** The id of the snapshot before `id`, or null when `id` is the first. */
export async function previousSnapshotId(dataDir: string, id: string): Promise<string | null> {
  return (await listSnapshotIds(dataDir)).filter((x) => x < id).at(-1) ?? null;
}

/**
 * The report document; `live` is a snapshot already in memory (the server's) to use instead of
 * reading it again, and `load` reads any other (the server keeps a cache).
 */
export async function loadReport(
  dataDir: string,
  opts: ReportOptions = {},
  load: (id?: string) => Promise<LoadedSnapshot> = (id) => loadSnapshot(dataDir, id),
): Promise<ReportData> {
  const snapshot = await load(opts.snapshot);
  const compareId = opts.compare ?? (await previousSnapshotId(dataDir, snapshot.id));
  if (compareId === snapshot.id) throw new ArgumentError(`--compare names the reported snapshot ${snapshot.id} itself`);
  const compare = compareId === null ? null : await load(compareId);
  const campaign = opts.campaign === undefined ? null : await readCampaign(dataDir, opts.campaign);
  const history = await Promise.all((await listSnapshotIds(dataDir)).filter((id) => id < snapshot.id).map((id) => readManifest(dataDir, id)));
  return buildReport({ snapshot, compare, campaign, campaigns: await listCampaignNames(dataDir), history });
}
