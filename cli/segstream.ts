#!/usr/bin/env node
/**
 * The `segstream` command line: a thin shell over the engine. Each command parses its options,
 * calls one engine function and formats the result; errors are one line and a non-zero exit.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { execWithOneArena } from './malloc-arenas.js';

// First of all, a rescore starts again in place under one malloc arena (cli/malloc-arenas.ts). The
// other modules are imported after it: static imports would all be loaded before this line runs.
execWithOneArena();

// A rescore's worker threads start next, on the core this thread leaves idle while it loads the
// CLI's modules (cli/early-pool.ts); a failure to start them is the rescore's own to report.
const earlyPool = import('./early-pool.js').then((m) => m.startEarlyPool(process.argv.slice(2))).catch(() => undefined);

const [{ Command: Program, CommanderError }, { activeKernels }, { nativeParquetBinding }, { fail, isBrokenPipe }] = await Promise.all([
  import('commander'),
  import('../engine/kernels/load-kernels.js'),
  import('../engine/read/parquet-native.js'),
  import('./fail.js'),
]);

type Register = (program: Command) => void;

/**
 * Every command, in the order of the help, each imported only when it runs: a rescore then loads
 * neither the server (fastify, prom-client) nor the report's charts, ~0.3 s of CPU at start.
 */
const COMMANDS: ReadonlyArray<readonly [name: string, load: () => Promise<Register>]> = [
  ['demo', async () => (await import('./commands/demo-command.js')).demoCommand],
  ['generate', async () => (await import('./commands/generate-command.js')).generateCommand],
  ['rescore', async () => (await import('./commands/rescore-command.js')).rescoreCommand],
  ['rescore-node', async () => (await import('./commands/rescore-node-command.js')).rescoreNodeCommand],
  ['cluster', async () => (await import('./commands/cluster-command.js')).clusterCommand],
  ['export', async () => (await import('./commands/export-command.js')).exportCommand],
  ['migrate', async () => (await import('./commands/migrate-command.js')).migrateCommand],
  ['snapshots', async () => (await import('./commands/snapshots-command.js')).snapshotsCommand],
  ['campaign', async () => (await import('./commands/campaign-command.js')).campaignCommand],
  ['lost', async () => (await import('./commands/lost-command.js')).lostCommand],
  ['report', async () => (await import('./commands/report-command.js')).reportCommand],
  ['serve', async () => (await import('./commands/serve-command.js')).serveCommand],
];

// dist/cli/segstream.js sits two levels below package.json, cli/segstream.ts (under tsx) one.
const pkgUrl = [new URL('../../package.json', import.meta.url), new URL('../package.json', import.meta.url)].find((u) => existsSync(u))!;
const pkg = JSON.parse(readFileSync(pkgUrl, 'utf8')) as { version: string };

const program = new Program('segstream')
  .description('High-throughput customer segmentation: RFM scores, segments, spend bands, tiers, lifecycle and CLV')
  .version(`segstream ${pkg.version} (kernels: ${activeKernels()}, parquet reader: ${nativeParquetBinding() === null ? 'parquet-wasm' : 'native'})`, '-V, --version')
  .showHelpAfterError()
  // Commander prints its own message (and the help) before it throws; the catch below only picks the exit code, 2 for bad usage.
  .exitOverride();

// The first word that is not an option names the command; without one (help, a typo) all are registered.
const named = COMMANDS.find(([name]) => name === process.argv.slice(2).find((a) => !a.startsWith('-')));
for (const register of await Promise.all((named ? [named] : COMMANDS).map(([, load]) => load()))) register(program);

// `segstream export ... | head`: when the reader closes the pipe, stop quietly instead of dying on EPIPE.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => (isBrokenPipe(error) ? process.exit(0) : fail(error)));
}
// An error no command caught (a stray stream event) still ends as one coded line.
process.on('uncaughtException', fail);
process.on('unhandledRejection', fail);

// Started before the command runs, so that the command takes that pool and never starts a second.
await earlyPool;
program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? 0 : 2);
  fail(error);
});
