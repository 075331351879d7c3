/**
 * Snapshots on disk (DESIGN "Snapshots"):
 *
 *   DATA/CURRENT                      the id of the live snapshot (replaced by rename)
 *   DATA/snapshots/<id>/manifest.json
 *   DATA/snapshots/<id>/customers.arrow
 *   DATA/snapshots/<id>/rejects.ndjson
 *   DATA/snapshots/.tmp-<id>/         being written; never read
 *
 * A snapshot is written whole under a temporary name, fsynced, renamed into place, and only
 * then named in CURRENT, itself written to a temporary file and renamed. A crash at any moment
 * leaves CURRENT naming a complete snapshot. Ids sort in creation order.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Table } from 'apache-arrow';
import { SnapshotCorruptError, SnapshotNotFoundError, SnapshotWriteError } from '../errors.js';
import { decodeCustomers } from './customers-file.js';
import type { Manifest } from './manifest.js';

/** A snapshot read back from disk. */
export interface LoadedSnapshot {
  readonly id: string;
  readonly dir: string;
  readonly manifest: Manifest;
  readonly customers: Table;
}

/** Files a snapshot is made of, as bytes. */
export interface SnapshotFiles {
  readonly 'manifest.json': string;
  readonly 'customers.arrow': Uint8Array;
  readonly 'rejects.ndjson': string;
}

/** Test hook: called after the files are written, before anything is renamed. */
export type BeforePublishHook = (tmpDir: string) => void | Promise<void>;

/** A new snapshot id: UTC time to the millisecond plus a random suffix, sortable. */
export function newSnapshotId(now = new Date()): string {
  const t = now.toISOString().replace(/[-:]/g, '').replace('.', '');
  return `${t}-${randomBytes(2).toString('hex')}`;
}

function snapshotsDir(dataDir: string): string {
  return join(dataDir, 'snapshots');
}

async function writeDurably(path: string, contents: string | Uint8Array): Promise<void> {
  const fh = await open(path, 'w');
  try {
    await fh.writeFile(contents);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

async function syncDir(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Writes a snapshot and makes it live; returns its directory. Old ones beyond `keep` are removed. */
export async function publishSnapshot(dataDir: string, id: string, files: SnapshotFiles, keep: number, beforePublish?: BeforePublishHook): Promise<string> {
  const root = snapshotsDir(dataDir);
  const tmp = join(root, `.tmp-${id}`);
  const final = join(root, id);
  try {
    await mkdir(tmp, { recursive: true });
    for (const [name, contents] of Object.entries(files)) await writeDurably(join(tmp, name), contents);
    await beforePublish?.(tmp);
    await rename(tmp, final);
    await syncDir(root);
    const pointer = join(dataDir, `.CURRENT-${id}`);
    await writeDurably(pointer, `${id}\n`);
    await rename(pointer, join(dataDir, 'CURRENT'));
    await syncDir(dataDir);
  } catch (cause) {
    await rm(tmp, { recursive: true, force: true });
    throw new SnapshotWriteError(`could not publish snapshot ${id}: ${(cause as Error).message}; the previous snapshot stays live`, { cause });
  }
  await pruneSnapshots(dataDir, keep);
  return final;
}

/** The id named by CURRENT, or null when no snapshot is published. */
export async function currentSnapshotId(dataDir: string): Promise<string | null> {
  try {
    return (await readFile(join(dataDir, 'CURRENT'), 'utf8')).trim() || null;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/** Ids of the complete snapshots on disk, oldest first. */
export async function listSnapshotIds(dataDir: string): Promise<string[]> {
  try {
    const entries = await readdir(snapshotsDir(dataDir), { withFileTypes: true });
    return entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** Reads a snapshot's manifest; `id` defaults to the live one. */
export async function readManifest(dataDir: string, id?: string): Promise<Manifest> {
  const sid = await resolveId(dataDir, id);
  const path = join(snapshotsDir(dataDir), sid, 'manifest.json');
  try {
    return JSON.parse(await readFile(path, 'utf8')) as Manifest;
  } catch (cause) {
    throw new SnapshotCorruptError(`snapshot ${sid}: cannot read manifest.json: ${(cause as Error).message}`, { cause });
  }
}

/** Reads a whole snapshot; `id` defaults to the live one. */
export async function loadSnapshot(dataDir: string, id?: string): Promise<LoadedSnapshot> {
  const sid = await resolveId(dataDir, id);
  const dir = join(snapshotsDir(dataDir), sid);
  const manifest = await readManifest(dataDir, sid);
  let customers: Table;
  try {
    customers = decodeCustomers(await readFile(join(dir, 'customers.arrow')));
  } catch (cause) {
    throw new SnapshotCorruptError(`snapshot ${sid}: cannot read customers.arrow: ${(cause as Error).message}`, { cause });
  }
  return { id: sid, dir, manifest, customers };
}

async function resolveId(dataDir: string, id?: string): Promise<string> {
  if (id !== undefined) {
    if (!/^[\w.-]+$/.test(id) || id.startsWith('.')) throw new SnapshotNotFoundError(`no snapshot ${JSON.stringify(id)} in ${dataDir}`);
    try {
      await stat(join(snapshotsDir(dataDir), id, 'manifest.json'));
    } catch {
      throw new SnapshotNotFoundError(`no snapshot ${id} in ${dataDir} (have: ${(await listSnapshotIds(dataDir)).join(', ') || 'none'})`);
    }
    return id;
  }
  const current = await currentSnapshotId(dataDir);
  if (current === null) throw new SnapshotNotFoundError(`no snapshot published in ${dataDir} yet; run segstream rescore first`);
  return current;
}

/** Removes the oldest snapshots beyond `keep` (never the live one) and stale temporary folders. */
export async function pruneSnapshots(dataDir: string, keep: number): Promise<void> {
  const current = await currentSnapshotId(dataDir);
  const ids = await listSnapshotIds(dataDir);
  const doomed = ids.slice(0, Math.max(0, ids.length - keep)).filter((id) => id !== current);
  for (const id of doomed) await rm(join(snapshotsDir(dataDir), id), { recursive: true, force: true });
}
