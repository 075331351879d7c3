import { Option, type Command } from 'commander';
import { resolve } from 'node:path';
import { clusterConfigOf } from '../../engine/cluster/cluster-config.js';
import { loadConfig } from '../../engine/config/load-config.js';
import { ArgumentError } from '../../engine/errors.js';
import { parseMapFlag } from '../../engine/read/column-map.js';
import type { ServerOptions } from '../../server/server-context.js';
import { parseDecimal, parseTsFormat } from './rescore-command.js';
import { startServer } from '../../server/start-server.js';
import { dataDirOption } from './data-dir.js';

/** Parses a TCP port. */
export function parsePort(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new ArgumentError(`--port must be 0..65535, not ${text}`);
  return port;
}

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses a duration (`90`, `90s`, `500ms`, `15m`, `4h`; a bare number is seconds) as ms for `flag`. */
export function parseDuration(flag: string): (text: string) => number {
  return (text) => {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
    const ms = m ? Number(m[1]) * UNIT_MS[m[2] ?? 's']! : Number.NaN;
    if (!(ms > 0) || !Number.isFinite(ms) || ms > 2 ** 31 - 1) throw new ArgumentError(`${flag} must be a positive duration such as 30s, 15m or 4h, not ${text.slice(0, 40)}`);
    return Math.round(ms);
  };
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

interface ServeFlags {
  data: string;
  host: string;
  port: number;
  rescoreInput?: string;
  rescoreCron?: string;
  rescoreConfig?: string;
  rescoreMap?: string;
  rescoreTsFormat?: string;
  rescoreDecimal?: string;
  eventsBodyLimit?: number;
  inputRoot: string[];
  jobTimeout?: number;
  headerTimeout?: number;
  requestTimeout?: number;
  keepAliveTimeout?: number;
  log?: boolean;
  config?: string;
  cluster?: string;
  node?: string;
  shards?: number;
}

/** The schedule's read options, checked now so a typo fails at start and not at 2 a.m. */
async function nightlyOptions(opts: ServeFlags): Promise<ServerOptions['rescoreJob']> {
  const flags = { '--rescore-config': opts.rescoreConfig, '--rescore-map': opts.rescoreMap, '--rescore-ts-format': opts.rescoreTsFormat, '--rescore-decimal': opts.rescoreDecimal };
  const given = Object.entries(flags).filter(([, v]) => v !== undefined);
  if (given.length === 0) return undefined;
  if (opts.rescoreInput === undefined) throw new ArgumentError(`${given.map(([k]) => k).join(', ')} need${given.length === 1 ? 's' : ''} --rescore-input`);
  if (opts.rescoreConfig !== undefined) await loadConfig(opts.rescoreConfig);
  const tsFormat = parseTsFormat(opts.rescoreTsFormat, '--rescore-ts-format');
  const decimal = parseDecimal(opts.rescoreDecimal, '--rescore-decimal');
  return {
    ...(opts.rescoreConfig !== undefined ? { configPath: resolve(opts.rescoreConfig) } : {}),
    ...(opts.rescoreMap !== undefined ? { columns: parseMapFlag(opts.rescoreMap, '--rescore-map') } : {}),
    ...(tsFormat !== undefined ? { tsFormat } : {}),
    ...(decimal !== undefined ? { decimal } : {}),
  };
}

/** `segstream serve`: the HTTP API, dashboard and metrics over the live snapshot. */
export function serveCommand(program: Command): void {
  program
    .command('serve')
    .description('serve lookups, listings, live events, jobs, metrics and the dashboard over HTTP')
    .addOption(dataDirOption())
    .option('--host <host>', 'address to bind, e.g. 127.0.0.1, ::1 or [::1] (a non-loopback address needs SEGSTREAM_TOKEN)', '127.0.0.1')
    .option('--port <port>', 'port (0: any free port)', parsePort, 8080)
    .option('--input-root <dir>', 'a folder rescore jobs may read (repeatable); jobs read nothing elsewhere', collect, [])
    .option('--rescore-input <path>', 'input of rescore jobs that name none (the nightly files); its folder is an input root')
    .option('--rescore-cron <expr>', 'run the nightly rescore on this cron schedule, e.g. "0 2 * * *"')
    .option('--rescore-config <file>', 'configuration of the nightly rescore (its input block maps the columns)')
    .option('--rescore-map <pairs>', 'columns of the nightly input, as rescore --map (over --rescore-config\'s input.columns)')
    .option('--rescore-ts-format <format>', 'timestamps of the nightly input, as rescore --ts-format')
    .option('--rescore-decimal <mark>', 'decimal mark of the nightly input, as rescore --decimal')
    .addOption(new Option('--job-timeout <duration>', 'time limit of a rescore job (default 4h)').argParser(parseDuration('--job-timeout')))
    .addOption(new Option('--header-timeout <duration>', 'time a client has to send its request headers (default 15s)').argParser(parseDuration('--header-timeout')))
    .addOption(new Option('--request-timeout <duration>', 'time a client has to send a whole request (default 120s)').argParser(parseDuration('--request-timeout')))
    .addOption(new Option('--keep-alive-timeout <duration>', 'how long an idle keep-alive connection stays open (default 5s)').argParser(parseDuration('--keep-alive-timeout')))
    .addOption(new Option('--events-body-limit <bytes>', 'largest POST /v1/events body').argParser((v) => Number.parseInt(v, 10)))
    .option('--log', 'log every request as JSON lines')
    .option('--config <file>', 'a configuration file whose cluster block names the cluster, this node and its shards (the flags below win)')
    .option('--cluster <urls>', 'run as one node of a NATS JetStream cluster: its servers, comma-separated nats://host:port (docs/cluster.md)')
    .option('--node <id>', 'this node\'s id in the cluster (letters, digits, _ and -)')
    .addOption(new Option('--shards <n>', 'shards of a new cluster\'s customer base (default 64; an existing cluster keeps its own)').argParser((v) => Number.parseInt(v, 10)))
    .action(async (opts: ServeFlags) => {
      const rescoreJob = await nightlyOptions(opts);
      const cluster = clusterConfigOf(opts, opts.config !== undefined ? (await loadConfig(opts.config)).cluster : undefined);
      if (cluster && opts.rescoreCron) throw new ArgumentError('--rescore-cron runs one machine\'s rescore; a cluster\'s nightly rescore is `segstream rescore --cluster` (docs/cluster.md), scheduled outside');
      const { url } = await startServer({
        dataDir: opts.data,
        host: opts.host,
        port: opts.port,
        token: process.env['SEGSTREAM_TOKEN'] || undefined,
        rescoreInput: opts.rescoreInput,
        rescoreCron: opts.rescoreCron,
        ...(rescoreJob ? { rescoreJob } : {}),
        inputRoots: opts.inputRoot,
        ...(opts.jobTimeout !== undefined ? { jobTimeoutMs: opts.jobTimeout } : {}),
        ...(opts.headerTimeout !== undefined ? { headersTimeoutMs: opts.headerTimeout } : {}),
        ...(opts.requestTimeout !== undefined ? { requestTimeoutMs: opts.requestTimeout } : {}),
        ...(opts.keepAliveTimeout !== undefined ? { keepAliveTimeoutMs: opts.keepAliveTimeout } : {}),
        ...(opts.eventsBodyLimit ? { eventsBodyLimit: opts.eventsBodyLimit } : {}),
        logger: opts.log === true,
        ...(cluster ? { cluster } : {}),
      });
      process.stdout.write(`segstream serving ${opts.data} at ${url} (dashboard ${url}/, API docs ${url}/docs)\n`);
    });
}
