/**
 * Snapshots on disk (DESIGN "Snapshots"), read side:
 *
 *   DATA/CURRENT                      the id of the live snapshot (replaced by rename)
 *   DATA/snapshots/<id>/manifest.json
 *   DATA/snapshots/<id>/customers.arrow
 *   DATA/snapshots/<id>/rejects.ndjson
 *   DATA/snapshots/.tmp-<id>/         being written; never read
 *   DATA/snapshots/.stage-<name>.arrow  a customers.arrow written during the models' fit (staged-file.ts)
 *   DATA/refused/<id>/                a snapshot the publishing guard refused; never live
 *
 * snapshot-publisher.ts writes them: whole under a temporary name, fsynced, renamed into place,
 * and only then named in CURRENT. A crash at any moment leaves CURRENT naming a complete
 * snapshot. Ids sort in creation order.
 */
import { randomBytes } from 'node:crypto';
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Table } from 'apache-arrow';
import { SnapshotCorruptError, SnapshotNotFoundError } from '../errors.js';
import { decodeCustomers } from './customers-file.js';
import type { Manifest } from './manifest.js';

/** A snapshot read back from disk. */
export interface LoadedSnapshot {
  readonly id: string;
  readonly dir: string;
  readonly manifest: Manifest;
  readonly customers: Table;
}

/** A file written and fsynced already (staged-file.ts), moved into the snapshot by rename. */
export interface WrittenFile {
  readonly path: string;
}

/** Files a snapshot is made of, as bytes. */
export interface SnapshotFiles {
  readonly 'manifest.json': string;
  /** The Arrow file's bytes, whole or as the chunks the writer made (customers-file.ts `encodeCustomerChunks`), or written already. */
  readonly 'customers.arrow': Uint8Array | readonly Uint8Array[] | WrittenFile;
  readonly 'rejects.ndjson': string;
}

/** A new snapshot id: UTC time to the millisecond plus a random suffix, sortable. */
export function newSnapshotId(now = new Date()): string {
  const t = now.toISOString().replace(/[-:]/g, '').replace('.', '');
  return `${t}-${randomBytes(2).toString('hex')}`;
}

/** `DATA/snapshots`. */
export function snapshotsDir(dataDir: string): string {
  return join(dataDir, 'snapshots');
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
