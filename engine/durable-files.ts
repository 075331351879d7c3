/**
 * Files and folders that survive a crash or a power cut. A write is durable once the file is
 * fsynced; a new name (create, rename, mkdir) is durable only once the folder holding it is
 * fsynced too — without that, a rename can be lost after the file's bytes are safe.
 */
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

/**
 * Writes `contents` to `path` (created or truncated) and fsyncs it. Chunks are written one after
 * the other, so a file made of many buffers (an Arrow file's columns) is never joined in memory.
 */
export async function writeDurably(path: string, contents: string | Uint8Array | readonly Uint8Array[]): Promise<void> {
  const fh = await open(path, 'w');
  try {
    if (typeof contents === 'string' || contents instanceof Uint8Array) await fh.writeFile(contents);
    // writeFile after writes carries on from the current position, and loops over short writes.
    else for (const chunk of contents) await fh.writeFile(chunk);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Fsyncs a folder, so the names created, renamed or removed in it are on disk. */
export async function syncDir(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Creates `path` and its missing parents one by one, fsyncing the folder each was created in.
 * (Not `mkdir({ recursive: true })`: besides not saying which folders it made, it spins forever
 * under /proc on Node 20.)
 */
export async function mkdirDurably(path: string): Promise<void> {
  await (await mkdirStarted(path)).durable;
}

/**
 * Creates `path` and its missing parents one by one, like {@link mkdirDurably}, but returns once
 * they exist: `durable` settles when the folders they were created in are fsynced. A folder's
 * fsync waits for the file system's journal (a tenth of a second and more on a busy disk), so a
 * caller with other work to do first awaits `durable` later, before it relies on the names.
 */
export async function mkdirStarted(path: string): Promise<{ durable: Promise<void> }> {
  const missing: string[] = [];
  for (let dir = resolve(path); ; dir = dirname(dir)) {
    try {
      await stat(dir);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || dirname(dir) === dir) throw error;
      missing.push(dir);
    }
  }
  const made: string[] = [];
  for (const dir of missing.reverse()) {
    try {
      await mkdir(dir);
      made.push(dir);
    } catch (error) {
      // Another process made it meanwhile: its creator syncs the parent.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  const durable = (async () => {
    for (const dir of made) await syncDir(dirname(dir));
  })();
  // Awaited by the caller; until then a failure must not count as unhandled.
  durable.catch(() => {});
  return { durable };
}

/** Replaces `path` with `contents` atomically: a fsynced temporary file `tmpPath` renamed over it, then its folder fsynced. */
export async function replaceDurably(path: string, tmpPath: string, contents: string | Uint8Array | readonly Uint8Array[]): Promise<void> {
  try {
    await writeDurably(tmpPath, contents);
    await rename(tmpPath, path);
  } catch (error) {
    // The temporary file is litter either way; the first failure is the one to report.
    await rm(tmpPath, { force: true }).catch(() => {});
    throw error;
  }
  await syncDir(dirname(path));
}
