import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildServer } from '../../server/build-server.js';
import { makeDataDir } from './fixture.js';

describe('a server without a snapshot', () => {
  it('is healthy but not ready, and answers reads and events with 503 SEG_ERR_NOT_READY', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'segstream-empty-'));
    const app = await buildServer({ dataDir: dir, reloadIntervalMs: 0 });
    try {
      expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
      for (const r of [
        await app.inject({ method: 'GET', url: '/readyz' }),
        await app.inject({ method: 'GET', url: '/v1/customers/1' }),
        await app.inject({ method: 'POST', url: '/v1/events', payload: [{ customer_id: 1, ts: '2026-01-01', amount: 1 }] }),
      ]) {
        expect([r.statusCode, r.json().code]).toEqual([503, 'SEG_ERR_NOT_READY']);
      }
    } finally {
      await app.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('a failing rescore job', () => {
  it('reports failed with the error code and leaves the live snapshot in place', async () => {
    const { dir, dataDir } = await makeDataDir();
    const app = await buildServer({ dataDir, reloadIntervalMs: 0, inputRoots: [dir] });
    try {
      const before = app.segstream.store.ready().snapshot.id;
      const missing = await app.inject({ method: 'POST', url: '/v1/jobs/rescore', payload: { input: join(dir, 'missing.csv') } });
      expect([missing.statusCode, missing.json().code]).toEqual([404, 'SEG_ERR_INPUT_NOT_FOUND']);
      await writeFile(join(dir, 'no-amount.csv'), 'customer_id,ts\n1,2026-01-01\n');
      const job = (await app.inject({ method: 'POST', url: '/v1/jobs/rescore', payload: { input: join(dir, 'no-amount.csv') } })).json();
      await app.segstream.jobs.idle();
      const done = (await app.inject({ method: 'GET', url: `/v1/jobs/${job.id}` })).json();
      expect(done).toMatchObject({ status: 'failed', error: { code: 'SEG_ERR_COLUMN_MISSING' } });
      expect(app.segstream.store.ready().snapshot.id).toBe(before);
    } finally {
      await app.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
