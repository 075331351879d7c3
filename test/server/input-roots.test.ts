import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputRoots } from '../../server/input-roots.js';

let dir: string;
let roots: InputRoots;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'segstream-roots-'));
  for (const d of ['root/a/deep', 'root2', 'other']) await mkdir(join(dir, d), { recursive: true });
  await writeFile(join(dir, 'root/a/tx.csv'), 'customer_id,ts,amount\n');
  await writeFile(join(dir, 'root/a/deep/more.csv'), 'customer_id,ts,amount\n');
  await writeFile(join(dir, 'root2/tx.csv'), 'customer_id,ts,amount\n');
  await writeFile(join(dir, 'other/tx.csv'), 'customer_id,ts,amount\n');
  // Inside links: to a file and a folder of the same root, and a cycle back to the top.
  await symlink(join(dir, 'root/a/tx.csv'), join(dir, 'root/a/deep/alias.csv'));
  await symlink(join(dir, 'root/a'), join(dir, 'root/a/deep/cycle'));
  await mkdir(join(dir, 'root/dangling'));
  await symlink(join(dir, 'root/nowhere.csv'), join(dir, 'root/dangling/gone.csv'));
  await mkdir(join(dir, 'root/loop'));
  await symlink(join(dir, 'root/loop/b.csv'), join(dir, 'root/loop/a.csv'));
  await symlink(join(dir, 'root/loop/a.csv'), join(dir, 'root/loop/b.csv'));
  roots = await InputRoots.open([join(dir, 'root')]);
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('input roots', () => {
  it('takes a file or a folder inside a root, symlinks that stay inside and a symlink cycle included', async () => {
    await expect(roots.confine(join(dir, 'root/a/tx.csv'), 'input')).resolves.toMatch(/root\/a\/tx\.csv$/);
    await expect(roots.confine(join(dir, 'root/a'), 'input')).resolves.toMatch(/root\/a$/);
    await expect(roots.confine(join(dir, 'root/a/deep/alias.csv'), 'config')).resolves.toMatch(/root\/a\/tx\.csv$/);
  });

  it('refuses a sibling folder whose name starts with the root name', async () => {
    await expect(roots.confine(join(dir, 'root2/tx.csv'), 'input')).rejects.toMatchObject({ code: 'SEG_ERR_INPUT_FORBIDDEN' });
    await expect(roots.confine(join(dir, 'root/../other/tx.csv'), 'input')).rejects.toMatchObject({ code: 'SEG_ERR_INPUT_FORBIDDEN' });
  });

  it('says not found for a dangling symlink or a symlink loop inside a root, and refuses a folder as config', async () => {
    await expect(roots.confine(join(dir, 'root/dangling'), 'input')).rejects.toMatchObject({ code: 'SEG_ERR_INPUT_NOT_FOUND' });
    await expect(roots.confine(join(dir, 'root/loop/a.csv'), 'input')).rejects.toMatchObject({ code: 'SEG_ERR_INPUT_NOT_FOUND' });
    await expect(roots.confine(join(dir, 'root/a'), 'config')).rejects.toMatchObject({ code: 'SEG_ERR_INPUT_FORBIDDEN' });
  });

  it('adds the folder of the default input, and refuses a root that is not a folder', async () => {
    const withDefault = await InputRoots.open([], join(dir, 'other/tx.csv'));
    await expect(withDefault.confine(join(dir, 'other/tx.csv'), 'input')).resolves.toMatch(/other\/tx\.csv$/);
    await expect(withDefault.confine(join(dir, 'root/a/tx.csv'), 'input')).rejects.toMatchObject({ code: 'SEG_ERR_INPUT_FORBIDDEN' });
    await expect(InputRoots.open([join(dir, 'other/tx.csv')])).rejects.toMatchObject({ code: 'SEG_ERR_ARGUMENT' });
    await expect(InputRoots.open([join(dir, 'missing')])).rejects.toMatchObject({ code: 'SEG_ERR_ARGUMENT' });
  });

  it('quotes a long or unprintable path capped, never whole', async () => {
    const long = join(dir, 'other', `${'x'.repeat(5000)}\u0000\n.csv`);
    const error = await roots.confine(long, 'input').catch((e: Error) => e);
    expect((error as Error).message.length).toBeLessThan(400);
    expect((error as Error).message).not.toContain('\n');
  });
});
