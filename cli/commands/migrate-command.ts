import type { Command } from 'commander';
import { SnapshotNotFoundError } from '../../engine/errors.js';
import { migrationMatrix } from '../../engine/report/migration.js';
import { currentSnapshotId, listSnapshotIds, loadSnapshot } from '../../engine/snapshot/snapshot-store.js';
import { formatTable } from '../format-table.js';
import { dataDirOption } from './data-dir.js';

/** `segstream migrate`. */
export function migrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('how customers moved between two snapshots: counts and revenue from row value to column value')
    .option('--from <id>', 'earlier snapshot (default: the one before --to)')
    .option('--to <id>', 'later snapshot (default: the live one)')
    .option('--by <dimension>', 'segment, tier, spend_band or lifecycle', 'segment')
    .option('--json', 'print the matrix as JSON')
    .addOption(dataDirOption())
    .action(async (opts: { from?: string; to?: string; by: string; json?: boolean; data: string }) => {
      const toId = opts.to ?? (await currentSnapshotId(opts.data));
      if (!toId) throw new SnapshotNotFoundError(`no snapshot published in ${opts.data} yet`);
      let fromId = opts.from;
      if (!fromId) {
        const ids = await listSnapshotIds(opts.data);
        const before = ids.filter((id) => id < toId);
        fromId = before[before.length - 1];
        if (!fromId) throw new SnapshotNotFoundError(`no snapshot before ${toId} to compare with; pass --from`);
      }
      const m = migrationMatrix(await loadSnapshot(opts.data, fromId), await loadSnapshot(opts.data, toId), opts.by);
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(m, null, 2)}\n`);
        return;
      }
      process.stdout.write(`customers by ${m.by}, from ${m.from} (rows) to ${m.to} (columns)\n\n`);
      process.stdout.write(`${formatTable([`${m.by}`, ...m.columns], m.rows.map((r, i) => [r, ...m.counts[i]!]))}\n\n`);
      process.stdout.write(`revenue between the two snapshots (revenue in ${m.to} minus revenue in ${m.from})\n\n`);
      process.stdout.write(`${formatTable([`${m.by}`, ...m.columns], m.rows.map((r, i) => [r, ...m.revenue[i]!.map((x) => Math.round(x))]))}\n\n`);
      process.stdout.write(`revenue of the last 365 days in ${m.to}\n\n`);
      process.stdout.write(`${formatTable([`${m.by}`, ...m.columns], m.rows.map((r, i) => [r, ...m.revenue_365d[i]!.map((x) => Math.round(x))]))}\n`);
    });
}
