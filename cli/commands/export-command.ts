import type { Command } from 'commander';
import { type ExportFormat, exportSnapshot } from '../../engine/snapshot/export-snapshot.js';
import { dataDirOption } from './data-dir.js';

/** `segstream export`. */
export function exportCommand(program: Command): void {
  program
    .command('export')
    .description("write a snapshot's customers as csv, ndjson or arrow (every field, customer_id first)")
    .option('--snapshot <id>', 'snapshot id (default: the live one)')
    .requiredOption('--format <format>', 'csv, ndjson or arrow')
    .requiredOption('--out <file>', 'output file, or - for standard output')
    .addOption(dataDirOption())
    .action(async (opts: { snapshot?: string; format: string; out: string; data: string }) => {
      const r = await exportSnapshot({ dataDir: opts.data, format: opts.format as ExportFormat, out: opts.out, ...(opts.snapshot ? { id: opts.snapshot } : {}) });
      if (opts.out !== '-') process.stderr.write(`exported ${r.customers.toLocaleString('en-US')} customers of snapshot ${r.snapshot} to ${opts.out}\n`);
    });
}
