import { appendFile, cp, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { LiveState } from '../../../engine/live/live-state.js';
import { LiveStore } from '../../../engine/live/live-store.js';
import type { TxBatch } from '../../../engine/parse/parse-batch.js';
import { rescore } from '../../../engine/rescore/rescore.js';
import { EventArchive } from '../../../engine/wal/event-archive.js';
import { FOLDED_MARKER, writeFoldedMarker } from '../../../engine/wal/folded-marker.js';
import { readWal, walBatches } from '../../../engine/wal/read-wal.js';
import { encodeRecord } from '../../../engine/wal/wal-record.js';
import { segmentName } from '../../../engine/wal/write-ahead-log.js';

let dir: string;
let input: string;
const foldOf = LiveState.prototype.fold;

// Customer N of the base bought once, for N + 9.
function purchase(id: string | number, day: string, amount: number, eventId?: string): TxBatch {
  return { length: 1, ids: [id], ts: Float64Array.of(Date.parse(day)), amount: Float64Array.of(amount), margin: null, ...(eventId ? { eventIds: [eventId] } : {}) };
}

async function manifestOf(dataDir: string, id: string): Promise<{ rows: { valid: number; future: number }; revenue: number }> {
  return JSON.parse(await readFile(join(dataDir, 'snapshots', id, 'manifest.json'), 'utf8'));
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

  it('skips the segments a snapshot folded in when the crash came between publish and archive, and archives them at open', async () => {
    const dataDir = await freshDataDir('crash');
    const before = { snapshot: (await readFile(join(dataDir, 'CURRENT'), 'utf8')).trim() };
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
    expect(b.archive.through).toBe(sealed);
    await b.close();
    // The next rescore (the CLI's) reads the archived purchase, once; customer 3's is still only in the live log.
    const next = await rescore({ input, dataDir });
    expect((await manifestOf(dataDir, next.snapshot)).revenue).toBe((await manifestOf(dataDir, before.snapshot)).revenue + 100);
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

  it('acknowledges a retried event_id again without logging or applying it twice, across a restart and after the archive', async () => {
    const dataDir = await freshDataDir('event-ids');
    const a = await LiveStore.open({ dataDir });
    expect(await a.ingest(purchase(5, '2026-06-01', 10, 'e-1'))).toMatchObject({ duplicates: 0, customers: 1 });
    expect(await a.ingest(purchase(5, '2026-06-01', 10, 'e-1'))).toMatchObject({ duplicates: 1, customers: 0 });
    // Two rows with one id in one batch: the second is the retry.
    const twice: TxBatch = { length: 2, ids: [5, 5], ts: Float64Array.of(Date.parse('2026-06-02'), Date.parse('2026-06-02')), amount: Float64Array.of(1, 1), margin: null, eventIds: ['e-2', 'e-2'] };
    expect(await a.ingest(twice)).toMatchObject({ duplicates: 1 });
    expect(a.ready().get('5')).toMatchObject({ revenue: 14 + 10 + 1 });
    await a.close();
    const b = await LiveStore.open({ dataDir });
    expect(await b.ingest(purchase(5, '2026-06-01', 10, 'e-1'))).toMatchObject({ duplicates: 1 });
    // Fold the log into a snapshot and the archive; the ids are known from the archive now.
    const sealed = await b.wal.rotate();
    const job = await rescore({ input, dataDir, wal: { dir: LiveStore.walDir(dataDir), through: sealed } });
    await b.install(job.snapshot, sealed);
    await b.close();
    const c = await LiveStore.open({ dataDir });
    expect(c.knownEventIds).toBe(2);
    expect(await c.ingest(purchase(5, '2026-06-02', 1, 'e-2'))).toMatchObject({ duplicates: 1 });
    expect(c.ready().get('5')).toMatchObject({ revenue: 14 + 10 + 1, live: false });
    let logged = 0;
    for await (const e of readWal(LiveStore.walDir(dataDir))) logged += e.batch.length;
    expect(logged).toBe(0);
    await c.close();
  });

  it('applies a row once when two requests carry its event_id at the same time', async () => {
    const dataDir = await freshDataDir('race');
    const store = await LiveStore.open({ dataDir });
    const results = await Promise.all([store.ingest(purchase('r', '2026-06-01', 7, 'same')), store.ingest(purchase('r', '2026-06-01', 7, 'same'))]);
    expect(results.map((r) => r.duplicates).sort()).toEqual([0, 1]);
    expect(store.ready().get('r')).toMatchObject({ revenue: 7, orders: 1 });
    await store.close();
  });

  it('moves folded segments to the archive on install, and every later rescore counts the archived rows once', async () => {
    const dataDir = await freshDataDir('fold');
    const baseRevenue = (await manifestOf(dataDir, (await readFile(join(dataDir, 'CURRENT'), 'utf8')).trim())).revenue;
    const store = await LiveStore.open({ dataDir });
    await store.ingest(purchase(6, '2026-06-01', 100));
    const sealed = await store.wal.rotate();
    await store.ingest(purchase(7, '2026-06-02', 40));
    const job = await rescore({ input, dataDir, wal: { dir: LiveStore.walDir(dataDir), through: sealed } });
    await store.install(job.snapshot, sealed);
    expect(store.archive.through).toBe(sealed);
    expect((await readdir(LiveStore.walDir(dataDir))).map((n) => Number.parseInt(n, 10))).toEqual([sealed + 1]);
    expect(store.ready().get('6')).toMatchObject({ live: false });
    expect(store.ready().get('7')).toMatchObject({ live: true });
    // A CLI rescore: the archive, not the live log; marked folded through the archive.
    const cli = await rescore({ input, dataDir, workers: 2 });
    expect((await manifestOf(dataDir, cli.snapshot)).revenue).toBe(baseRevenue + 100);
    expect(JSON.parse(await readFile(join(dataDir, 'snapshots', cli.snapshot, FOLDED_MARKER), 'utf8'))).toEqual({ folded_through: sealed });
    expect(await store.reloadIfChanged()).toBe(true);
    expect(store.ready().get('7')).toMatchObject({ live: true, revenue: 16 + 40 });
    // An earlier as_of: the archived purchase is a future row, shown live, and counted by the next run.
    const early = await rescore({ input, dataDir, asOf: '2026-05-31' });
    expect((await manifestOf(dataDir, early.snapshot)).rows.future).toBe(1);
    await store.reloadIfChanged();
    expect(store.ready().get('6')).toMatchObject({ live: true, revenue: 15 + 100 });
    const later = await rescore({ input, dataDir });
    expect((await manifestOf(dataDir, later.snapshot)).revenue).toBe(baseRevenue + 100);
    await store.close();
  });

  it('counts rows once when the crash came after the archive was written and before the log was trimmed', async () => {
    const dataDir = await freshDataDir('untrimmed');
    const baseRevenue = (await manifestOf(dataDir, (await readFile(join(dataDir, 'CURRENT'), 'utf8')).trim())).revenue;
    const a = await LiveStore.open({ dataDir });
    await a.ingest(purchase(8, '2026-06-01', 30));
    const sealed = await a.wal.rotate();
    await a.close();
    const entries = [];
    for await (const e of readWal(LiveStore.walDir(dataDir), { through: sealed })) entries.push(e);
    await (await EventArchive.open(EventArchive.dirOf(dataDir))).add(sealed, entries);
    const r = await rescore({ input, dataDir });
    expect((await manifestOf(dataDir, r.snapshot)).revenue).toBe(baseRevenue + 30);
    const b = await LiveStore.open({ dataDir });
    expect(b.ready().get('8')).toMatchObject({ revenue: 17 + 30, live: false });
    expect((await readdir(LiveStore.walDir(dataDir))).some((n) => n === segmentName(sealed))).toBe(false);
    await b.close();
  });

  it('starts with an empty marker file and shows every row once', async () => {
    const dataDir = await freshDataDir('empty-marker');
    const a = await LiveStore.open({ dataDir });
    await a.ingest(purchase(9, '2026-06-01', 5));
    await a.close();
    const id = (await readFile(join(dataDir, 'CURRENT'), 'utf8')).trim();
    await writeFile(join(dataDir, 'snapshots', id, FOLDED_MARKER), '');
    const b = await LiveStore.open({ dataDir });
    expect(b.ready().get('9')).toMatchObject({ revenue: 18 + 5, live: true });
    await b.close();
  });

  it('cuts a torn tail off at open, so appends after it are read back after the next restart', async () => {
    const dataDir = await freshDataDir('torn');
    const a = await LiveStore.open({ dataDir });
    await a.ingest(purchase(10, '2026-06-01', 1));
    const seq = a.wal.currentSeq;
    await a.close();
    const path = join(LiveStore.walDir(dataDir), segmentName(seq));
    const good = (await stat(path)).size;
    await appendFile(path, encodeRecord(purchase(10, '2026-06-01', 1000)).subarray(0, 9));
    const torn: number[] = [];
    const b = await LiveStore.open({ dataDir, hooks: { onTorn: (_s, offset) => torn.push(offset) } });
    expect(torn).toEqual([good]);
    expect((await stat(path)).size).toBe(good);
    await b.ingest(purchase(10, '2026-06-02', 2));
    await b.close();
    const c = await LiveStore.open({ dataDir });
    expect(c.ready().get('10')).toMatchObject({ revenue: 19 + 1 + 2 });
    await c.close();
  });

  it('re-applies the log to a new snapshot in slices that let requests in, and counts a purchase ingested meanwhile once', async () => {
    const dataDir = await freshDataDir('slices');
    const store = await LiveStore.open({ dataDir });
    // 40 requests of 6,000 rows (customers 1..30, one cent each): more than one slice of re-apply.
    const rows = 6000;
    const many = (k: number): TxBatch => ({
      length: rows,
      ids: Array.from({ length: rows }, (_, i) => 1 + ((k * rows + i) % 30)),
      ts: new Float64Array(rows).fill(Date.parse('2026-06-01')),
      amount: new Float64Array(rows).fill(0.01),
      margin: null,
    });
    for (let k = 0; k < 40; k++) await store.ingest(many(k));
    const before = store.ready();
    const perCustomer = (40 * rows) / 30;
    expect(before.get('3')).toMatchObject({ revenue: 12 + perCustomer * 0.01 });
    // A CLI rescore folds nothing of the live log: the swap re-applies all of it.
    const cli = await rescore({ input, dataDir });
    // Rows folded into the new state so far, seen from the turns of the event loop in between.
    let reapplied = 0;
    const spy = vi.spyOn(LiveState.prototype, 'fold').mockImplementation(function (this: LiveState, batch: TxBatch) {
      if (this !== before) reapplied += batch.length;
      return foldOf.call(this, batch);
    });
    const swap = store.install(cli.snapshot);
    // Requests run while the re-apply is under way: they see the old state, with every row.
    let turns = 0;
    let ingest: Promise<unknown> | null = null;
    const partway: number[] = [];
    const during = (async () => {
      while (store.ready().snapshot.id !== cli.snapshot) {
        turns++;
        if (reapplied > 0) partway.push(reapplied);
        expect(store.ready()).toBe(before);
        // Posted while the swap runs and not awaited here: its log write (an fsync, slow on a busy
        // machine) must not keep this loop from seeing the turns of the re-apply.
        ingest ??= store.ingest(purchase(3, '2026-06-02', 1000));
        await new Promise((r) => setImmediate(r));
      }
    })();
    await swap;
    await during;
    await ingest;
    spy.mockRestore();
    expect(turns).toBeGreaterThan(1);
    expect(ingest).not.toBeNull();
    // Requests were answered after part of the log was re-applied and before all of it was.
    expect(partway.length).toBeGreaterThan(1);
    expect(Math.min(...partway)).toBeLessThan(40 * rows);
    // The new state holds the base, every logged row once, and the purchase ingested during the swap once.
    expect(store.ready().get('3')).toMatchObject({ revenue: 12 + perCustomer * 0.01 + 1000, orders: 1 + perCustomer + 1, live: true });
    expect(store.ready().get('4')).toMatchObject({ revenue: 13 + perCustomer * 0.01, orders: 1 + perCustomer });
    await store.close();
    // And so does a restart, from the log.
    const again = await LiveStore.open({ dataDir });
    expect(again.ready().get('3')).toMatchObject({ revenue: 12 + perCustomer * 0.01 + 1000, orders: 1 + perCustomer + 1 });
    await again.close();
  });

  it('makes a new snapshot live with every re-applied customer derived, so no lookup after the swap derives one', async () => {
    const dataDir = await freshDataDir('derived-whole');
    const store = await LiveStore.open({ dataDir });
    const rows = 3000;
    for (let k = 0; k < 10; k++) {
      await store.ingest({
        length: rows,
        ids: Array.from({ length: rows }, (_, i) => (i % 2 === 0 ? 1 + (i % 30) : `new-${k}-${i}`)),
        ts: new Float64Array(rows).fill(Date.parse('2026-06-01')),
        amount: new Float64Array(rows).fill(0.5),
        margin: null,
      });
    }
    const cli = await rescore({ input, dataDir });
    const live = await store.install(cli.snapshot);
    // Checked in the step the swap resolves in: nothing is left for a background slice or a lookup to derive.
    expect(live.overlay.stale).toBe(false);
    // The even rows go to the base's odd customers (15 of them), the odd rows to new ones.
    expect(live.liveCustomers).toBe(15 + 10 * (rows / 2));
    expect(live.get('new-9-1')).toMatchObject({ revenue: 0.5, orders: 1, live: true });
    expect(live.get('3')).toMatchObject({ revenue: 12 + 10 * (rows / 30) * 0.5, orders: 1 + 10 * (rows / 30), live: true });
    expect(live.get('2')).toMatchObject({ revenue: 11, live: false });
    await store.close();
  });

  it("answers every lookup during a job's swap from one whole state, old or new, with every acknowledged row", async () => {
    const dataDir = await freshDataDir('job-swap');
    const store = await LiveStore.open({ dataDir });
    const rows = 6000;
    const many = (k: number, day: string): TxBatch => ({
      length: rows,
      ids: Array.from({ length: rows }, (_, i) => 1 + ((k * rows + i) % 30)),
      ts: new Float64Array(rows).fill(Date.parse(day)),
      amount: new Float64Array(rows).fill(0.01),
      margin: null,
    });
    // Before the job: rows it folds in, and rows dated after its as_of, which it leaves out (the
    // swap archives both, then re-applies the later ones from the archive); during the job: more, in the log.
    for (let k = 0; k < 10; k++) await store.ingest(many(k, '2026-05-20'));
    for (let k = 0; k < 10; k++) await store.ingest(many(k, '2026-07-01'));
    const sealed = await store.wal.rotate();
    for (let k = 0; k < 10; k++) await store.ingest(many(k, '2026-07-02'));
    const job = await rescore({ input, dataDir, wal: { dir: LiveStore.walDir(dataDir), through: sealed } });
    const before = store.ready();
    const ids = ['1', '15', '30'];
    const totals = new Map(ids.map((id) => [id, { revenue: before.get(id)!['revenue'], orders: before.get(id)!['orders'] }]));
    expect(totals.get('15')).toEqual({ revenue: 24 + 60, orders: 1 + 3 * 2000 });
    const swap = store.install(job.snapshot, sealed);
    let swapped = false;
    void swap.then(() => (swapped = true));
    let turns = 0;
    const snapshots = new Set<unknown>();
    // A purchase posted at the third turn, not awaited in the loop (its fsync may outlast the swap):
    // until it is acknowledged customer 15 shows it or not yet, once acknowledged always.
    const withPurchase = { revenue: 24 + 60 + 1000, orders: 1 + 3 * 2000 + 1 };
    let posted: Promise<unknown> | null = null;
    let acknowledged = false;
    while (!swapped) {
      // Every turn while the swap runs: each customer shows every row, from one snapshot.
      const state = store.ready();
      for (const id of ids) {
        const view = state.get(id)!;
        snapshots.add(view['snapshot']);
        const shown = { revenue: view['revenue'], orders: view['orders'] };
        if (id === '15' && !acknowledged && shown.orders === withPurchase.orders) expect(shown).toEqual(withPurchase);
        else expect(shown).toEqual(id === '15' && acknowledged ? withPurchase : totals.get(id));
      }
      if (++turns === 3) posted = store.ingest(purchase(15, '2026-07-03', 1000)).then(() => (acknowledged = true));
      await new Promise((r) => setImmediate(r));
    }
    await swap;
    await posted;
    totals.set('15', withPurchase);
    // Sliced: lookups were answered between the steps of the swap, all of them by the old state.
    expect(turns).toBeGreaterThan(10);
    expect([...snapshots]).toEqual([before.snapshot.id]);
    const after = store.ready();
    expect(after.snapshot.id).toBe(job.snapshot);
    expect(store.archive.through).toBe(sealed);
    for (const id of ids) expect({ revenue: after.get(id)!['revenue'], orders: after.get(id)!['orders'], live: after.get(id)!['live'] }).toEqual({ ...totals.get(id), live: true });
    await store.close();
    // A restart reads the same from the new snapshot, the archive and the log.
    const again = await LiveStore.open({ dataDir });
    for (const id of ids) expect({ revenue: again.ready().get(id)!['revenue'], orders: again.ready().get(id)!['orders'] }).toEqual(totals.get(id));
    await again.close();
  });

  it('refuses a row the live state cannot hold before it reaches the log', async () => {
    const dataDir = await freshDataDir('poison');
    const store = await LiveStore.open({ dataDir });
    const poison: TxBatch = { length: 1, ids: [11], ts: Float64Array.of(9e15), amount: Float64Array.of(1), margin: null };
    await expect(store.ingest(poison)).rejects.toMatchObject({ code: 'SEG_ERR_BAD_REQUEST' });
    let logged = 0;
    for await (const e of readWal(LiveStore.walDir(dataDir))) logged += e.batch.length;
    expect(logged).toBe(0);
    await store.close();
  });
});
