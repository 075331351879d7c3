import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { ArgumentError } from '../../engine/errors.js';
import { type GenerateFormat, type MiniProgramOptions, generate, participantsCsv } from '../../engine/generate/index.js';
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
    .option('--program-participants <file>', 'simulate a loyalty mini-program and write its participants (a customer_id column) to this file')
    .option('--program-start <date>', "the program's first day (default: --program-days before the last day)")
    .option('--program-days <n>', "the program's length in days", positiveInteger('--program-days'), 91)
    .option('--program-share <x>', 'chance that an active repeat customer takes part', Number, 0.2)
    .option('--program-uplift <x>', "how much larger a participant's purchases in the program are (0.5: +50%)", Number, 0.5)
    .option('--json', 'print the result as JSON')
    .action(async (opts: {
      customers: number; transactions: number; format: string; seed: number; endDate?: string; out: string; json?: boolean;
      programParticipants?: string; programStart?: string; programDays: number; programShare: number; programUplift: number;
    }) => {
      const program: MiniProgramOptions | undefined = opts.programParticipants
        ? { days: opts.programDays, share: opts.programShare, uplift: opts.programUplift, ...(opts.programStart ? { start: opts.programStart } : {}) }
        : undefined;
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
          ...(program ? { program } : {}),
          onProgress: (rows) => bar.update(rows, opts.transactions, rows),
        });
      } finally {
        bar.stop();
      }
      if (result.program && opts.programParticipants) await writeFile(opts.programParticipants, participantsCsv(result.program.participants));
      if (opts.out === '-') return;
      if (opts.json) process.stdout.write(`${JSON.stringify({ ...result, program: result.program && { from: result.program.from, to: result.program.to, participants: result.program.participants.length } })}\n`);
      else process.stdout.write(`wrote ${result.rows.toLocaleString('en-US')} rows of ${result.customers.toLocaleString('en-US')} customers (${(result.bytes / 1e6).toFixed(1)} MB) to ${opts.out}\n`);
      if (result.program && !opts.json) process.stdout.write(`mini-program ${result.program.from} to ${result.program.to}: ${result.program.participants.length.toLocaleString('en-US')} participants written to ${opts.programParticipants}\n`);
    });
}
