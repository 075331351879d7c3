import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../engine/config/load-config.js';
import { rescore } from '../../../engine/rescore/rescore.js';
import { currentSnapshotId, listSnapshotIds, loadSnapshot } from '../../../engine/snapshot/snapshot-store.js';
import { tempDir } from '../read/fixtures.js';

describe('rescore', () => {
  const dir = tempDir();
  const input = join(dir, 'tx.csv');
  writeFileSync(input, 'customer_id,ts,amount\n1,2026-01-01,10\n2,2026-01-02,20\n1,2026-01-05,5\n');

  it('leaves CURRENT on the old, complete snapshot when the writer dies before publishing', async () => {
    const data = join(dir, 'crash');
    const first = await rescore({ input, dataDir: data });
    let tmpSeen = '';
    await expect(
      rescore({
        input,
        dataDir: data,
        beforePublish: (tmp) => {
          tmpSeen = tmp;
          // The new snapshot's files are complete on disk under the temporary name at this point.
          expect(readdirSync(tmp).sort()).toEqual(['customers.arrow', 'manifest.json', 'rejects.ndjson']);
          throw new Error('disk on fire');
        },
      }),
    ).rejects.toMatchObject({ code: 'SEG_ERR_SNAPSHOT_WRITE' });
    expect(tmpSeen).not.toBe('');
    expect(await currentSnapshotId(data)).toBe(first.snapshot);
    expect(await listSnapshotIds(data)).toEqual([first.snapshot]);
    expect(readdirSync(join(data, 'snapshots'))).toEqual([first.snapshot]);
    const live = await loadSnapshot(data);
    expect(live.customers.numRows).toBe(2);
  });

  it('keeps the last N snapshots and holds a tier through the grace band of the previous snapshot', async () => {
    const data = join(dir, 'keep');
    const config = parseConfig({ snapshots: { keep: 2 }, tiers: { levels: [{ name: 'basic', min_spend: 0 }, { name: 'vip', min_spend: 100 }], grace: 0.5 } });
    const a = join(dir, 'a.csv');
    writeFileSync(a, 'customer_id,ts,amount\n1,2025-01-01,120\n2,2025-01-01,5\n');
    const s1 = await rescore({ input: a, dataDir: data, config, asOf: '2025-01-20' });
    expect(s1.lifecycle['new']).toBe(2);
    expect(s1.tiers).toMatchObject({ basic: 1, vip: 1 });
    // A year on, customer 1 spent 60 in the window: below vip's 100 but above its grace line of 50.
    const b = join(dir, 'b.csv');
    writeFileSync(b, 'customer_id,ts,amount\n1,2025-01-01,120\n2,2025-01-01,5\n1,2025-12-20,60\n2,2026-01-25,5\n');
    const tierOf = async (dataDir: string, id: string, snapshot: string) => {
      const t = (await loadSnapshot(dataDir, snapshot)).customers;
      return t.getChild('tier')!.get([...t.getChild('customer_id')!].indexOf(id));
    };
    const s2 = await rescore({ input: b, dataDir: data, config, asOf: '2026-01-31' });
    expect(await tierOf(data, '1', s2.snapshot)).toBe('vip');
    const fresh = join(dir, 'fresh');
    const alone = await rescore({ input: b, dataDir: fresh, config, asOf: '2026-01-31' });
    expect(await tierOf(fresh, '1', alone.snapshot)).toBe('basic');
    const s3 = await rescore({ input: b, dataDir: data, config, asOf: '2026-01-31' });
    expect(await listSnapshotIds(data)).toEqual([s2.snapshot, s3.snapshot]);
    const manifest = JSON.parse(readFileSync(join(data, 'snapshots', s3.snapshot, 'manifest.json'), 'utf8'));
    expect(manifest.previous).toBe(s2.snapshot);
  });
});
