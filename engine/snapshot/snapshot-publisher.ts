/**
 * Making a snapshot live, crash-safely (DESIGN "Snapshots"), and keeping a refused one aside
 * ("A bad run never goes live"). The order of a publish, and what a crash at each step leaves:
 *
 *   1. write DATA/snapshots/.tmp-<id>/*, fsync each file and the folder   → a .tmp- folder
 *   2. rename .tmp-<id> → <id>, fsync snapshots/                          → a folder newer than CURRENT
 *   3. write DATA/.CURRENT-<id>, fsync, rename over CURRENT, fsync DATA   → a .CURRENT- file, or live
 *
 * CURRENT always names a complete snapshot. Whatever a crash leaves (the right-hand column) is
 * never live and is pruned by the next publish or refusal, under the publish lock.
 */
import { constants } from 'node:fs';
import { access, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { mkdirDurably, mkdirStarted, replaceDurably, syncDir, writeDurably } from '../durable-files.js';
import { outputError } from './output-error.js';
import { STAGE_PREFIX } from './staged-file.js';
import { withPublishLock } from './publish-lock.js';
import { type SnapshotFiles, currentSnapshotId, listSnapshotIds, snapshotsDir } from './snapshot-store.js';

/** Age past which a staged file (staged-file.ts) is a crashed run's leftover. */
const STAGE_MAX_AGE_MS = 6 * 3_600_000;

/** Test hook: called after the files are written, before anything is renamed. */
export type BeforePublishHook = (tmpDir: string) => void | Promise<void>;

/** Refused snapshots kept under `DATA/refused/` for a look; older ones are removed. */
export const REFUSED_KEEP = 3;

/** `DATA/refused`: snapshots a rescore would not publish. */
export function refusedDir(dataDir: string): string {
  return join(dataDir, 'refused');
}

/** Creates the data folder and `snapshots/` (durably) or says in one line why it cannot. */
export async function prepareDataDir(dataDir: string): Promise<void> {
  await (await openDataDir(dataDir)).durable;
}

/**
 * {@link prepareDataDir} in two steps: returns once the folders exist and are writable (a run
 * fails on a bad data folder at its start), with `durable`, which settles when their new names
 * are fsynced — a rescore awaits it before it publishes, and reads meanwhile.
 */
export async function openDataDir(dataDir: string): Promise<{ durable: Promise<void> }> {
  try {
    const { durable } = await mkdirStarted(snapshotsDir(dataDir));
    // An existing folder on a read-only mount or without permission fails here, before any work.
    for (const dir of [dataDir, snapshotsDir(dataDir)]) await access(dir, constants.W_OK);
    const mapped = durable.catch((cause: unknown) => {
      throw outputError(cause, `the data folder ${dataDir}`);
    });
    // Awaited by the caller; until then a failure must not count as unhandled.
    mapped.catch(() => {});
    return { durable: mapped };
  } catch (cause) {
    throw outputError(cause, `the data folder ${dataDir}`);
  }
}

async function names(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/**
 * Removes what crashes left: `.tmp-*` folders, `.CURRENT-*` files, and complete snapshot folders
 * newer than the live one (renamed into place, never named by CURRENT). Ids sort in creation
 * order and CURRENT only moves forward, so a folder newer than CURRENT was never live.
 */
async function pruneLeftovers(dataDir: string): Promise<void> {
  const current = await currentSnapshotId(dataDir);
  for (const name of await names(dataDir)) if (name.startsWith('.CURRENT-')) await rm(join(dataDir, name), { recursive: true, force: true });
  for (const dir of [snapshotsDir(dataDir), refusedDir(dataDir)]) {
    for (const name of await names(dir)) if (name.startsWith('.tmp-')) await rm(join(dir, name), { recursive: true, force: true });
  }
  // A staged file is written outside the lock, while its run fits the models: only one older than
  // any run's fit is a crashed run's.
  const staging = snapshotsDir(dataDir);
  for (const name of await names(staging)) {
    if (!name.startsWith(STAGE_PREFIX)) continue;
    const path = join(staging, name);
    const age = await stat(path).then((s) => Date.now() - s.mtimeMs, () => 0);
    if (age > STAGE_MAX_AGE_MS) await rm(path, { force: true });
  }
  for (const id of await listSnapshotIds(dataDir)) {
    if (current === null || id > current) await rm(join(snapshotsDir(dataDir), id), { recursive: true, force: true });
  }
}

/** Removes the oldest snapshots beyond `keep`, never the live one. */
async function pruneOld(dataDir: string, keep: number): Promise<void> {
  const current = await currentSnapshotId(dataDir);
  const ids = await listSnapshotIds(dataDir);
  const doomed = ids.slice(0, Math.max(0, ids.length - keep)).filter((id) => id !== current);
  for (const id of doomed) await rm(join(snapshotsDir(dataDir), id), { recursive: true, force: true });
}

/** Writes every file of a snapshot into the new folder `dir`, fsynced; `hook` may add more before the folder is synced. */
async function writeFolder(dir: string, files: SnapshotFiles, hook?: BeforePublishHook): Promise<void> {
  await mkdirDurably(dir);
  for (const [name, contents] of Object.entries(files) as [string, SnapshotFiles[keyof SnapshotFiles]][]) {
    // A file written and fsynced already moves in; the folder's fsync below makes its new name durable.
    if (typeof contents === 'object' && 'path' in contents) await rename(contents.path, join(dir, name));
    else await writeDurably(join(dir, name), contents);
  }
  await hook?.(dir);
  await syncDir(dir);
}

/** Writes a snapshot and makes it live; returns its directory. Old ones beyond `keep` are removed. */
export async function publishSnapshot(dataDir: string, id: string, files: SnapshotFiles, keep: number, beforePublish?: BeforePublishHook): Promise<string> {
  await prepareDataDir(dataDir);
  const root = snapshotsDir(dataDir);
  const tmp = join(root, `.tmp-${id}`);
  const final = join(root, id);
  const pointer = join(dataDir, `.CURRENT-${id}`);
  return withPublishLock(dataDir, async () => {
    let previous: string | null = null;
    let renamed = false;
    try {
      previous = await currentSnapshotId(dataDir);
      await pruneLeftovers(dataDir);
      await writeFolder(tmp, files, beforePublish);
      await rename(tmp, final);
      renamed = true;
      await syncDir(root);
      await replaceDurably(join(dataDir, 'CURRENT'), pointer, `${id}\n`);
    } catch (cause) {
      // Tell the truth: past the rename of CURRENT the new snapshot is live even though a sync failed.
      const live = await currentSnapshotId(dataDir).catch(() => null);
      if (live === id) throw outputError(cause, `the data folder ${dataDir}`, `snapshot ${id} is live, but its publish may not be durable`);
      await rm(tmp, { recursive: true, force: true }).catch(() => {});
      if (renamed) await rm(final, { recursive: true, force: true }).catch(() => {});
      await rm(pointer, { force: true }).catch(() => {});
      throw outputError(cause, `snapshot ${id} to ${dataDir}`, previous ? `snapshot ${previous} stays live` : 'no snapshot is live');
    }
    // Pruning is housekeeping: the publish succeeded, and the next run retries what fails here.
    await pruneOld(dataDir, keep).catch(() => {});
    return final;
  });
}

/** Keeps a refused snapshot under `DATA/refused/<id>/` (the last {@link REFUSED_KEEP}); CURRENT is not touched. Returns its directory. */
export async function keepRefused(dataDir: string, id: string, files: SnapshotFiles): Promise<string> {
  await prepareDataDir(dataDir);
  const root = refusedDir(dataDir);
  const tmp = join(root, `.tmp-${id}`);
  const final = join(root, id);
  return withPublishLock(dataDir, async () => {
    try {
      await pruneLeftovers(dataDir);
      await writeFolder(tmp, files);
      await rename(tmp, final);
      await syncDir(root);
      const kept = (await names(root)).filter((n) => !n.startsWith('.')).sort();
      for (const old of kept.slice(0, Math.max(0, kept.length - REFUSED_KEEP))) await rm(join(root, old), { recursive: true, force: true });
    } catch (cause) {
      await rm(tmp, { recursive: true, force: true }).catch(() => {});
      throw outputError(cause, `the refused snapshot ${id} to ${root}`, 'the live snapshot is unchanged');
    }
    return final;
  });
}
