import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { generate } from '../../engine/generate/index.js';
import { rescore } from '../../engine/rescore/rescore.js';
import { progressBar } from '../progress.js';
import { startServer } from '../../server/start-server.js';
import { printSummary } from './rescore-command.js';
import { parsePort } from './serve-command.js';

/** `segstream demo` (what `npm start` runs): generate a base, rescore it, show the tables, then serve it with the dashboard. */
export function demoCommand(program: Command): void {
  program
    .command('demo')
    .description('generate a demo base, rescore it and show its segments and spend bands')
    .option('--customers <n>', 'customers in the demo base', (v) => Number.parseInt(v, 10), 100_000)
    .option('--transactions <n>', 'rows in the demo base', (v) => Number.parseInt(v, 10), 1_000_000)
    .option('--data <dir>', 'data directory of the demo', 'segstream-demo')
    .option('--port <port>', 'port of the demo server (0: any free port)', parsePort, 8080)
    .option('--no-serve', 'stop after the rescore instead of serving the result')
    .action(async (opts: { customers: number; transactions: number; data: string; port: number; serve: boolean }) => {
      await mkdir(opts.data, { recursive: true });
      const input = join(opts.data, 'transactions.parquet');
      process.stdout.write(`generating ${opts.transactions.toLocaleString('en-US')} transactions of ${opts.customers.toLocaleString('en-US')} customers into ${input}\n`);
      const gen = progressBar('generate', false);
      await generate({ customers: opts.customers, transactions: opts.transactions, format: 'parquet', seed: 42, out: input, onProgress: (r) => gen.update(r, opts.transactions, r) });
      gen.stop();
      const bar = progressBar('rescore', false);
      const summary = await rescore({ input, dataDir: opts.data, onProgress: (p) => bar.update(p.bytesRead, p.bytesTotal, p.rows) });
      bar.stop();
      printSummary(summary);
      process.stdout.write(`\nexport it: npx segstream export --data ${opts.data} --format csv --out customers.csv\n`);
      if (!opts.serve) return;
      const { url } = await startServer({ dataDir: opts.data, host: '127.0.0.1', port: opts.port, token: process.env['SEGSTREAM_TOKEN'] || undefined, rescoreInput: input });
      process.stdout.write(`\nserving the demo at ${url}  (dashboard ${url}/, API docs ${url}/docs, Ctrl-C stops)\n`);
    });
}
