import { cpSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../engine/config/load-config.js';
import { RescoreRefusedError, rescore } from '../../../engine/rescore/rescore.js';
import { exportSnapshot } from '../../../engine/snapshot/export-snapshot.js';
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

describe('publishing', () => {
  const dir = tempDir();
  const input = join(dir, 'tx.csv');
  writeFileSync(input, 'customer_id,ts,amount\n1,2026-01-01,10\n2,2026-01-02,20\n1,2026-01-05,5\n');

  it('removes the renamed snapshot and says the previous one stays live when CURRENT cannot be switched', async () => {
    const data = join(dir, 'late-failure');
    const first = await rescore({ input, dataDir: data });
    const failed = rescore({
      input,
      dataDir: data,
      // A folder where the new pointer file must go: its write fails after the snapshot folder is renamed into place.
      beforePublish: (tmp) => {
        mkdirSync(join(data, `.CURRENT-${basename(tmp).slice('.tmp-'.length)}`, 'x'), { recursive: true });
      },
    });
    await expect(failed).rejects.toMatchObject({ code: 'SEG_ERR_OUTPUT_UNWRITABLE', message: expect.stringMatching(new RegExp(`: it is a folder \\(EISDIR\\); snapshot ${first.snapshot} stays live$`)) });
    expect(await currentSnapshotId(data)).toBe(first.snapshot);
    expect(readdirSync(join(data, 'snapshots'))).toEqual([first.snapshot]);
    // The pointer folder could not be removed as a file; the next publish prunes it.
    const next = await rescore({ input, dataDir: data });
    expect(readdirSync(data).sort()).toEqual(['CURRENT', 'snapshots']);
    expect(await currentSnapshotId(data)).toBe(next.snapshot);
  });

  it('prunes what crashes left: .tmp- folders, .CURRENT- files, folders newer than CURRENT and a dead process lock', async () => {
    const data = join(dir, 'leftovers');
    const first = await rescore({ input, dataDir: data });
    const snapshots = join(data, 'snapshots');
    mkdirSync(join(snapshots, '.tmp-20991231T000000000Z-dead'));
    writeFileSync(join(snapshots, '.tmp-20991231T000000000Z-dead', 'customers.arrow'), 'partial');
    writeFileSync(join(data, '.CURRENT-20991231T000000000Z-dead'), '');
    cpSync(join(snapshots, first.snapshot), join(snapshots, '20991231T000000000Z-beef'), { recursive: true });
    // A lock left by a killed process (pid far above any live one).
    writeFileSync(join(data, '.publish.lock'), '2147483646\n');
    const next = await rescore({ input, dataDir: data });
    expect(readdirSync(data).sort()).toEqual(['CURRENT', 'snapshots']);
    expect(readdirSync(snapshots).sort()).toEqual([first.snapshot, next.snapshot]);
    expect(await currentSnapshotId(data)).toBe(next.snapshot);
  });

  it('serializes two publishes into one data folder: both go live in turn, nothing is left behind', async () => {
    const data = join(dir, 'concurrent');
    const [a, b] = await Promise.all([rescore({ input, dataDir: data }), rescore({ input, dataDir: data })]);
    expect(readdirSync(join(data, 'snapshots')).sort()).toEqual([a.snapshot, b.snapshot].sort());
    expect([a.snapshot, b.snapshot]).toContain(await currentSnapshotId(data));
    expect(readdirSync(data).sort()).toEqual(['CURRENT', 'snapshots']);
  });

  it('refuses a bad run with SEG_ERR_PUBLISH_REFUSED and its summary (what a server job reports), and publishes it with force', async () => {
    const data = join(dir, 'refused');
    const first = await rescore({ input, dataDir: data });
    const empty = join(dir, 'header.csv');
    writeFileSync(empty, 'customer_id,ts,amount\n');
    const refused = await rescore({ input: empty, dataDir: data }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RescoreRefusedError);
    const error = refused as RescoreRefusedError;
    expect(error.code).toBe('SEG_ERR_PUBLISH_REFUSED');
    expect(error.summary).toMatchObject({ published: false, customers: 0 });
    expect(error.summary.refused.map((c) => c.split(/[ :]/)[0])).toEqual(['no_valid_rows', 'min_customers', 'customer_drop']);
    expect(await currentSnapshotId(data)).toBe(first.snapshot);
    expect(readdirSync(join(data, 'refused'))).toEqual([error.summary.snapshot]);
    const forced = await rescore({ input: empty, dataDir: data, force: true });
    expect(forced).toMatchObject({ published: true, refused: [], forced: error.summary.refused.map(() => expect.any(String)) });
    expect(await currentSnapshotId(data)).toBe(forced.snapshot);
    expect((await loadSnapshot(data)).manifest.publish?.forced).toEqual(forced.forced);
  });

  it('publishes a run with a timestamp beyond the Date range as a bad row, and the snapshot exports', async () => {
    const data = join(dir, 'poison');
    const rows = Array.from({ length: 40 }, (_, i) => `${i % 7},2026-01-${String((i % 28) + 1).padStart(2, '0')},${i + 1}`);
    const poison = join(dir, 'poison.csv');
    writeFileSync(poison, `customer_id,ts,amount\n${rows.join('\n')}\n8,9000000000000000,5\n`);
    const s = await rescore({ input: poison, dataDir: data });
    expect(s.rejects).toEqual({ bad_ts: 1 });
    expect(s.as_of).toBe('2026-01-28T23:59:59.999Z');
    const out = join(dir, 'poison-export.ndjson');
    await exportSnapshot({ dataDir: data, format: 'ndjson', out });
    expect(readFileSync(out, 'utf8').trim().split('\n')).toHaveLength(7);
  });

  it('refuses an --as-of that is not a date within the Date range as an argument error', async () => {
    for (const asOf of ['275760-09-14', '2026-02-30', `2026-01-01${'x'.repeat(10_000)}`]) {
      const r = rescore({ input, dataDir: join(dir, 'as-of'), asOf });
      await expect(r).rejects.toMatchObject({ code: 'SEG_ERR_ARGUMENT' });
      await expect(r).rejects.toSatisfy((e: Error) => e.message.length < 200);
    }
  });
});
