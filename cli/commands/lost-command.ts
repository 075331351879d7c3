import type { Command } from 'commander';
import { type LostLine, loadLostReport } from '../../engine/lost/lost-report.js';
import { formatTable } from '../format-table.js';
import { dataDirOption } from './data-dir.js';

function table(first: string, lines: readonly LostLine[]): string {
  const reasons = Object.keys(lines[0]?.reasons ?? {});
  return formatTable([first, 'customers', 'revenue a year before', ...reasons], lines.map((l) => [l.value, l.customers, Math.round(l.revenue_365d_before), ...reasons.map((r) => l.reasons[r]!)]));
}

/** `segstream lost`. */
export function lostCommand(program: Command): void {
  program
    .command('lost')
    .description('the customers lost (lifecycle lost: no purchase for more than lifecycle.lapsed_days), when, what they were worth and why')
    .option('--snapshot <id>', 'snapshot (default: the live one); groups come from the snapshot before it')
    .option('--by <dimension>', 'group by the previous segment, tier or spend_band', 'segment')
    .option('--json', 'print the report as JSON')
    .addOption(dataDirOption())
    .action(async (opts: { snapshot?: string; by: string; json?: boolean; data: string }) => {
      const r = await loadLostReport(opts.data, opts.snapshot, opts.by);
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
        return;
      }
      const out = process.stdout;
      out.write(`snapshot ${r.snapshot} as of ${r.as_of}: ${r.total.customers} customers lost (no purchase for more than lifecycle.lapsed_days)${r.previous ? `, ${r.newly_lost} of them since snapshot ${r.previous}` : ''}\n`);
      out.write(`worth ${Math.round(r.total.revenue_365d_before).toLocaleString('en-US')} in the year before their last purchase; reasons: ${Object.entries(r.total.reasons).map(([k, n]) => `${k} ${n}`).join(', ')}\n`);
      out.write('(lifecycle lost is not the RFM segment lost: the segment is the lowest recency score, a share of the base whatever the days)\n\n');
      out.write(`by month of lost_at (the last 12)\n${table('month', r.months)}\n\n`);
      out.write(`by ${r.by} ${r.previous ? `in the snapshot before (${r.previous})` : 'now (no snapshot before)'}\n${table(r.by, r.groups)}\n`);
    });
}
