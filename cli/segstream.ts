#!/usr/bin/env node
/**
 * The `segstream` command line: a thin shell over the engine. Each command parses its options,
 * calls one engine function and formats the result; errors are one line and a non-zero exit.
 */
import { existsSync, readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { activeKernels } from '../engine/kernels/load-kernels.js';
import { nativeParquetBinding } from '../engine/read/parquet-native.js';
import { campaignCommand } from './commands/campaign-command.js';
import { demoCommand } from './commands/demo-command.js';
import { exportCommand } from './commands/export-command.js';
import { generateCommand } from './commands/generate-command.js';
import { lostCommand } from './commands/lost-command.js';
import { migrateCommand } from './commands/migrate-command.js';
import { reportCommand } from './commands/report-command.js';
import { rescoreCommand } from './commands/rescore-command.js';
import { rescoreNodeCommand } from './commands/rescore-node-command.js';
import { serveCommand } from './commands/serve-command.js';
import { snapshotsCommand } from './commands/snapshots-command.js';
import { fail, isBrokenPipe } from './fail.js';

// dist/cli/segstream.js sits two levels below package.json, cli/segstream.ts (under tsx) one.
const pkgUrl = [new URL('../../package.json', import.meta.url), new URL('../package.json', import.meta.url)].find((u) => existsSync(u))!;
const pkg = JSON.parse(readFileSync(pkgUrl, 'utf8')) as { version: string };

const program = new Command('segstream')
  .description('High-throughput customer segmentation: RFM scores, segments, spend bands, tiers, lifecycle and CLV')
  .version(`segstream ${pkg.version} (kernels: ${activeKernels()}, parquet reader: ${nativeParquetBinding() === null ? 'parquet-wasm' : 'native'})`, '-V, --version')
  .showHelpAfterError()
  // Commander prints its own message (and the help) before it throws; the catch below only picks the exit code, 2 for bad usage.
  .exitOverride();

for (const register of [demoCommand, generateCommand, rescoreCommand, rescoreNodeCommand, exportCommand, migrateCommand, snapshotsCommand, campaignCommand, lostCommand, reportCommand, serveCommand]) register(program);

// `segstream export ... | head`: when the reader closes the pipe, stop quietly instead of dying on EPIPE.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => (isBrokenPipe(error) ? process.exit(0) : fail(error)));
}
// An error no command caught (a stray stream event) still ends as one coded line.
process.on('uncaughtException', fail);
process.on('unhandledRejection', fail);

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? 0 : 2);
  fail(error);
});
