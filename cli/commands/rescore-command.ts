import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import { loadConfig } from '../../engine/config/load-config.js';
import { ArgumentError } from '../../engine/errors.js';
import { buildColumnMap, type ColumnNames, parseMapFlag } from '../../engine/read/column-map.js';
import { checkTsFormat, type InputOptions } from '../../engine/parse/input-dialect.js';
import type { ColumnMap, InputFormat } from '../../engine/read/raw-batch.js';
import { RescoreRefusedError, type RescoreOptions, type RescoreSummary, rescore } from '../../engine/rescore/rescore.js';
import { clusterConfigOf } from '../../engine/cluster/cluster-config.js';
import { formatTable, percent } from '../format-table.js';
import { progressBar } from '../progress.js';
import { dataDirOption } from './data-dir.js';
import { prestartPool, releasePrestartedPool } from '../../engine/pool/worker-pool.js';

/** Parses `--map customer_id=CustomerID,ts=InvoiceDate,amount=Quantity*UnitPrice` over the identity map and the config's `input.columns`. */
export function parseColumnMap(text: string | undefined, configColumns?: ColumnNames): ColumnMap {
  return buildColumnMap(configColumns, parseMapFlag(text));
}

/** Checks `--decimal`. */
export function parseDecimal(text: string | undefined, flag = '--decimal'): InputOptions['decimal'] | undefined {
  if (text === undefined) return undefined;
  if (text === 'auto' || text === '.' || text === ',') return text;
  throw new ArgumentError(`${flag} must be auto, . or , not ${JSON.stringify(text.slice(0, 20))}`);
}

/** Checks `--ts-format` (`auto`, `iso`, `yyyymmdd`, `epoch_s`, `epoch_ms` or a strftime-style pattern). */
export function parseTsFormat(text: string | undefined, flag = '--ts-format'): string | undefined {
  if (text === undefined) return undefined;
  try {
    checkTsFormat(text);
  } catch (error) {
    throw new ArgumentError(`${flag}: ${(error as Error).message}`);
  }
  return text;
}

const money = (x: number) => x.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** One line on how the input was read (the manifest's input.decisions in short). */
export function describeDecisions(d: RescoreSummary['input']): string {
  const ts = d.ts.kind === 'pattern' ? `pattern ${d.ts.pattern ?? ''}` : d.ts.kind;
  const parts = [`ts ${ts} (${d.ts.source})`, `decimal mark "${d.decimal.mark}" (${d.decimal.source})`, `amount ${d.amount === 'column' ? 'from its column' : '= quantity * price'}`];
  parts.push(d.order_id ? 'orders = distinct order_id' : 'orders = rows');
  if (d.gzip.length) parts.push(`${d.gzip.length} gzip file${d.gzip.length === 1 ? '' : 's'}`);
  if (d.skipped.length) parts.push(`${d.skipped.length} file${d.skipped.length === 1 ? '' : 's'} skipped`);
  return parts.join('; ');
}

/** Prints a rescore summary for a person. */
export function printSummary(s: RescoreSummary): void {
  const out = process.stdout;
  out.write(`snapshot ${s.snapshot}  as of ${s.as_of}\n`);
  out.write(`rows read ${s.rows.read.toLocaleString('en-US')}, rejected ${s.rows.rejected.toLocaleString('en-US')}, after as_of ${s.rows.future.toLocaleString('en-US')}`);
  out.write(`; ${s.customers.toLocaleString('en-US')} customers; ${s.rows_per_second.toLocaleString('en-US')} rows/s in ${(s.timings_ms['total']! / 1000).toFixed(2)} s\n`);
  out.write(`total revenue ${money(s.revenue)}; reject share ${percent(s.reject_share)} (missing ids not counted), rows without a customer id ${percent(s.anonymous_share)}\n`);
  out.write(`input read as: ${describeDecisions(s.input)}\n`);
  const rejects = Object.entries(s.rejects);
  if (rejects.length) out.write(`rejected by reason: ${rejects.map(([r, n]) => `${r} ${n}`).join(', ')} (first rows in rejects.ndjson)\n`);
  for (const w of s.warnings) out.write(`warning: ${w}\n`);
  if (s.forced.length) out.write(`published with --force over the failed checks: ${s.forced.join('; ')}\n`);
  const total = s.customers || 1;
  out.write(`\n${formatTable(['segment', 'customers', 'share'], Object.entries(s.segments).filter(([, n]) => n > 0).map(([name, n]) => [name, n, percent(n / total)]))}\n`);
  out.write(`\n${formatTable(
    ['band', 'customers', 'share', 'revenue', 'revenue share', 'mean weekly spend'],
    s.spend_bands.map((b) => [b.band, b.customers, percent(b.share_customers), b.revenue, percent(b.share_revenue), b.mean_weekly_spend]),
  )}\n`);
}

/** `segstream rescore`. */
export function rescoreCommand(program: Command): void {
  program
    .command('rescore')
    .description('rescore the whole base from transaction files and publish a snapshot')
    .requiredOption('--input <path>', 'a file, a folder of files, or - for standard input')
    .option('--as-of <date>', 'YYYY-MM-DD (end of that UTC day) or an ISO date-time; default: the day of the latest transaction')
    .option('--config <file>', 'JSON configuration file')
    .option('--map <pairs>', 'column names, e.g. customer_id=CustomerID,ts=InvoiceDate,order_id=InvoiceNo,amount=Quantity*UnitPrice (overrides the config\'s input.columns)')
    .option('--ts-format <format>', "timestamps: auto (default), iso, yyyymmdd, epoch_s, epoch_ms or a strftime-style pattern such as '%m/%d/%Y %H:%M'")
    .option('--decimal <mark>', 'decimal mark of text amounts: auto (default), . or ,')
    .option('--format <format>', 'csv, ndjson, arrow or parquet (default: from the extension or the first bytes)')
    .option('--batch-size <rows>', 'rows per batch', (v) => Number.parseInt(v, 10))
    .option('--workers <n>', 'worker threads that read and aggregate (default: the available cores; 0: none, all on the main thread)', (v) => Number.parseInt(v, 10))
    .option('--engine <engine>', 'aggregation kernels: auto, native or js', 'auto')
    .option('--force', 'publish even when the publishing guard refuses the run (the manifest records the checks overridden)')
    .option('--json', 'print the summary as JSON')
    .option('--cluster <urls>', 'run the read and aggregation across a NATS JetStream cluster (comma-separated nats://host:port; nodes run `segstream rescore-node`; over the config\'s cluster block; docs/cluster.md)')
    .option('--node <id>', 'this node\'s id in the cluster (letters, digits, _ and -); it takes tasks too')
    .option('--tasks <n>', 'cluster: aggregate tasks to cut the input into (default 16)', (v) => Number.parseInt(v, 10))
    .option('--shards <n>', 'cluster: shards of the customer base (default 64)', (v) => Number.parseInt(v, 10))
    .addOption(dataDirOption())
    .action(async (opts: { input: string; asOf?: string; config?: string; map?: string; tsFormat?: string; decimal?: string; format?: string; batchSize?: number; workers?: number; engine: string; force?: boolean; json?: boolean; data: string; cluster?: string; node?: string; tasks?: number; shards?: number }) => {
      if (opts.workers !== undefined && !(Number.isInteger(opts.workers) && opts.workers >= 0)) throw new ArgumentError('--workers must be a whole number >= 0');
      if (!['auto', 'native', 'js'].includes(opts.engine)) throw new ArgumentError(`--engine must be auto, native or js, not ${opts.engine}`);
      const workers = opts.workers ?? availableParallelism();
      if (opts.format && !['csv', 'ndjson', 'arrow', 'parquet'].includes(opts.format)) {
        throw new ArgumentError(`--format must be csv, ndjson, arrow or parquet, not ${opts.format}`);
      }
      if (opts.batchSize !== undefined && !(opts.batchSize > 0)) throw new ArgumentError('--batch-size must be a positive integer');
      const tsFormat = parseTsFormat(opts.tsFormat);
      const decimal = parseDecimal(opts.decimal);
      // The cluster block says where the job runs, not what it computes: the rescore (and its manifest's config) goes without it.
      const { cluster: clusterBlock, ...config } = await loadConfig(opts.config);
      const columns = parseColumnMap(opts.map, config.input.columns);
      const bar = progressBar('rescore', opts.json === true);
      const clusterConfig = clusterConfigOf(opts, clusterBlock);
      if (clusterConfig && opts.input === '-') throw new ArgumentError('--cluster reads files every node can open, not standard input');
      if (opts.tasks !== undefined && !(Number.isInteger(opts.tasks) && opts.tasks >= 1)) throw new ArgumentError('--tasks must be a whole number >= 1');
      // The NATS client loads only on the cluster path.
      const cluster = clusterConfig ? await import('../../engine/cluster/nats-connection.js').then((m) => m.connectCluster(clusterConfig, m.REQUEST_TIMEOUT_MS.rescore)) : null;
      const run = cluster
        ? async (o: RescoreOptions) => (await import('../../engine/cluster/rescore-cluster.js')).clusterRescore({ ...o, cluster, ...(opts.tasks ? { tasks: opts.tasks } : {}) })
        : rescore;
      let summary: RescoreSummary;
      // The workers started as the CLI began (cli/early-pool.ts), or start now, while this thread
      // opens the data folder, the input and sniffs it (not for the cluster, or standard input,
      // which reads on this thread). Released in the finally when the run never took it (a
      // `--cluster` of the config file among them): a worker ended mid-start takes the process down.
      const pooled = workers > 0 && cluster === null && opts.input !== '-';
      if (pooled) prestartPool(workers);
      try {
        summary = await run({
          input: opts.input,
          dataDir: opts.data,
          config,
          columns,
          ...(tsFormat !== undefined ? { tsFormat } : {}),
          ...(decimal !== undefined ? { decimal } : {}),
          ...(opts.asOf ? { asOf: opts.asOf } : {}),
          ...(opts.format ? { format: opts.format as InputFormat } : {}),
          ...(opts.batchSize ? { batchSize: opts.batchSize } : {}),
          ...(workers > 0 ? { workers } : {}),
          engine: opts.engine as 'auto' | 'native' | 'js',
          force: opts.force === true,
          onProgress: (p) => bar.update(p.bytesRead, p.bytesTotal, p.rows),
        });
      } catch (error) {
        // A refused run still has a summary (`published: false`); the error line and exit code 3 follow.
        if (error instanceof RescoreRefusedError && opts.json) {
          bar.stop();
          process.stdout.write(`${JSON.stringify(error.summary, null, 2)}\n`);
        }
        throw error;
      } finally {
        bar.stop();
        await cluster?.close();
        await releasePrestartedPool();
      }
      if (opts.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
      else printSummary(summary);
    });
}
