/**
 * SIGKILL of the real `segstream rescore` at random moments (DESIGN "Snapshots": a crash at any
 * moment leaves CURRENT naming a complete snapshot). Half the kills are timed at random over a
 * run; the other half watch the data folder (inotify) and fire the moment the publish reaches a
 * step — the `.tmp-` folder appears, it is renamed into place, the `.CURRENT-` pointer appears —
 * so they land inside the publish window. After every kill CURRENT must name a snapshot that
 * exports; after the next successful run nothing may be left behind.
 *
 * Seeded: SEGSTREAM_TEST_SEED=<n> replays a run's choices (the seed is printed).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { type FSWatcher, mkdtempSync, readFileSync, rmSync, watch } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generate } from '../../engine/generate/index.js';
import { rescore } from '../../engine/rescore/rescore.js';
import { exportSnapshot } from '../../engine/snapshot/export-snapshot.js';
import { Prng } from '../../engine/generate/prng.js';
import { CLI, runCli } from '../helpers/cli.js';
import { leftovers, liveSnapshotOk } from './snapshot-checks.js';

const SEED = Number(process.env['SEGSTREAM_TEST_SEED'] ?? Math.floor(Math.random() * 2 ** 31));
const KILLS = 32;
const ROUNDS = 4;

type Trigger = 'random' | 'tmp' | 'renamed' | 'pointer';

const dir = mkdtempSync(join(tmpdir(), 'segstream-kill-'));
const children = new Set<ChildProcess>();
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** Runs one rescore and kills it at the trigger (or `delayMs` after the start); resolves how it ended. */
function rescoreUntil(input: string, data: string, trigger: Trigger, delayMs: number): Promise<{ killed: boolean; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'rescore', '--input', input, '--data', data, '--workers', '0', '--json'], { stdio: 'ignore' });
    children.add(child);
    const watchers: FSWatcher[] = [];
    let timer: NodeJS.Timeout | undefined;
    const kill = () => child.kill('SIGKILL');
    const matches = (folder: 'data' | 'snapshots', name: string) =>
      (trigger === 'tmp' && folder === 'snapshots' && name.startsWith('.tmp-')) ||
      (trigger === 'renamed' && folder === 'snapshots' && /^\d{8}T/.test(name) && name > current(data)) ||
      (trigger === 'pointer' && folder === 'data' && name.startsWith('.CURRENT-'));
    if (trigger === 'random') timer = setTimeout(kill, delayMs);
    else {
      watchers.push(watch(data, (_e, name) => name && matches('data', name) && kill()));
      watchers.push(watch(join(data, 'snapshots'), (_e, name) => name && matches('snapshots', name) && kill()));
    }
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      children.delete(child);
      clearTimeout(timer);
      for (const w of watchers) w.close();
      resolve({ killed: signal === 'SIGKILL', code });
    });
  });
}

function current(data: string): string {
  try {
    return readFileSync(join(data, 'CURRENT'), 'utf8').trim();
  } catch {
    return '';
  }
}

describe('SIGKILL of segstream rescore', () => {
  it(`leaves CURRENT complete and exportable after each of ${KILLS} kills, and nothing behind after the next run (seed printed)`, { timeout: 240_000 }, async () => {
    console.log(`kill-rescore seed ${SEED} (SEGSTREAM_TEST_SEED=${SEED} replays it)`);
    const rng = new Prng(SEED);
    const input = join(dir, 'tx.csv');
    // Big enough that the publish (customers.arrow of ~0.8 MB, every file and folder fsynced) is a window, small enough for 30+ runs.
    await generate({ customers: 12_000, transactions: 50_000, format: 'csv', seed: SEED % 1000, out: input });
    const data = join(dir, 'data');

    const started = performance.now();
    const first = await runCli(['rescore', '--input', input, '--data', data, '--workers', '0', '--json']);
    expect(first.code, first.stderr).toBe(0);
    const runMs = performance.now() - started;
    const customers = JSON.parse(first.stdout).customers as number;

    const outcomes: Record<string, number> = {};
    const note = (what: string) => (outcomes[what] = (outcomes[what] ?? 0) + 1);
    let kills = 0;
    let exports = 0;
    let lastExported = '';
    for (let round = 0; round < ROUNDS; round++) {
      for (let k = 0; k < KILLS / ROUNDS; ) {
        const before = current(data);
        const trigger: Trigger = rng.uniform() < 0.5 ? 'random' : (['tmp', 'renamed', 'pointer'] as const)[Math.floor(rng.uniform() * 3)]!;
        // Random kills skip the first tenth of a run (Node starting, the same moment every time) and
        // stop short of its end (the first run's time, measured cold, is at the long end).
        const delay = Math.round(runMs * (0.1 + 0.75 * rng.uniform()));
        const r = await rescoreUntil(input, data, trigger, delay);
        if (!r.killed) {
          expect(r.code).toBe(0);
          note('finished before the kill');
          continue;
        }
        k++;
        kills++;
        const left = leftovers(data);
        const after = current(data);
        note(
          after !== before ? `${trigger}: new snapshot already live` : left.some((l) => l.includes('.tmp-')) ? `${trigger}: left a .tmp- folder` : left.some((l) => l.includes('never live')) ? `${trigger}: left a never-live folder` : left.some((l) => l.startsWith('.CURRENT-')) ? `${trigger}: left a .CURRENT- file` : `${trigger}: left nothing`,
        );
        const live = await liveSnapshotOk(data);
        // Every snapshot CURRENT ever names goes through the real CLI once; the same export code runs in-process after every kill.
        if (live !== lastExported) {
          const out = await runCli(['export', '--data', data, '--format', 'csv', '--out', join(dir, 'live.csv')]);
          expect(out.code, out.stderr).toBe(0);
          expect(readFileSync(join(dir, 'live.csv'), 'utf8').trim().split('\n')).toHaveLength(customers + 1);
          lastExported = live;
          exports++;
        } else {
          const r2 = await exportSnapshot({ dataDir: data, format: 'ndjson', out: join(dir, 'live.ndjson') });
          expect(r2).toEqual({ snapshot: live, customers });
        }
      }
      // The next successful run (in-process: the same engine call the CLI makes, without another Node start).
      const done = await rescore({ input, dataDir: data });
      expect(leftovers(data)).toEqual([]);
      expect(current(data)).toBe(done.snapshot);
      await liveSnapshotOk(data);
    }
    console.log(`kill-rescore: ${kills} kills, ${exports} CLI exports of a new live snapshot; outcomes ${JSON.stringify(outcomes)}`);
    expect(kills).toBeGreaterThanOrEqual(30);
    // The watched kills must really have caught publishes in flight, or this test proves nothing about them.
    const inWindow = Object.entries(outcomes).filter(([k]) => /left a \.tmp-|never-live|\.CURRENT-/.test(k)).reduce((s, [, n]) => s + n, 0);
    expect(inWindow).toBeGreaterThanOrEqual(3);
  });
});
