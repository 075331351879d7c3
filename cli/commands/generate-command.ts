import type { Command } from 'commander';
import { ArgumentError } from '../../engine/errors.js';
import { type GenerateFormat, generate } from '../../engine/generate/index.js';
import { progressBar } from '../progress.js';

function positiveInteger(name: string): (v: string) => number {
  return (v) => {
    const n = Number(v.replaceAll('_', ''));
    if (!Number.isSafeInteger(n) || n < 1) throw new ArgumentError(`${name} must be a positive integer, not ${JSON.stringify(v)}`);
    return n;
  };
}

/** `segstream generate`. */
export function generateCommand(program: Command): void {
  program
    .command('generate')
    .description('write a realistic synthetic transaction file (seeded, deterministic)')
    .requiredOption('--customers <n>', 'distinct customers', positiveInteger('--customers'))
    .requiredOption('--transactions <n>', 'rows', positiveInteger('--transactions'))
    .option('--format <format>', 'parquet, arrow, csv or ndjson', 'csv')
    .option('--seed <n>', 'random seed', (v) => Number.parseInt(v, 10), 1)
    .option('--end-date <date>', 'last day of the history (YYYY-MM-DD)')
    .requiredOption('--out <file>', 'output file, or - for standard output')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { customers: number; transactions: number; format: string; seed: number; endDate?: string; out: string; json?: boolean }) => {
      const bar = progressBar('generate', opts.json === true || opts.out === '-');
      let result: Awaited<ReturnType<typeof generate>>;
      try {
        result = await generate({
          customers: opts.customers,
          transactions: opts.transactions,
          format: opts.format as GenerateFormat,
          seed: opts.seed,
          out: opts.out,
          ...(opts.endDate ? { endDate: opts.endDate } : {}),
          onProgress: (rows) => bar.update(rows, opts.transactions, rows),
        });
      } finally {
        bar.stop();
      }
      if (opts.out === '-') return;
      if (opts.json) process.stdout.write(`${JSON.stringify(result)}\n`);
      else process.stdout.write(`wrote ${result.rows.toLocaleString('en-US')} rows of ${result.customers.toLocaleString('en-US')} customers (${(result.bytes / 1e6).toFixed(1)} MB) to ${opts.out}\n`);
    });
}
