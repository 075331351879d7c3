/** What the reliability tests check of a data folder: the live snapshot is whole, nothing else is left behind. */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { loadSnapshot } from '../../engine/snapshot/snapshot-store.js';

/** CURRENT names a snapshot whose manifest parses and whose customers.arrow decodes to the manifest's customer count. Returns its id. */
export async function liveSnapshotOk(data: string): Promise<string> {
  const id = readFileSync(join(data, 'CURRENT'), 'utf8').trim();
  expect(id).toMatch(/^[\w-]+$/);
  const snap = await loadSnapshot(data);
  expect(snap.id).toBe(id);
  expect(snap.manifest.id).toBe(id);
  expect(snap.customers.numRows).toBe(snap.manifest.customers);
  expect(readdirSync(join(data, 'snapshots', id)).sort()).toEqual(expect.arrayContaining(['customers.arrow', 'manifest.json', 'rejects.ndjson']));
  return id;
}

/** What crashes can leave in a data folder: temporary folders and pointers, folders newer than CURRENT, a lock. */
export function leftovers(data: string): string[] {
  const current = existsSync(join(data, 'CURRENT')) ? readFileSync(join(data, 'CURRENT'), 'utf8').trim() : '';
  const found: string[] = [];
  for (const name of readdirSync(data)) if (name.startsWith('.CURRENT-') || name === '.publish.lock') found.push(name);
  for (const sub of ['snapshots', 'refused']) {
    if (!existsSync(join(data, sub))) continue;
    for (const name of readdirSync(join(data, sub))) {
      if (name.startsWith('.tmp-')) found.push(`${sub}/${name}`);
      else if (sub === 'snapshots' && name > current) found.push(`${sub}/${name} (never live)`);
    }
  }
  return found;
}
