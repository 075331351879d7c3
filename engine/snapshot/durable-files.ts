/**
 * Files and folders that survive a crash or a power cut. A write is durable once the file is
 * fsynced; a new name (create, rename, mkdir) is durable only once the folder holding it is
 * fsynced too — without that, a rename can be lost after the file's bytes are safe.
 */
import { mkdir, open, rename } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

/** Writes `contents` to `path` (created or truncated) and fsyncs it. */
export async function writeDurably(path: string, contents: string | Uint8Array): Promise<void> {
  const fh = await open(path, 'w');
  try {
    await fh.writeFile(contents);
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

/** Creates `path` and its missing parents, fsyncing the parent of every folder it created. */
export async function mkdirDurably(path: string): Promise<void> {
  const first = await mkdir(path, { recursive: true });
  if (first === undefined) return;
  // Each created folder's name lives in its parent: sync from the deepest up to the first one's parent.
  const target = resolve(path);
  const top = dirname(resolve(first));
  for (let dir = target; ; dir = dirname(dir)) {
    await syncDir(dirname(dir));
    if (dirname(dir) === top || dirname(dir) === dir) break;
  }
}

/** Replaces `path` with `contents` atomically: a fsynced temporary file `tmpPath` renamed over it, then its folder fsynced. */
export async function replaceDurably(path: string, tmpPath: string, contents: string | Uint8Array): Promise<void> {
  await writeDurably(tmpPath, contents);
  await rename(tmpPath, path);
  await syncDir(dirname(path));
}
