/**
 * A full disk under the real `segstream serve` (DESIGN "Real-time path": never a 202 for bytes
 * not on disk). The data folder is a small tmpfs the test mounts (CI runs as root); where
 * mounting is impossible the test fails and says why, it does not skip.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import { appendFile, mkdir, readFile, rm, stat, truncate, } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readWal } from '../../engine/wal/read-wal.js';
import { listSegments, segmentName } from '../../engine/wal/write-ahead-log.js';
import { encodeRecord } from '../../engine/wal/wal-record.js';
import { type EventRow, baseCsv, cliRescore, counted, killAll, lookup, postEvents, runJob, serve, inputFolder, tempDirs } from './events-harness.js';

const dirs = tempDirs('segstream-disk-full-');
let mnt: string | null = null;
let inDir: string;
let input: string;
const base = baseCsv(20);

beforeAll(async () => {
  const made = await inputFolder(dirs, base);
  const dir = made.dir;
  ({ inDir, input } = made);
  const target = join(dir, 'mnt');
  await mkdir(target);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', target], { stdio: 'pipe' });
  } catch (error) {
    const why = String((error as { stderr?: Buffer }).stderr ?? (error as Error).message).trim();
    throw new Error(`disk-full needs a small tmpfs as its data folder and could not mount one at ${target} (run as root, or with CAP_SYS_ADMIN): ${why}`);
  }
  mnt = target;
});
afterAll(async () => {
  await killAll();
  if (mnt) execFileSync('umount', [mnt]);
  await dirs.cleanup();
});

/** Writes `path` until the device is full; its size. */
function fill(path: string): number {
  const chunk = Buffer.alloc(64 * 1024, 7);
  const fd = openSync(path, 'a');
  let size = 0;
  try {
    for (;;) size += writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
  return size;
}

function rows(tag: string, n: number): EventRow[] {
  return Array.from({ length: n }, (_, i) => ({
    customer_id: `${tag}-c${i % 5}`,
    ts: `2026-07-0${1 + (i % 9)}T10:00:00Z`,
    amount: 1 + (i % 40),
    event_id: `${tag}-${i}-${'x'.repeat(20)}`,
  }));
}

/** Orders and revenue of each customer of `acked`, as the rows say. */
function expectedOf(acked: readonly EventRow[]): Map<string, { orders: number; revenue: number }> {
  const m = new Map<string, { orders: number; revenue: number }>();
  for (const r of acked) {
    const e = m.get(String(r.customer_id)) ?? { orders: 0, revenue: 0 };
    e.orders++;
    e.revenue += r.amount;
    m.set(String(r.customer_id), e);
  }
  return m;
}

async function seenOf(url: string, ids: Iterable<string>): Promise<Map<string, { orders: number; revenue: number }>> {
  const m = new Map<string, { orders: number; revenue: number }>();
  for (const id of ids) {
    const c = await lookup(url, id);
    m.set(id, { orders: Number(c?.['orders']), revenue: Number(c?.['revenue']) });
  }
  return m;
}

describe('a full disk', () => {
  it('answers 503, never 202, for a write it cut short; a restart repairs the log and replays every acknowledged row; a rescore fails in one line and the live snapshot stays', async () => {
    const dataDir = join(mnt!, 'data');
    const made = await cliRescore(input, dataDir);
    expect(made.code, made.stderr).toBe(0);
    const live = await counted(dataDir);
    const walDir = join(dataDir, 'wal');
    const filler = join(mnt!, 'filler');

    let s = await serve(dataDir, ['--input-root', inDir]);
    const acked: EventRow[] = [];
    for (let k = 0; k < 4; k++) {
      const batch = rows(`ok${k}`, 50);
      const r = await postEvents(s.url, batch);
      expect(r.status).toBe(202);
      acked.push(...batch);
    }

    // Leave one page free: the next record (about 20 KB) is written in part, then the device is full.
    const size = fill(filler);
    await truncate(filler, size - 4096);
    const segment = join(walDir, segmentName((await listSegments(walDir)).at(-1)!));
    const before = (await stat(segment)).size;
    const cut = await postEvents(s.url, rows('cut', 400));
    expect([cut.status, cut.body['code']]).toEqual([503, 'SEG_ERR_WAL_WRITE']);
    expect(String(cut.body['message'])).not.toContain('\n');
    // The log is broken until a restart: even a small batch that would fit is refused.
    const after = await postEvents(s.url, rows('after', 1));
    expect([after.status, after.body['code']]).toEqual([503, 'SEG_ERR_WAL_WRITE']);
    // No torn record stays behind the acknowledged ones, and lookups go on.
    expect((await stat(segment)).size).toBe(before);
    expect(await seenOf(s.url, expectedOf(acked).keys())).toEqual(expectedOf(acked));

    // A rescore onto the full disk fails with one clear line and leaves the live snapshot.
    fill(filler);
    const failed = await cliRescore(input, dataDir);
    expect(failed.code).not.toBe(0);
    expect(failed.stderr.trim().split('\n')).toHaveLength(1);
    expect(failed.stderr).toMatch(/SEG_ERR_(SNAPSHOT_WRITE|OUTPUT_UNWRITABLE)/);
    expect((await readFile(join(dataDir, 'CURRENT'), 'utf8')).trim()).toBe(live.id);
    expect(await counted(dataDir)).toEqual(live);
    const job = await runJob(s.url, { input });
    expect(job.status).toBe('failed');
    expect(job.error?.code, job.error?.message).toMatch(/SEG_ERR_(SNAPSHOT_WRITE|OUTPUT_UNWRITABLE|WAL_WRITE)/);
    expect((await readFile(join(dataDir, 'CURRENT'), 'utf8')).trim()).toBe(live.id);

    // A crash mid-write leaves a torn tail; the restart cuts it off before appending.
    await s.kill();
    await rm(filler);
    const torn = join(walDir, segmentName((await listSegments(walDir)).at(-1)!));
    const good = (await stat(torn)).size;
    await appendFile(torn, encodeRecord({ length: 1, ids: ['torn'], ts: Float64Array.of(0), amount: Float64Array.of(1), margin: null }).subarray(0, 11));
    s = await serve(dataDir, ['--input-root', inDir]);
    expect((await stat(torn)).size).toBe(good);
    const more = rows('more', 30);
    expect((await postEvents(s.url, more)).status).toBe(202);
    acked.push(...more);
    await s.kill();
    s = await serve(dataDir, ['--input-root', inDir]);
    expect(await seenOf(s.url, expectedOf(acked).keys())).toEqual(expectedOf(acked));
    // Nothing of the refused batches was replayed, and the log reads to its end.
    let logged = 0;
    for await (const e of readWal(walDir, { onTorn: (seq, offset, reason) => expect.fail(`torn tail left in segment ${seq} at ${offset}: ${reason}`) })) logged += e.batch.length;
    expect(logged).toBe(acked.length);
    expect(await lookup(s.url, 'cut-c0')).toBeNull();

    // With room again, a rescore counts exactly the acknowledged rows.
    const ok = await runJob(s.url, { input });
    expect(ok.status, JSON.stringify(ok.error)).toBe('succeeded');
    expect(await counted(dataDir, ok.summary!.snapshot)).toMatchObject({ rows: { valid: base.rows + acked.length }, revenue: base.revenue + acked.reduce((t, r) => t + r.amount, 0) });
    expect(await s.stop()).toBe(0);
  }, 90_000);
});
