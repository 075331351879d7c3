import type { Command } from 'commander';
import { type CampaignResult, evaluateCampaign } from '../../engine/campaign/evaluate-campaign.js';
import { loadConfig } from '../../engine/config/load-config.js';
import { ArgumentError } from '../../engine/errors.js';
import type { InputFormat } from '../../engine/read/raw-batch.js';
import { formatNumber, formatTable, percent } from '../format-table.js';
import { dataDirOption } from './data-dir.js';
import { parseColumnMap, parseDecimal, parseTsFormat } from './rescore-command.js';

const signed = (x: number) => `${x >= 0 ? '+' : ''}${formatNumber(x)}`;

/** Prints a campaign's result for a person. */
function printCampaign(r: CampaignResult, path: string): void {
  const out = process.stdout;
  const { P, C } = r.windows;
  out.write(`campaign ${r.name}: C ${C.from} to ${C.to} (${C.days} days) against the baseline P ${P.from} to ${P.to} (${P.days} days)\n`);
  out.write(`control: ${r.control_rule === 'file' ? 'the --control file' : 'every other customer with an order in the 365 days before the start'}; rows read ${r.rows.read}, rejected ${r.rows.rejected}\n\n`);
  const row = (label: string, g: CampaignResult['participants']) => [
    label, g.customers, g.participants_without_history, g.mean_spend_P, g.mean_spend_C, g.mean_delta, percent(g.share_active_P), percent(g.share_active_C), g.orders_per_customer_P, g.orders_per_customer_C,
  ];
  out.write(`${formatTable(['group', 'customers', 'no history', 'mean spend P', 'mean spend C', 'mean delta', 'active P', 'active C', 'orders/cust P', 'orders/cust C'], [row('participants', r.participants), row('control', r.control)])}\n\n`);
  const e = r.effect;
  const ci = e.ci95 ? `, 95% interval ${signed(e.ci95[0])} to ${signed(e.ci95[1])} (se ${formatNumber(e.se!)})` : ' (no interval: a group has fewer than 2 customers)';
  out.write(`difference in differences: ${signed(e.did)} per participant${ci}; incremental revenue ${signed(e.incremental_revenue)}\n`);
  for (const w of r.warnings ?? []) out.write(`warning: ${w}\n`);
  out.write('\n');
  const b = r.spend_bands;
  const share = (x: number) => percent(x);
  out.write(`spend bands (weekly spend in each window, ${b.bands} bands, 0 = no order): moved up / stayed / moved down\n`);
  out.write(`${formatTable(['group', 'up', 'same', 'down'], [
    ['participants', share(b.participants.up), share(b.participants.same), share(b.participants.down)],
    ['control', share(b.control.up), share(b.control.same), share(b.control.down)],
    ['T minus K', `${(b.t_minus_k.up * 100).toFixed(1)} pts`, `${(b.t_minus_k.same * 100).toFixed(1)} pts`, `${(b.t_minus_k.down * 100).toFixed(1)} pts`],
  ])}\n\n`);
  out.write(`participants by band, P (rows) to C (columns)\n${formatTable(['band', ...b.labels.map(String)], b.participants.matrix.map((m, i) => [String(b.labels[i]), ...m]))}\n\n`);
  const s = r.segments.participants;
  out.write(`participants by segment, before (rows) to after (columns)\n${formatTable(['segment', ...s.labels], s.matrix.map((m, i) => [s.labels[i]!, ...m]))}\n\n`);
  out.write(`saved as ${path}\n`);
}

/** `segstream campaign`. */
export function campaignCommand(program: Command): void {
  program
    .command('campaign')
    .description('judge a campaign or loyalty mini-program: participants against a control group, before and during, saved in the data folder')
    .requiredOption('--input <path>', 'the transactions: a file or a folder of files')
    .requiredOption('--participants <file>', 'the participants: a CSV with a customer_id column, or one id a line')
    .option('--control <file>', 'the control group (default: every other customer with an order in the 365 days before --start)')
    .requiredOption('--start <date>', 'first day of the campaign, YYYY-MM-DD')
    .requiredOption('--end <date>', 'last day of the campaign, YYYY-MM-DD')
    .option('--pre-days <n>', 'days of the baseline just before --start (default: as many as the campaign)')
    .option('--name <name>', 'saved as DATA/campaigns/<name>.json (default: campaign-<start>)')
    .option('--config <file>', 'JSON configuration file (spend bands, segments, input columns)')
    .option('--map <pairs>', 'column names, as for rescore')
    .option('--ts-format <format>', 'timestamps, as for rescore')
    .option('--decimal <mark>', 'decimal mark, as for rescore')
    .option('--format <format>', 'csv, ndjson, arrow or parquet (default: detected)')
    .option('--json', 'print the result as JSON')
    .addOption(dataDirOption())
    .action(async (opts: { input: string; participants: string; control?: string; start: string; end: string; preDays?: string; name?: string; config?: string; map?: string; tsFormat?: string; decimal?: string; format?: string; json?: boolean; data: string }) => {
      let preDays: number | undefined;
      if (opts.preDays !== undefined) {
        preDays = Number(opts.preDays);
        if (!/^\d+$/.test(opts.preDays.trim())) throw new ArgumentError('--pre-days must be a whole number of days');
      }
      if (opts.format && !['csv', 'ndjson', 'arrow', 'parquet'].includes(opts.format)) throw new ArgumentError(`--format must be csv, ndjson, arrow or parquet, not ${opts.format}`);
      const tsFormat = parseTsFormat(opts.tsFormat);
      const decimal = parseDecimal(opts.decimal);
      const config = await loadConfig(opts.config);
      const result = await evaluateCampaign({
        input: opts.input,
        participants: opts.participants,
        ...(opts.control !== undefined ? { control: opts.control } : {}),
        start: opts.start,
        end: opts.end,
        ...(preDays !== undefined ? { preDays } : {}),
        ...(opts.name !== undefined ? { name: opts.name } : {}),
        config,
        columns: parseColumnMap(opts.map, config.input.columns),
        ...(tsFormat !== undefined ? { tsFormat } : {}),
        ...(decimal !== undefined ? { decimal } : {}),
        ...(opts.format ? { format: opts.format as InputFormat } : {}),
        dataDir: opts.data,
      });
      if (opts.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      else printCampaign(result, `${opts.data}/campaigns/${result.name}.json`);
    });
}
