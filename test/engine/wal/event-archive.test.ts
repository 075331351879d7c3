import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { NO_ORDER } from '../../../engine/live/tx-batches.js';
import type { TxBatch } from '../../../engine/parse/parse-batch.js';
import { EventArchive, archiveFileName } from '../../../engine/wal/event-archive.js';
import type { WalEntry } from '../../../engine/wal/read-wal.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'segstream-archive-'));
  dirs.push(d);
  return d;
}

function entry(seq: number, ids: (number | string)[], extra: Partial<TxBatch> = {}): WalEntry {
  return {
    seq,
    batch: {
      length: ids.length,
      ids,
      ts: Float64Array.from(ids.map((_, i) => 1_780_000_000_000 + seq * 1000 + i)),
      amount: Float64Array.from(ids.map((_, i) => seq + i / 4)),
      margin: null,
      ...extra,
    },
  };
}

/** Every row of the archive; with `rows`, each file read in pieces of at most that many rows. */
async function readAll(archive: EventArchive, rows?: number): Promise<{ seq: number[]; ids: unknown[]; amount: number[]; margin: (number | null)[]; eventIds: (string | null)[] }> {
  const out = { seq: [] as number[], ids: [] as unknown[], amount: [] as number[], margin: [] as (number | null)[], eventIds: [] as (string | null)[] };
  const batches = async function* () {
    if (rows === undefined) yield* archive.read();
    else for (const file of archive.files) yield* EventArchive.readFile(file, rows);
  };
  for await (const { batch, seq } of batches()) {
    out.seq.push(...seq);
    out.ids.push(...batch.ids);
    out.amount.push(...batch.amount);
    for (let i = 0; i < batch.length; i++) {
      out.margin.push(batch.margin && !Number.isNaN(batch.margin[i]!) ? batch.margin[i]! : null);
      out.eventIds.push(batch.eventIds?.[i] ?? null);
    }
  }
  return out;
}

describe('EventArchive', () => {
  it('keeps the rows of folded segments, file by range, with their segment, ids, margins and event ids', async () => {
    const dir = join(await tempDir(), 'events');
    const archive = await EventArchive.open(dir);
    expect(archive.through).toBe(0);
    const entries = [
      entry(1, [42, '042']),
      entry(2, ['x'], { margin: Float64Array.of(3.5), eventIds: ['e-9'] }),
      entry(3, [7]),
    ];
    await archive.add(2, entries);
    expect(archive.through).toBe(2);
    // The next fold starts where the archive ends; segments already archived are not taken twice.
    await archive.add(3, entries);
    expect(await readdir(dir)).toEqual([archiveFileName(1, 2), archiveFileName(3, 3)]);
    const again = await EventArchive.open(dir);
    expect(again.through).toBe(3);
    expect(await readAll(again)).toEqual({
      seq: [1, 1, 2, 3],
      ids: [42, '042', 'x', 7],
      amount: [1, 1.25, 2, 3],
      margin: [null, null, 3.5, null],
      eventIds: [null, null, 'e-9', null],
    });
    // Read a row at a time (a server's swap reads in pieces): the same rows, margins and event ids.
    expect(await readAll(again, 1)).toEqual(await readAll(again));
  });

  it('keeps order ids, a line without one staying an order of its own, and reads files written before them', async () => {
    const dir = join(await tempDir(), 'events');
    const archive = await EventArchive.open(dir);
    await archive.add(2, [entry(1, [1, 2], { orderIds: [536365, '\u0000request#2'] }), entry(2, [3])]);
    const orders: unknown[] = [];
    for await (const { batch } of (await EventArchive.open(dir)).read()) orders.push(...(batch.orderIds ?? ['(none)']));
    expect(orders).toEqual([536365, NO_ORDER, NO_ORDER]);
    // A file without any order id reads back without orderIds, as files written before the column.
    await archive.add(3, [entry(3, [4])]);
    const last = (await EventArchive.open(dir)).files.at(-1)!;
    for await (const { batch } of EventArchive.readFile(last)) expect(batch.orderIds).toBeUndefined();
  });

  it('archives a fold of several record batches (yielding between them) and reads every row back in order', async () => {
    const dir = await tempDir();
    const archive = await EventArchive.open(dir, true);
    const rows = 50_000;
    const entries = Array.from({ length: 4 }, (_, s) => entry(s + 1, Array.from({ length: rows }, (_, i) => `C${s * rows + i}`)));
    const file = await archive.add(4, entries);
    const ids: string[] = [];
    const seqs = new Set<number>();
    for await (const { batch, seq } of EventArchive.readFile(file!)) {
      for (let i = 0; i < batch.length; i++) {
        ids.push(String(batch.ids[i]));
        seqs.add(seq[i]!);
      }
    }
    expect(ids.length).toBe(4 * rows);
    expect(ids[0]).toBe('C0');
    expect(ids[65_536]).toBe('C65536');
    expect(ids.at(-1)).toBe(`C${4 * rows - 1}`);
    expect([...seqs]).toEqual([1, 2, 3, 4]);
    // In pieces (a server's swap): the same rows in the same order, none longer than asked.
    const pieces: number[] = [];
    const again: string[] = [];
    for await (const { batch, seq } of EventArchive.readFile(file!, 1000)) {
      pieces.push(batch.length);
      expect(seq.length).toBe(batch.length);
      for (let i = 0; i < batch.length; i++) again.push(String(batch.ids[i]));
    }
    expect(again).toEqual(ids);
    expect(Math.max(...pieces)).toBe(1000);
    // Each record batch cut into pieces: more pieces than a cut of the whole file would make.
    expect(pieces.length).toBeGreaterThan((4 * rows) / 1000);
  });

  it('archives a fold without rows (a job while no event came) and reads it back empty', async () => {
    const dir = join(await tempDir(), 'events');
    await (await EventArchive.open(dir)).add(3, []);
    const again = await EventArchive.open(dir);
    expect(again.through).toBe(3);
    expect((await readAll(again)).seq).toEqual([]);
  });

  it('says which archive file is damaged instead of skipping its events', async () => {
    const dir = join(await tempDir(), 'events');
    await mkdir(dir);
    await writeFile(join(dir, archiveFileName(1, 1)), 'not arrow');
    await expect(readAll(await EventArchive.open(dir))).rejects.toMatchObject({ code: 'SEG_ERR_SNAPSHOT_CORRUPT' });
  });

  it('ignores and removes the temporary file a crash left mid-write', async () => {
    const dir = join(await tempDir(), 'events');
    await mkdir(dir);
    await writeFile(join(dir, `.tmp-${archiveFileName(1, 4)}`), 'half a file');
    expect((await EventArchive.open(dir)).through).toBe(0);
    await EventArchive.open(dir, true);
    expect(await readdir(dir)).toEqual([]);
  });
});
