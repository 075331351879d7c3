import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { mkdirStarted } from '../../engine/durable-files.js';
import { openDataDir } from '../../engine/snapshot/snapshot-publisher.js';

const roots: string[] = [];
const scratch = (): string => {
  const root = mkdtempSync(join(tmpdir(), 'segstream-durable-'));
  roots.push(root);
  return root;
};
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

describe('mkdirStarted', () => {
  it('makes every missing folder before it returns, and settles durable once their parents are synced', async () => {
    const root = scratch();
    const { durable } = await mkdirStarted(join(root, 'a', 'b', 'c'));
    for (const dir of [['a'], ['a', 'b'], ['a', 'b', 'c']]) expect(statSync(join(root, ...dir)).isDirectory()).toBe(true);
    await expect(durable).resolves.toBeUndefined();
  });

  it('fails at once where a parent is a file, not later through durable', async () => {
    const root = scratch();
    writeFileSync(join(root, 'file'), 'x');
    await expect(mkdirStarted(join(root, 'file', 'data'))).rejects.toMatchObject({ code: 'ENOTDIR' });
  });
});

describe('openDataDir', () => {
  it('returns with DATA/snapshots made and writable; a second open of the same folder has nothing left to sync', async () => {
    const data = join(scratch(), 'data');
    const first = await openDataDir(data);
    expect(statSync(join(data, 'snapshots')).isDirectory()).toBe(true);
    await first.durable;
    await expect((await openDataDir(data)).durable).resolves.toBeUndefined();
  });

  it('refuses a data folder under a file with the coded output error, before any work', async () => {
    const root = scratch();
    writeFileSync(join(root, 'file'), 'x');
    await expect(openDataDir(join(root, 'file', 'data'))).rejects.toMatchObject({ code: 'SEG_ERR_OUTPUT_UNWRITABLE' });
  });
});
