import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LiveStore } from '../../../engine/live/live-store.js';
import { JOB_NICE, RescoreJobs } from '../../../engine/live/rescore-jobs.js';
import { rescore } from '../../../engine/rescore/rescore.js';

let dir: string;
const CSV = ['customer_id,ts,amount', ...Array.from({ length: 2000 }, (_, i) => `${1 + (i % 300)},2026-0${1 + (i % 6)}-1${i % 10}T10:00:00Z,${(i % 50) + 0.5}`)].join('\n');

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'segstream-jobs-'));
  await writeFile(join(dir, 'tx.csv'), `${CSV}\n`);
  await rescore({ input: join(dir, 'tx.csv'), dataDir: join(dir, 'data') });
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

/** Fields of /proc/PID/stat after the command name (field 3 onwards). */
async function statOf(path: string): Promise<string[]> {
  const stat = await readFile(path, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** Child processes of this process (Linux /proc). */
async function children(): Promise<number[]> {
  const out: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const fields = await statOf(`/proc/${name}/stat`).catch(() => null);
    if (fields && Number(fields[1]) === process.pid) out.push(Number(name));
  }
  return out;
}

describe('rescore jobs', () => {
  it('run in a child process whose every thread has the lowest priority, and publish a snapshot the store swaps to', async () => {
    const store = await LiveStore.open({ dataDir: join(dir, 'data') });
    const before = store.ready().snapshot.id;
    const jobs = new RescoreJobs(store);
    const seen = new Set(await children());
    const job = jobs.start({ input: join(dir, 'tx.csv') });
    // The nice value of each thread of the job's process (field 19 of /proc/PID/task/TID/stat).
    let nices: number[] = [];
    for (let i = 0; i < 200 && job.status === 'running' && nices.length === 0; i++) {
      for (const pid of await children()) {
        if (seen.has(pid)) continue;
        const tasks = await readdir(`/proc/${pid}/task`).catch(() => []);
        const values = await Promise.all(tasks.map((t) => statOf(`/proc/${pid}/task/${t}/stat`).then((f) => Number(f[16]), () => Number.NaN)));
        // The child lowers its threads as its first step: wait until it has, and until it runs more
        // than its first thread (a process caught just after the fork has one, at the server's nice 19).
        if (values.length > 1 && values.every((v) => v === JOB_NICE)) nices = values;
      }
      if (nices.length === 0) await new Promise((r) => setTimeout(r, 25));
    }
    await jobs.idle();
    expect(job.status, JSON.stringify(job.error)).toBe('succeeded');
    expect(JOB_NICE).toBe(19);
    expect(nices.length).toBeGreaterThan(1);
    expect(store.ready().snapshot.id).not.toBe(before);
    expect(store.ready().snapshot.id).toBe(job.summary!.snapshot);
    await store.close();
  });
});
