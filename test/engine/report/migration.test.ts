import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrationMatrix } from '../../../engine/report/migration.js';
import { rescore } from '../../../engine/rescore/rescore.js';
import { type LoadedSnapshot, listSnapshotIds, loadSnapshot } from '../../../engine/snapshot/snapshot-store.js';

const dir = mkdtempSync(join(tmpdir(), 'segstream-migration-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A hand-made pair. As of 2024-06-30: A bronze (100), B gold (3000), C platinum (12000), E bronze (50).
// As of 2024-12-31, from an export that no longer carries E: A spent 2500 more (gold), B nothing
// (still gold), C returned 11000 (1000 in the year: below platinum's grace line, silver), D is new (600, silver).
const EARLY = ['customer_id,ts,amount', 'A,2024-06-01,100', 'B,2024-06-10,3000', 'C,2024-06-15,12000', 'E,2024-06-20,50'];
const LATE = ['customer_id,ts,amount', 'A,2024-06-01,100', 'B,2024-06-10,3000', 'C,2024-06-15,12000', 'A,2024-09-01,2500', 'C,2024-10-01,-11000', 'D,2024-11-01,600'];

let from: LoadedSnapshot;
let to: LoadedSnapshot;

beforeAll(async () => {
  const data = join(dir, 'data');
  writeFileSync(join(dir, 'early.csv'), EARLY.join('\n'));
  writeFileSync(join(dir, 'late.csv'), LATE.join('\n'));
  await rescore({ input: join(dir, 'early.csv'), dataDir: data, asOf: '2024-06-30' });
  await rescore({ input: join(dir, 'late.csv'), dataDir: data, asOf: '2024-12-31', force: true });
  const [a, b] = await listSnapshotIds(data);
  from = await loadSnapshot(data, a);
  to = await loadSnapshot(data, b);
});

describe('migration between two snapshots', () => {
  it('orders tiers by level, (absent) last, and sums the revenue made between the snapshots', () => {
    const m = migrationMatrix(from, to, 'tier');
    expect(m.rows).toEqual(['bronze', 'gold', 'platinum', '(absent)']);
    expect(m.columns).toEqual(['silver', 'gold', '(absent)']);
    expect(m.counts).toEqual([
      [0, 1, 1], // A bronze -> gold, E bronze -> gone
      [0, 1, 0], // B stays gold
      [1, 0, 0], // C platinum -> silver
      [1, 0, 0], // D new, silver
    ]);
    expect(m.revenue).toEqual([
      [0, 2500, 0],
      [0, 0, 0],
      [-11000, 0, 0],
      [600, 0, 0],
    ]);
    expect(m.revenue_365d).toEqual([
      [0, 2600, 0],
      [0, 3000, 0],
      [1000, 0, 0],
      [600, 0, 0],
    ]);
  });

  it('orders lifecycle stages as DESIGN lists them', () => {
    const m = migrationMatrix(from, to, 'lifecycle');
    // Early: all four are new. Late: A at_risk (121 days), B and C lapsed (204, 199 days), D active (60 days).
    expect(m.rows).toEqual(['new', '(absent)']);
    expect(m.columns).toEqual(['active', 'at_risk', 'lapsed', '(absent)']);
    expect(m.counts).toEqual([
      [0, 1, 2, 1],
      [1, 0, 0, 0],
    ]);
  });

  it('orders segments by the rules and bands by number', () => {
    const rules = ['champions', 'cant_lose', 'at_risk', 'loyal', 'new', 'promising', 'potential_loyalist', 'need_attention', 'about_to_sleep', 'hibernating', 'lost', 'other', 'no_purchases', '(absent)'];
    const s = migrationMatrix(from, to, 'segment');
    for (const labels of [s.rows, s.columns]) expect(labels).toEqual(rules.filter((r) => labels.includes(r)));
    const b = migrationMatrix(from, to, 'spend_band');
    for (const labels of [b.rows, b.columns]) expect(labels).toEqual([...labels].sort((x, y) => (x === '(absent)' ? 1 : y === '(absent)' ? -1 : Number(x) - Number(y))));
    expect(s.counts.flat().reduce((x, y) => x + y, 0)).toBe(5);
  });
});
