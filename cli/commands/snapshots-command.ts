import type { Command } from 'commander';
import { currentSnapshotId, listSnapshotIds, readManifest } from '../../engine/snapshot/snapshot-store.js';
import { formatTable } from '../format-table.js';
import { dataDirOption } from './data-dir.js';

/** `segstream snapshots`: the snapshots kept, the live one marked. */
export function snapshotsCommand(program: Command): void {
  program
    .command('snapshots')
    .description('list the snapshots kept in the data directory')
    .option('--json', 'print as JSON')
    .addOption(dataDirOption())
    .action(async (opts: { json?: boolean; data: string }) => {
      const current = await currentSnapshotId(opts.data);
      const rows = [];
      for (const id of await listSnapshotIds(opts.data)) {
        const m = await readManifest(opts.data, id);
        rows.push({ id, live: id === current, as_of: m.as_of, customers: m.customers, rows: m.rows.read, created_at: m.created_at });
      }
      if (opts.json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      else process.stdout.write(`${formatTable(['id', 'live', 'as_of', 'customers', 'rows'], rows.map((r) => [r.id, r.live ? '*' : '', r.as_of, r.customers, r.rows]))}\n`);
    });
}
