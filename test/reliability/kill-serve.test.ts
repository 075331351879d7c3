/**
 * SIGKILL of the real `segstream serve` under four concurrent writers (DESIGN "Real-time path"):
 * the server is killed at random moments, some while a rescore job folds the log in, and
 * restarted; writers retry every batch that did not get its 202, with the same event_ids. At
 * the end every row that got a 202 is in the live state and in a rescore exactly once.
 *
 * Seeded: SEGSTREAM_SEED picks other kill moments.
 */
import { readdir, } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EventRow, type Served, baseCsv, counted, killAll, lookup, postEvents, runJob, serve, rescoredInput, tempDirs } from './events-harness.js';
import { mulberry32 as random } from '../helpers/random.js';

const SEED = Number(process.env['SEGSTREAM_SEED'] ?? 20261202);
const KILLS = 12;
const WRITERS = 4;
const ROWS_PER_BATCH = 10;
const CUSTOMERS_PER_WRITER = 7;

const dirs = tempDirs('segstream-kill-serve-');
let inDir: string;
let dataDir: string;
let input: string;
const base = baseCsv(30);

beforeAll(async () => {
  ({ inDir, input, dataDir } = await rescoredInput(dirs, base));
});
afterAll(async () => {
  await killAll();
  await dirs.cleanup();
});


/** Batch `b` of writer `w`: the same rows and event_ids every time it is sent. */
function batch(w: number, b: number): EventRow[] {
  return Array.from({ length: ROWS_PER_BATCH }, (_, i) => ({
    customer_id: `w${w}-c${(b * ROWS_PER_BATCH + i) % CUSTOMERS_PER_WRITER}`,
    ts: `2026-07-${String(1 + (b % 28)).padStart(2, '0')}T${String(i + 8).padStart(2, '0')}:00:00Z`,
    amount: 1 + ((b * 31 + i * 7 + w) % 50),
    event_id: `w${w}-b${b}-r${i}`,
  }));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('SIGKILL of segstream serve under concurrent writers', () => {
  it('keeps every row that got a 202 exactly once, and counts a retried event_id once', async () => {
    const rand = random(SEED);
    let server: Served | null = await serve(dataDir, ['--input-root', inDir]);
    let killing = true;
    const sent = new Array<number>(WRITERS).fill(0);
    let acknowledged = 0;
    let duplicates = 0;
    let refused = 0;
    const unexpected: string[] = [];

    const writer = async (w: number): Promise<void> => {
      // A batch that got no 202 is sent again until it does: it may be in the log already.
      for (let b = 0, retrying = false; killing || b < 20 || retrying; ) {
        const s = server;
        if (s === null) {
          await sleep(20);
          continue;
        }
        try {
          const r = await postEvents(s.url, batch(w, b));
          if (r.status === 202) {
            acknowledged += ROWS_PER_BATCH;
            duplicates += Number(r.body['duplicates'] ?? 0);
            b++;
            sent[w] = b;
            retrying = false;
            await sleep(5 + rand() * 20);
            continue;
          }
          unexpected.push(`${r.status} ${JSON.stringify(r.body).slice(0, 200)}`);
        } catch {
          // The server died under the request: no 202, so the batch is sent again.
        }
        refused++;
        retrying = true;
        await sleep(20);
      }
    };

    const killer = async (): Promise<number> => {
      let kills = 0;
      for (let k = 0; k < KILLS; k++) {
        // Some kills land while a job folds the log in: sealed, published, archived, trimmed.
        const job = k % 3 === 1;
        if (job) void fetch(`${server!.url}/v1/jobs/rescore`, { method: 'POST', headers: { authorization: 'Bearer reliability-secret', 'content-type': 'application/json' }, body: JSON.stringify({ input }) }).catch(() => undefined);
        // A job takes a second or two here: some are killed mid-fold, some finish and archive.
        await sleep(job ? 300 + rand() * 2500 : 100 + rand() * 600);
        const dying = server!;
        server = null;
        await dying.kill();
        kills++;
        server = await serve(dataDir, ['--input-root', inDir]);
      }
      killing = false;
      return kills;
    };

    const [kills] = await Promise.all([killer(), ...Array.from({ length: WRITERS }, (_, w) => writer(w))]);
    const s = server!;
    expect(unexpected).toEqual([]);
    expect(kills).toBeGreaterThanOrEqual(10);

    // Every batch 0..sent[w]-1 was acknowledged: each of its rows must be there once.
    const expected = new Map<string, { orders: number; revenue: number }>();
    let rows = 0;
    let revenue = 0;
    for (let w = 0; w < WRITERS; w++) {
      for (let b = 0; b < sent[w]!; b++) {
        for (const r of batch(w, b)) {
          const e = expected.get(String(r.customer_id)) ?? { orders: 0, revenue: 0 };
          e.orders++;
          e.revenue += r.amount;
          expected.set(String(r.customer_id), e);
          rows++;
          revenue += r.amount;
        }
      }
    }
    const seen = new Map<string, { orders: number; revenue: number }>();
    for (const id of expected.keys()) {
      const c = await lookup(s.url, id);
      seen.set(id, { orders: Number(c?.['orders']), revenue: Number(c?.['revenue']) });
    }
    expect(seen).toEqual(expected);

    const folds = (await readdir(join(dataDir, 'events')).catch(() => [])).filter((n) => n.endsWith('.arrow')).length;

    // Retried event_ids are acknowledged again and counted once.
    const again = await postEvents(s.url, batch(0, 0));
    expect([again.status, again.body['duplicates']]).toEqual([202, ROWS_PER_BATCH]);
    const job = await runJob(s.url, { input });
    expect(job.status, JSON.stringify(job.error)).toBe('succeeded');
    expect(await counted(dataDir, job.summary!.snapshot)).toMatchObject({ rows: { valid: base.rows + rows }, revenue: base.revenue + revenue });
    console.info(`kill-serve (seed ${SEED}): ${kills} kills, ${rows} rows acknowledged once (${acknowledged} acknowledgements, ${duplicates} duplicate rows of retries), ${refused} failed sends retried, ${folds} folds archived under the kills, lost: 0`);
    expect(await s.stop()).toBe(0);
  }, 120_000);
});
