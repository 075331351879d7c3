import { rm } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../server/build-server.js';
import { makeDataDir } from './fixture.js';

let dir: string;
let app: FastifyInstance;

beforeAll(async () => {
  const made = await makeDataDir();
  dir = made.dir;
  app = await buildServer({ dataDir: made.dataDir, token: 'secret', reloadIntervalMs: 0 });
});
afterAll(async () => {
  await app.close();
  await rm(dir, { recursive: true, force: true });
});

describe('lookups through inject', () => {
  it('answers a customer with every field, its snapshot and as_of', async () => {
    const r = await app.inject({ method: 'GET', url: '/v1/customers/7' });
    expect(r.statusCode).toBe(200);
    const body = r.json();
    expect(body).toMatchObject({ customer_id: '7', live: false, as_of: '2026-06-30T23:59:59.999Z' });
    for (const f of ['orders', 'revenue', 'r_score', 'f_score', 'm_score', 'rfm_cell', 'segment', 'spend_band', 'tier', 'lifecycle', 'win_back', 'snapshot', 'p_alive']) {
      expect(body).toHaveProperty(f);
    }
  });

  it('keeps "042" apart from 42 and answers 404 with a code for an unknown id', async () => {
    expect((await app.inject({ method: 'GET', url: '/v1/customers/042' })).json()).toMatchObject({ customer_id: '042', revenue: 7 });
    const r = await app.inject({ method: 'GET', url: '/v1/customers/nobody' });
    expect(r.statusCode).toBe(404);
    expect(r.json()).toMatchObject({ code: 'SEG_ERR_CUSTOMER_NOT_FOUND' });
  });

  it('gets a batch of ids, numbers and text alike, listing the unknown ones', async () => {
    const r = await app.inject({ method: 'POST', url: '/v1/customers/batch-get', payload: { ids: [7, '8', 'nobody', '042'] } });
    expect(r.statusCode).toBe(200);
    expect(r.json().customers.map((c: { customer_id: string }) => c.customer_id)).toEqual(['7', '8', '042']);
    expect(r.json().not_found).toEqual(['nobody']);
  });

  it('refuses a batch of more than 10,000 ids and a body that breaks the schema with 400 SEG_ERR_BAD_REQUEST', async () => {
    const big = await app.inject({ method: 'POST', url: '/v1/customers/batch-get', payload: { ids: Array.from({ length: 10_001 }, (_, i) => i) } });
    expect(big.statusCode).toBe(400);
    expect(big.json().code).toBe('SEG_ERR_BAD_REQUEST');
    const bad = await app.inject({ method: 'POST', url: '/v1/customers/batch-get', payload: { ids: [1.5] } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe('SEG_ERR_BAD_REQUEST');
    const junk = await app.inject({ method: 'POST', url: '/v1/customers/batch-get', headers: { 'content-type': 'application/json' }, payload: '{"ids": [' });
    expect(junk.statusCode).toBe(400);
    expect(junk.json().code).toBe('SEG_ERR_BAD_REQUEST');
  });

  it('lists segments and pages through a segment with a cursor', async () => {
    const segs = (await app.inject({ method: 'GET', url: '/v1/segments' })).json();
    const seg = segs.segments.find((s: { customers: number }) => s.customers >= 3);
    const all = (await app.inject({ method: 'GET', url: `/v1/segments/${seg.name}/customers?limit=1000` })).json();
    expect(all.customers).toHaveLength(seg.customers);
    const first = (await app.inject({ method: 'GET', url: `/v1/segments/${seg.name}/customers?limit=2` })).json();
    expect(first.customers).toHaveLength(2);
    const rest = (await app.inject({ method: 'GET', url: `/v1/segments/${seg.name}/customers?limit=1000&cursor=${first.next_cursor}` })).json();
    expect([...first.customers, ...rest.customers].map((c: { customer_id: string }) => c.customer_id)).toEqual(all.customers.map((c: { customer_id: string }) => c.customer_id));
    expect((await app.inject({ method: 'GET', url: '/v1/segments/nope/customers' })).json().code).toBe('SEG_ERR_BAD_REQUEST');
  });

  it('exports a listing as CSV and as Arrow by Accept', async () => {
    const csv = await app.inject({ method: 'GET', url: '/v1/tiers/bronze/customers', headers: { accept: 'text/csv' } });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    const lines = csv.body.trim().split('\n');
    expect(lines[0]!.startsWith('customer_id,orders,')).toBe(true);
    const arrow = await app.inject({ method: 'GET', url: '/v1/tiers/bronze/customers', headers: { accept: 'application/vnd.apache.arrow.stream' } });
    const table = tableFromIPC(arrow.rawPayload);
    expect(table.numRows).toBe(lines.length - 1);
    expect(table.getChild('customer_id')!.get(0)).toBe(lines[1]!.split(',')[0]);
  });

  it('answers spend bands, tiers, win-back, snapshots and migrations', async () => {
    const bands = (await app.inject({ method: 'GET', url: '/v1/spend-bands' })).json();
    expect(bands.bands).toHaveLength(10);
    const tiers = (await app.inject({ method: 'GET', url: '/v1/tiers' })).json();
    expect(tiers.tiers.map((t: { name: string }) => t.name)).toEqual(['bronze', 'silver', 'gold', 'platinum']);
    expect((await app.inject({ method: 'GET', url: '/v1/win-back' })).statusCode).toBe(200);
    const snaps = (await app.inject({ method: 'GET', url: '/v1/snapshots' })).json();
    expect(snaps.snapshots).toHaveLength(1);
    expect(snaps.snapshots[0].live).toBe(true);
    const m = await app.inject({ method: 'GET', url: `/v1/migrations?from=${snaps.live}&to=${snaps.live}&by=tier` });
    expect(m.statusCode).toBe(200);
    expect(m.json().by).toBe('tier');
    expect((await app.inject({ method: 'GET', url: '/v1/migrations?by=colour' })).statusCode).toBe(400);
  });

  it('serves health, readiness, the OpenAPI document and the dashboard', async () => {
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/readyz' })).json()).toMatchObject({ status: 'ready' });
    const doc = (await app.inject({ method: 'GET', url: '/docs/json' })).json();
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/customers/{id}', '/v1/events', '/v1/jobs/rescore']));
    const page = await app.inject({ method: 'GET', url: '/' });
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toContain('Spend bands');
    expect((await app.inject({ method: 'GET', url: '/nowhere' })).json().code).toBe('SEG_ERR_ROUTE_NOT_FOUND');
  });
});
