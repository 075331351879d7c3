import { Option, type Command } from 'commander';
import { ArgumentError } from '../../engine/errors.js';
import { startServer } from '../../server/start-server.js';
import { dataDirOption } from './data-dir.js';

/** Parses a TCP port. */
export function parsePort(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new ArgumentError(`--port must be 0..65535, not ${text}`);
  return port;
}

/** `segstream serve`: the HTTP API, dashboard and metrics over the live snapshot. */
export function serveCommand(program: Command): void {
  program
    .command('serve')
    .description('serve lookups, listings, live events, jobs, metrics and the dashboard over HTTP')
    .addOption(dataDirOption())
    .option('--host <host>', 'address to bind (a non-loopback address needs SEGSTREAM_TOKEN)', '127.0.0.1')
    .option('--port <port>', 'port (0: any free port)', parsePort, 8080)
    .option('--rescore-input <path>', 'input of rescore jobs that name none (the nightly files)')
    .option('--rescore-cron <expr>', 'run the nightly rescore on this cron schedule, e.g. "0 2 * * *"')
    .addOption(new Option('--events-body-limit <bytes>', 'largest POST /v1/events body').argParser((v) => Number.parseInt(v, 10)))
    .option('--log', 'log every request as JSON lines')
    .action(async (opts: { data: string; host: string; port: number; rescoreInput?: string; rescoreCron?: string; eventsBodyLimit?: number; log?: boolean }) => {
      const { url } = await startServer({
        dataDir: opts.data,
        host: opts.host,
        port: opts.port,
        token: process.env['SEGSTREAM_TOKEN'] || undefined,
        rescoreInput: opts.rescoreInput,
        rescoreCron: opts.rescoreCron,
        ...(opts.eventsBodyLimit ? { eventsBodyLimit: opts.eventsBodyLimit } : {}),
        logger: opts.log === true,
      });
      process.stdout.write(`segstream serving ${opts.data} at ${url} (dashboard ${url}/, API docs ${url}/docs)\n`);
    });
}
