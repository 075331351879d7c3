/**
 * The fold (DESIGN "An acknowledged event stays in the base"): events acknowledged by the real
 * `segstream serve`, then rescore jobs, a job with an earlier as_of, a CLI rescore while the
 * server runs, a retried event_id and a job whose input already carries the live purchases —
 * after each, every acknowledged row is counted exactly once (rows and revenue of the snapshot).
 */
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EventRow, baseCsv, cliRescore, counted, killAll, lookup, postEvents, runJob, serve, rescoredInput, tempDirs, waitFor } from './events-harness.js';

const dirs = tempDirs('segstream-fold-');
let inDir: string;
let dataDir: string;
let input: string;
const base = baseCsv(40);

beforeAll(async () => {
  ({ inDir, input, dataDir } = await rescoredInput(dirs, base));
});
afterAll(async () => {
  await killAll();
  await dirs.cleanup();
});

/** `n` rows tagged `tag`: half on base customers, half on the tag's own new customers, days from `day` on. */
function events(tag: string, n: number, month: string, firstDay: number): EventRow[] {
  return Array.from({ length: n }, (_, i) => ({
    customer_id: i % 2 === 0 ? 1 + (i % 40) : `${tag}-c${i % 10}`,
    ts: `2026-${month}-${String(firstDay + (i % 5)).padStart(2, '0')}T${String(8 + (i % 10)).padStart(2, '0')}:00:00Z`,
    amount: 1 + ((i * 13) % 97),
    event_id: `${tag}-${i}`,
  }));
}

const sum = (rows: readonly EventRow[]): number => rows.reduce((s, r) => s + r.amount, 0);

async function postAll(url: string, rows: readonly EventRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 25) {
    const r = await postEvents(url, rows.slice(i, i + 25));
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    expect(r.body['rejected']).toBe(0);
  }
}

describe('the fold', () => {
  it('counts every acknowledged row exactly once through jobs, an earlier as_of, a CLI rescore, a retry and superseded_by_input', async () => {
    const s = await serve(dataDir, ['--input-root', inDir]);
    const e1 = events('e1', 120, '07', 1);
    const e2 = events('e2', 80, '07', 15);
    const e3 = events('e3', 50, '08', 1);
    const e4 = events('e4', 40, '08', 20);

    await postAll(s.url, e1);
    const job1 = await runJob(s.url, { input });
    expect(job1.status, JSON.stringify(job1.error)).toBe('succeeded');
    expect(await counted(dataDir, job1.summary!.snapshot)).toMatchObject({ rows: { valid: base.rows + 120, future: 0 }, revenue: base.revenue + sum(e1) });
    // The folded segments moved to the archive; the log keeps only the segment written since.
    expect((await readdir(join(dataDir, 'events'))).filter((n) => n.endsWith('.arrow'))).toHaveLength(1);

    // The second job still counts e1, which lives on only in the archive (it was lost here before).
    await postAll(s.url, e2);
    const job2 = await runJob(s.url, { input });
    expect(job2.status, JSON.stringify(job2.error)).toBe('succeeded');
    expect(await counted(dataDir, job2.summary!.snapshot)).toMatchObject({ rows: { valid: base.rows + 200, future: 0 }, revenue: base.revenue + sum(e1) + sum(e2) });

    // An earlier as_of: e2 and e3 are future rows of this run, and stay in the archive for the next.
    await postAll(s.url, e3);
    const job3 = await runJob(s.url, { input, as_of: '2026-07-12' });
    expect(job3.status, JSON.stringify(job3.error)).toBe('succeeded');
    expect(await counted(dataDir, job3.summary!.snapshot)).toMatchObject({ rows: { valid: base.rows + 250, future: 130 }, revenue: base.revenue + sum(e1) });
    // The live state shows the archived rows the snapshot does not hold yet.
    const e3Only = e3.filter((r) => r.customer_id === 'e3-c1');
    expect(await lookup(s.url, 'e3-c1')).toMatchObject({ live: true, orders: e3Only.length, revenue: sum(e3Only) });

    // A CLI rescore while the server runs reads the archive (e1..e3), not the live log (e4).
    await postAll(s.url, e4);
    const cli = await cliRescore(input, dataDir, ['--workers', '2']);
    expect(cli.code, cli.stderr).toBe(0);
    expect(await counted(dataDir, cli.summary!.snapshot)).toMatchObject({ rows: { valid: base.rows + 250, future: 0 }, revenue: base.revenue + sum(e1) + sum(e2) + sum(e3) });
    // The server picks the CLI's snapshot up and keeps e4 on top of it, e1..e3 not twice.
    await waitFor(async () => (await lookup(s.url, 1))?.['snapshot'] === cli.summary!.snapshot, 10_000, 'the server to load the CLI snapshot');
    const e4Only = e4.filter((r) => r.customer_id === 'e4-c3');
    expect(await lookup(s.url, 'e4-c3')).toMatchObject({ live: true, revenue: sum(e4Only) });
    const e2Only = e2.filter((r) => r.customer_id === 'e2-c5');
    expect(await lookup(s.url, 'e2-c5')).toMatchObject({ live: false, revenue: sum(e2Only) });

    // A retry of rows already folded and archived is acknowledged and not counted again.
    const retry = await postEvents(s.url, e1.slice(0, 10));
    expect([retry.status, retry.body['accepted'], retry.body['duplicates']]).toEqual([202, 10, 10]);
    const job5 = await runJob(s.url, { input });
    expect(job5.status, JSON.stringify(job5.error)).toBe('succeeded');
    const all = sum(e1) + sum(e2) + sum(e3) + sum(e4);
    expect(await counted(dataDir, job5.summary!.snapshot)).toMatchObject({ rows: { valid: base.rows + 290, future: 0 }, revenue: base.revenue + all });

    // The nightly export carries e1 and e2 itself: the archived copies dated up to its latest row are dropped, e3 and e4 kept.
    const carried = [...e1, ...e2].map((r) => `${r.customer_id},${r.ts},${r.amount}`).join('\n');
    const input2 = join(inDir, 'tx-with-live.csv');
    await writeFile(input2, `${base.text}${carried}\n`);
    const config = join(inDir, 'superseded.json');
    await writeFile(config, JSON.stringify({ live_events: { superseded_by_input: true } }));
    const job6 = await runJob(s.url, { input: input2, config });
    expect(job6.status, JSON.stringify(job6.error)).toBe('succeeded');
    expect(await counted(dataDir, job6.summary!.snapshot)).toMatchObject({ rows: { valid: base.rows + 290, future: 0 }, revenue: base.revenue + all });
    expect(job6.summary!.warnings).toContain(`live_events.superseded_by_input: left out 200 live events dated at or before the input's latest row (the input carries them)`);
    expect(await s.stop()).toBe(0);

    // And a CLI rescore after the server is gone still counts them all once.
    const last = await cliRescore(input, dataDir);
    expect(last.code, last.stderr).toBe(0);
    expect(await counted(dataDir, last.summary!.snapshot)).toMatchObject({ rows: { valid: base.rows + 290 }, revenue: base.revenue + all });
  }, 120_000);
});
