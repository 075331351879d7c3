import { rm } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { buildServer } from '../../server/build-server.js';
import { makeDataDir } from './fixture.js';

describe('the nightly schedule', () => {
  it('runs the rescore itself on its cron expression', async () => {
    const { dir, dataDir, input } = await makeDataDir();
    const app = await buildServer({ dataDir, reloadIntervalMs: 0, rescoreInput: input, rescoreCron: '* * * * * *' });
    try {
      const before = app.segstream.store.ready().snapshot.id;
      const deadline = Date.now() + 20_000;
      while (app.segstream.store.ready().snapshot.id === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(app.segstream.store.ready().snapshot.id).not.toBe(before);
    } finally {
      await app.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a schedule without an input', async () => {
    await expect(buildServer({ dataDir: '/nonexistent', rescoreCron: '0 2 * * *' })).rejects.toMatchObject({ code: 'SEG_ERR_ARGUMENT' });
  });
});
