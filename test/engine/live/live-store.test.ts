import { cp, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LiveStore } from '../../../engine/live/live-store.js';
import type { TxBatch } from '../../../engine/parse/parse-batch.js';
import { rescore } from '../../../engine/rescore/rescore.js';
import { writeFoldedMarker } from '../../../engine/wal/folded-marker.js';
import { walBatches } from '../../../engine/wal/read-wal.js';

let dir: string;
let input: string;

function purchase(id: string | number, day: string, amount: number): TxBatch {
  return { length: 1, ids: [id], ts: Float64Array.of(Date.parse(day)), amount: Float64Array.of(amount), margin: null };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'segstream-store-'));
  input = join(dir, 'tx.csv');
  const rows = Array.from({ length: 30 }, (_, i) => `${i + 1},2026-05-${String(1 + (i % 28)).padStart(2, '0')},${i + 10}`);
  await writeFile(input, `customer_id,ts,amount\n${rows.join('\n')}\n`);
  await rescore({ input, dataDir: join(dir, 'base') });
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

async function freshDataDir(name: string): Promise<string> {
  const d = join(dir, name);
  await cp(join(dir, 'base'), d, { recursive: true });
  return d;
}

describe('LiveStore', () => {
  it('replays the log at open, so a restart shows every accepted purchase', async () => {
    const dataDir = await freshDataDir('replay');
    const a = await LiveStore.open({ dataDir });
    await a.ingest(purchase(1, '2026-06-01', 5));
    await a.ingest(purchase('x', '2026-06-02', 6));
    await a.close();
    const b = await LiveStore.open({ dataDir });
    expect(b.ready().get('1')).toMatchObject({ revenue: 15, orders: 2, live: true });
    expect(b.ready().get('x')).toMatchObject({ revenue: 6, live: true });
    await b.close();
  });

  it('skips the segments a snapshot folded in when the crash came between publish and trim', async () => {
    const dataDir = await freshDataDir('crash');
    const a = await LiveStore.open({ dataDir });
    await a.ingest(purchase(2, '2026-06-01', 100));
    const sealed = await a.wal.rotate();
    await a.ingest(purchase(3, '2026-06-01', 50));
    await a.close();
    // The rescore publishes a snapshot that folded segment `sealed` in; the process dies before trimming.
    await rescore({
      input,
      dataDir,
      extra: walBatches(LiveStore.walDir(dataDir), { through: sealed }),
      beforePublish: (tmp) => writeFoldedMarker(tmp, sealed),
    });
    const b = await LiveStore.open({ dataDir });
    expect(b.ready().get('2')).toMatchObject({ revenue: 111, live: false });
    expect(b.ready().get('3')).toMatchObject({ revenue: 62, live: true });
    expect((await readdir(LiveStore.walDir(dataDir))).some((n) => n.startsWith(String(sealed).padStart(12, '0')))).toBe(false);
    await b.close();
  });

  it('picks up a snapshot published from outside and keeps the live events on top of it', async () => {
    const dataDir = await freshDataDir('outside');
    const store = await LiveStore.open({ dataDir });
    await store.ingest(purchase(4, '2026-06-03', 1000));
    const before = store.ready().snapshot.id;
    expect(await store.reloadIfChanged()).toBe(false);
    await rescore({ input, dataDir });
    expect(await store.reloadIfChanged()).toBe(true);
    expect(store.ready().snapshot.id).not.toBe(before);
    expect(store.ready().get('4')).toMatchObject({ revenue: 1013, live: true });
    await store.close();
  });
});
