import { rename, rm, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { ArgumentError } from '../../engine/errors.js';
import { loadReport } from '../../engine/report/load-report.js';
import { reportHtml } from '../../engine/report/report-page.js';
import { outputError } from '../../engine/snapshot/output-error.js';
import { dataDirOption } from './data-dir.js';

/** `segstream report`: one self-contained HTML file (or the report's JSON, as `GET /v1/report` serves it). */
export function reportCommand(program: Command): void {
  program
    .command('report')
    .description('write the report of a snapshot as one self-contained HTML file (charts inline, opens with no network)')
    .option('--snapshot <id>', 'snapshot to report on (default: the live one)')
    .option('--compare <id>', 'snapshot the migration compares with (default: the one before --snapshot)')
    .option('--campaign <name>', "a campaign's result to include (segstream campaign --name)")
    .option('--out <file>', 'the HTML file to write')
    .option('--json', "print the report's data as JSON instead (the document GET /v1/report serves)")
    .addOption(dataDirOption())
    .action(async (opts: { snapshot?: string; compare?: string; campaign?: string; out?: string; json?: boolean; data: string }) => {
      if (!opts.out && !opts.json) throw new ArgumentError('report needs --out FILE (or --json)');
      const data = await loadReport(opts.data, { snapshot: opts.snapshot, compare: opts.compare, campaign: opts.campaign });
      if (opts.json) process.stdout.write(`${JSON.stringify(data)}\n`);
      if (!opts.out) return;
      // Written beside the target and renamed, so a reader never opens half a report.
      const tmp = `${opts.out}.tmp-${process.pid}`;
      try {
        await writeFile(tmp, reportHtml(data));
        await rename(tmp, opts.out);
      } catch (cause) {
        await rm(tmp, { force: true });
        throw outputError(cause, `--out ${opts.out}`);
      }
      if (!opts.json) process.stdout.write(`wrote ${opts.out} (snapshot ${data.snapshot.id}${data.migration ? `, compared with ${data.migration.from}` : ''}${data.campaign ? `, campaign ${opts.campaign}` : ''})\n`);
    });
}
