import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../engine/config/load-config.js';
import { rescore } from '../../../engine/rescore/rescore.js';
import { EventArchive } from '../../../engine/wal/event-archive.js';
import { FOLDED_MARKER } from '../../../engine/wal/folded-marker.js';

let dir: string;
let input: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'segstream-event-fold-'));
  input = join(dir, 'tx.csv');
  const rows = Array.from({ length: 20 }, (_, i) => `${i + 1},2026-05-${String(1 + i).padStart(2, '0')},${i + 10}`);
  await writeFile(input, `customer_id,ts,amount\n${rows.join('\n')}\n`);
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

/** A data folder whose archive holds one event dated inside the input's span and one after it. */
async function withArchive(name: string): Promise<string> {
  const dataDir = join(dir, name);
  const archive = await EventArchive.open(EventArchive.dirOf(dataDir));
  const at = (day: string) => Date.parse(`${day}T12:00:00Z`);
  await archive.add(2, [
    { seq: 1, batch: { length: 1, ids: [3], ts: Float64Array.of(at('2026-05-02')), amount: Float64Array.of(100), margin: null } },
    { seq: 2, batch: { length: 1, ids: ['new'], ts: Float64Array.of(at('2026-06-10')), amount: Float64Array.of(7), margin: null } },
  ]);
  return dataDir;
}

async function revenueOf(dataDir: string, id: string): Promise<number> {
  return (JSON.parse(await readFile(join(dataDir, 'snapshots', id, 'manifest.json'), 'utf8')) as { revenue: number }).revenue;
}

const inputRevenue = Array.from({ length: 20 }, (_, i) => i + 10).reduce((a, b) => a + b, 0);

describe.each([undefined, 2])('a rescore with workers %s', (workers) => {
  it('folds the archive in beside its input and marks the snapshot folded through it', async () => {
    const dataDir = await withArchive(`all-${workers}`);
    const s = await rescore({ input, dataDir, ...(workers ? { workers } : {}) });
    expect(s.rows.valid).toBe(22);
    expect(await revenueOf(dataDir, s.snapshot)).toBe(inputRevenue + 107);
    expect(JSON.parse(await readFile(join(dataDir, 'snapshots', s.snapshot, FOLDED_MARKER), 'utf8'))).toEqual({ folded_through: 2 });
  });

  it('drops the archived events the input already carries under superseded_by_input, and keeps the later ones', async () => {
    const dataDir = await withArchive(`superseded-${workers}`);
    const config = parseConfig({ live_events: { superseded_by_input: true } });
    const s = await rescore({ input, dataDir, config, ...(workers ? { workers } : {}) });
    expect(s.rows.valid).toBe(21);
    expect(await revenueOf(dataDir, s.snapshot)).toBe(inputRevenue + 7);
    expect(s.warnings).toContain(`live_events.superseded_by_input: left out 1 live events dated at or before the input's latest row (the input carries them)`);
  });
});
