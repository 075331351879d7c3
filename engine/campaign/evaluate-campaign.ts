/**
 * `segstream campaign` (DESIGN "Campaigns"): reads the transactions once, feeding the window
 * totals of P and C and the two bases the segments are scored on, then judges participants
 * against control. Only rows inside P or C count for spend and orders; there is no `as_of` cut.
 */
import { endOfDay } from '../aggregate/finalize.js';
import type { Config } from '../config/config-schema.js';
import { parseConfig } from '../config/load-config.js';
import { ArgumentError } from '../errors.js';
import { checkTsFormat, InputDialect, type InputOptions } from '../parse/input-dialect.js';
import { parseBatch } from '../parse/parse-batch.js';
import { MS_PER_DAY } from '../parse/parse-timestamp.js';
import { RejectLog } from '../parse/reject-log.js';
import { buildColumnMap, describeColumnMap } from '../read/column-map.js';
import { listInputSet, readFile } from '../read/open-input.js';
import type { ColumnMap, InputFormat } from '../read/raw-batch.js';
import { type CampaignBands, campaignBands } from './campaign-bands.js';
import { type CampaignEffect, type GroupStats, campaignEffect, comparabilityWarnings, summarizeGroup } from './campaign-effect.js';
import { readIdFile } from './campaign-ids.js';
import { CampaignSegments, type SegmentMoves } from './campaign-segments.js';
import { checkCampaignName, saveCampaign } from './campaign-store.js';
import { campaignWindows, dayText } from './campaign-windows.js';
import { WindowTotals } from './window-totals.js';

/** A group of customers: a file of ids (CSV with `customer_id`, or one id a line), or the ids themselves. */
export type CampaignGroup = string | readonly (string | number)[];

/** Options of {@link evaluateCampaign}. */
export interface CampaignOptions {
  /** Transactions: a file or a folder of files, read like a rescore's input. */
  readonly input: string;
  readonly participants: CampaignGroup;
  /** Default: every customer not a participant with an order in the 365 days before `start`. */
  readonly control?: CampaignGroup;
  /** `YYYY-MM-DD`, both inclusive. */
  readonly start: string;
  readonly end: string;
  /** Days of baseline before `start` (default: the campaign's length). */
  readonly preDays?: number;
  /** Default: `campaign-<start>`. */
  readonly name?: string;
  readonly config?: Config;
  /** Source columns (default: the config's `input.columns`). */
  readonly columns?: ColumnMap;
  readonly tsFormat?: string;
  readonly decimal?: InputOptions['decimal'];
  readonly format?: InputFormat;
  /** When given, the result is saved as `DATA/campaigns/<name>.json`. */
  readonly dataDir?: string;
}

/** One window as the result shows it. */
export interface WindowText {
  readonly from: string;
  readonly to: string;
  readonly days: number;
}

/** The result: DESIGN's keys, plus how the control was chosen and what was read. */
export interface CampaignResult {
  readonly name: string;
  readonly windows: { readonly C: WindowText; readonly P: WindowText };
  readonly participants: GroupStats;
  readonly control: GroupStats;
  readonly effect: CampaignEffect;
  readonly spend_bands: CampaignBands;
  readonly segments: { readonly participants: SegmentMoves; readonly control: SegmentMoves };
  /** `file`: the control file's ids; `default`: customers not in T with an order in the 365 days before start. */
  readonly control_rule: 'file' | 'default';
  readonly rows: { readonly read: number; readonly valid: number; readonly rejected: number };
  /** What to keep in mind reading the effect (groups unlike before the campaign). */
  readonly warnings: string[];
  readonly created_at: string;
}

async function groupIds(group: CampaignGroup, flag: string): Promise<string[]> {
  if (typeof group === 'string') return readIdFile(group, flag);
  return [...new Set(group.map(String))];
}

/** Evaluates a campaign from its transactions (and saves it when `dataDir` is given). */
export async function evaluateCampaign(opts: CampaignOptions): Promise<CampaignResult> {
  const config = opts.config ?? parseConfig({});
  const windows = campaignWindows(opts.start, opts.end, opts.preDays);
  const name = checkCampaignName(opts.name ?? `campaign-${dayText(windows.C.fromDay)}`);
  const inputOptions: InputOptions = { tsFormat: opts.tsFormat ?? config.input.ts_format, decimal: opts.decimal ?? config.input.decimal };
  checkTsFormat(inputOptions.tsFormat);
  const participants = await groupIds(opts.participants, '--participants');
  if (participants.length === 0) throw new ArgumentError('--participants names no customer');
  const given = opts.control === undefined ? null : await groupIds(opts.control, '--control');
  if (given) {
    const t = new Set(participants);
    const both = given.filter((id) => t.has(id)).length;
    if (both > 0) throw new ArgumentError(`${both} customer id${both === 1 ? ' is' : 's are'} both a participant and in the control; a customer belongs to one group`);
  }

  const columns = opts.columns ?? buildColumnMap(config.input.columns);
  const { files } = await listInputSet(opts.input, { columnNames: Object.values(describeColumnMap(columns)) });
  const readOptions = { columns, batchSize: 65_536, ...(opts.format ? { format: opts.format } : {}) };
  const dialect = new InputDialect(inputOptions);
  const rejects = new RejectLog(0);
  const totals = new WindowTotals(windows);
  const segments = new CampaignSegments(windows.C.fromDay * MS_PER_DAY - 1, endOfDay(windows.C.toDay * MS_PER_DAY));
  let read = 0;
  let valid = 0;
  for (const file of files) {
    for await (const raw of readFile(file, readOptions)) {
      read += raw.length;
      const batch = parseBatch(raw, rejects, dialect);
      valid += batch.length;
      totals.add(batch);
      segments.add(batch);
    }
  }

  let control = given;
  if (!control) {
    const t = new Set(participants);
    control = [];
    for (const [id, c] of totals.index) if (totals.recent[c] === 1 && !t.has(id)) control.push(id);
  }
  if (control.length === 0) throw new ArgumentError('the control group is empty: no customer outside the participants ordered in the 365 days before --start; give --control');
  const members = (ids: readonly string[]) => Int32Array.from(ids, (id) => totals.index.get(id) ?? -1);
  const t = members(participants);
  const k = members(control);
  const tSummary = summarizeGroup(t, totals);
  const kSummary = summarizeGroup(k, totals);
  const result: CampaignResult = {
    name,
    windows: {
      C: { from: dayText(windows.C.fromDay), to: dayText(windows.C.toDay), days: windows.C.days },
      P: { from: dayText(windows.P.fromDay), to: dayText(windows.P.toDay), days: windows.P.days },
    },
    participants: tSummary.stats,
    control: kSummary.stats,
    effect: campaignEffect(tSummary, kSummary),
    spend_bands: campaignBands(t, k, totals, { P: windows.P.days, C: windows.C.days }, { quantiles: config.spend_bands.quantiles, edges: config.spend_bands.edges }),
    segments: segments.moves({ participants, control }, config),
    control_rule: given ? 'file' : 'default',
    rows: { read, valid, rejected: rejects.total },
    warnings: comparabilityWarnings(tSummary.stats, kSummary.stats),
    created_at: new Date().toISOString(),
  };
  if (opts.dataDir !== undefined) await saveCampaign(opts.dataDir, result);
  return result;
}
