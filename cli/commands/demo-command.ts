import type { Command } from 'commander';
import { progressBar } from '../progress.js';
import { startServer } from '../../server/start-server.js';
import { DEMO_CAMPAIGN, tellDemoStory } from './demo-story.js';
import { printSummary } from './rescore-command.js';
import { parsePort } from './serve-command.js';

function money(x: number): string {
  return x.toLocaleString('en-US', { maximumFractionDigits: 2 });
}

/**
 * `segstream demo` (what `npm start` runs): a base in which a loyalty mini-program ran, rescored
 * before and after it, the program judged, then served with the dashboard opened on the result.
 */
export function demoCommand(program: Command): void {
  program
    .command('demo')
    .description('generate a base with a three-month loyalty mini-program, rescore it before and after, judge the program and serve the dashboard')
    .option('--customers <n>', 'customers in the demo base', (v) => Number.parseInt(v, 10), 100_000)
    .option('--transactions <n>', 'rows in the demo base', (v) => Number.parseInt(v, 10), 1_000_000)
    .option('--data <dir>', 'data directory of the demo', 'segstream-demo')
    .option('--port <port>', 'port of the demo server (0: any free port)', parsePort, 8080)
    .option('--no-serve', 'stop after the story instead of serving the result')
    .action(async (opts: { customers: number; transactions: number; data: string; port: number; serve: boolean }) => {
      let bar: ReturnType<typeof progressBar> | null = null;
      const story = await tellDemoStory({
        dataDir: opts.data,
        customers: opts.customers,
        transactions: opts.transactions,
        onStep: (line) => {
          bar?.stop();
          bar = null;
          process.stdout.write(`${line}\n`);
        },
        onGenerate: (rows) => {
          bar ??= progressBar('generate', false);
          bar.update(rows, opts.transactions, rows);
        },
        onRescore: (p) => {
          bar ??= progressBar('rescore', false);
          bar.update(p.bytesRead, p.bytesTotal, p.rows);
        },
      });
      (bar as ReturnType<typeof progressBar> | null)?.stop();
      printSummary(story.after);
      const c = story.campaign;
      const [low, high] = c.effect.ci95 ?? [Number.NaN, Number.NaN];
      process.stdout.write(
        `\nthe mini-program (${c.windows.C.from} to ${c.windows.C.to}): ${c.participants.customers.toLocaleString('en-US')} participants spent ${money(c.participants.mean_delta)} more each than the ${c.windows.P.days} days before; ` +
          `the ${c.control.customers.toLocaleString('en-US')} others ${money(c.control.mean_delta)}: ${money(c.effect.did)} extra per participant (95% interval ${money(low)} to ${money(high)}), ` +
          `${money(c.effect.incremental_revenue)} in all; ${(100 * c.spend_bands.participants.up).toFixed(0)}% of participants moved up a spend band, ${(100 * c.spend_bands.control.up).toFixed(0)}% of the others\n`,
      );
      process.stdout.write(`\nthe report as one file: npx segstream report --data ${opts.data} --campaign ${DEMO_CAMPAIGN} --out report.html\n`);
      if (!opts.serve) return;
      const { url } = await startServer({ dataDir: opts.data, host: '127.0.0.1', port: opts.port, token: process.env['SEGSTREAM_TOKEN'] || undefined, rescoreInput: story.input });
      process.stdout.write(`\nserving the demo: open ${url}/  (the dashboard opens on the mini-program; API docs ${url}/docs, Ctrl-C stops)\n`);
    });
}
