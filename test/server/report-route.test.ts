import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rescore } from '../../engine/rescore/rescore.js';
import { buildServer } from '../../server/build-server.js';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'segstream-report-route-'));
const data = join(dir, 'data');
let app: FastifyInstance;
let first: string;
let second: string;

beforeAll(async () => {
  const rows = ['customer_id,ts,amount'];
  for (let c = 1; c <= 40; c++) for (let j = 0; j < c % 7; j++) rows.push(`${c},2025-${String(1 + ((c + j) % 12)).padStart(2, '0')}-10,${10 + c}`);
  writeFileSync(join(dir, 'tx.csv'), rows.join('\n'));
  first = (await rescore({ input: join(dir, 'tx.csv'), dataDir: data, asOf: '2025-08-31' })).snapshot;
  second = (await rescore({ input: join(dir, 'tx.csv'), dataDir: data, asOf: '2025-12-31' })).snapshot;
  app = await buildServer({ dataDir: data, reloadIntervalMs: 0 });
});
afterAll(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('GET /v1/report', () => {
  it('serves the report of the live snapshot against the one before, the same document segstream report writes', async () => {
    const res = await app.inject('/v1/report');
    expect(res.statusCode).toBe(200);
    const body = res.json() as { snapshot: { id: string }; migration: { from: string }; headline: { customers: number } };
    expect(body.snapshot.id).toBe(second);
    expect(body.migration.from).toBe(first);
    const cli = await runCli(['report', '--data', data, '--json']);
    expect(cli.code).toBe(0);
    expect(JSON.parse(cli.stdout)).toEqual(body);
    const out = join(dir, 'report.html');
    const written = await runCli(['report', '--data', data, '--out', out]);
    expect(written.code).toBe(0);
    expect(written.stdout).toContain(`compared with ${first}`);
    expect(readFileSync(out, 'utf8')).toContain(`"id":"${second}"`);
  });

  it('reports an older snapshot with no comparison when it is the first', async () => {
    const body = (await app.inject(`/v1/report?snapshot=${first}`)).json() as { snapshot: { id: string }; migration: unknown };
    expect(body.snapshot.id).toBe(first);
    expect(body.migration).toBeNull();
  });

  it('answers a clear coded error for an unknown snapshot or campaign and a self-comparison', async () => {
    const unknown = await app.inject('/v1/report?snapshot=20200101T000000000Z-beef');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ code: 'SEG_ERR_SNAPSHOT_NOT_FOUND' });
    const campaign = await app.inject('/v1/report?campaign=spring');
    expect(campaign.statusCode).toBe(404);
    expect(campaign.json()).toMatchObject({ code: 'SEG_ERR_CAMPAIGN_NOT_FOUND' });
    const self = await app.inject(`/v1/report?compare=${second}`);
    expect(self.statusCode).toBe(400);
    expect(self.json()).toMatchObject({ code: 'SEG_ERR_ARGUMENT' });
    const cli = await runCli(['report', '--data', data]);
    expect(cli.code).not.toBe(0);
    expect(cli.stderr).toContain('--out');
    const nowhere = await runCli(['report', '--data', data, '--out', join(dir, 'no', 'such', 'report.html')]);
    expect(nowhere.code).not.toBe(0);
    expect(nowhere.stderr).toContain('SEG_ERR_OUTPUT_UNWRITABLE');
  });
});

describe('the dashboard page', () => {
  it('is one page with ECharts inline, revalidated by its ETag', async () => {
    const page = await app.inject('/');
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toContain('SegstreamReport');
    expect(page.body).not.toMatch(/<script[^>]+src=/);
    const etag = page.headers['etag'] as string;
    expect(etag).toMatch(/^"[\w-]+"$/);
    const again = await app.inject({ url: '/', headers: { 'if-none-match': etag } });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
  });
});

describe('GET /v1/report before any snapshot', () => {
  it('answers 503 not ready, which the dashboard shows until a snapshot goes live', async () => {
    const empty = await buildServer({ dataDir: join(dir, 'empty'), reloadIntervalMs: 0 });
    try {
      const res = await empty.inject('/v1/report');
      expect(res.statusCode).toBe(503);
      expect(res.json()).toMatchObject({ code: 'SEG_ERR_NOT_READY' });
      expect((await empty.inject('/')).statusCode).toBe(200);
    } finally {
      await empty.close();
    }
  });
});
