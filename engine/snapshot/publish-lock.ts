/**
 * `DATA/.publish.lock`: one publisher at a time per data folder. Publishing prunes what earlier
 * crashes left (`.tmp-*`, `.CURRENT-*`, folders newer than CURRENT); without the lock that would
 * delete the half-published snapshot of a rescore running at the same moment (a server job and a
 * CLI run on one folder). The file holds the holder's pid; a lock whose process is gone (killed)
 * is taken over, so a crash never wedges later runs.
 */
import { open, readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SnapshotWriteError } from '../errors.js';
import { outputError } from './output-error.js';

const LOCK_NAME = '.publish.lock';
/** How long to wait for another live publisher before giving up; a publish takes seconds. */
const WAIT_MS = 120_000;
const POLL_MS = 25;

function alive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function holder(path: string): Promise<number | null> {
  try {
    return Number.parseInt(await readFile(path, 'utf8'), 10);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

async function acquire(path: string): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    try {
      const fh = await open(path, 'wx');
      try {
        await fh.writeFile(`${process.pid}\n`);
      } finally {
        await fh.close();
      }
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw outputError(error, `the data folder ${dirname(path)}`, 'the live snapshot is unchanged');
    }
    const pid = await holder(path);
    // A half-written lock (NaN) is from a process killed between its create and its write.
    if (pid !== null && (Number.isNaN(pid) || !alive(pid))) {
      await rm(path, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new SnapshotWriteError(`another rescore (pid ${pid}) has been publishing to this data folder for ${WAIT_MS / 1000} s; if it is gone, remove ${path}`);
    }
    await sleep(POLL_MS);
  }
}

/** Runs `work` holding the publish lock of `dataDir` (which must exist). */
export async function withPublishLock<T>(dataDir: string, work: () => Promise<T>): Promise<T> {
  const path = join(dataDir, LOCK_NAME);
  await acquire(path);
  try {
    return await work();
  } finally {
    await rm(path, { force: true }).catch(() => {});
  }
}
