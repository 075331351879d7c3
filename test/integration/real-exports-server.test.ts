/**
 * The same line-item export through a server: a rescore job with `columns` in its body, a job on
 * the nightly input read with the schedule's `--rescore-map`-style options, and a live event in
 * the export's own shape (`17850.0`, `3/4/2011 10:00`) — each giving what the CLI gives.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { parseMapFlag } from '../../engine/read/column-map.js';
import { buildServer } from '../../server/build-server.js';
import { tempDir, write } from '../engine/read/fixtures.js';
import { runCli } from '../helpers/cli.js';
import { lineItems, LINE_ITEM_MAP, perCustomer, uciCsv } from './real-exports-fixtures.js';

const dir = tempDir();
const lines = lineItems();
const input = write(dir, 'nightly/online-retail.csv', uciCsv(lines));
const auth = { authorization: 'Bearer secret' };
const apps: FastifyInstance[] = [];

afterAll(async () => {
  for (const app of apps) await app.close();
});

async function exportOf(dataDir: string, name: string): Promise<string> {
  const out = join(dir, `${name}.ndjson`);
  const e = await runCli(['export', '--data', dataDir, '--format', 'ndjson', '--out', out]);
  expect(e.code, e.stderr).toBe(0);
  return readFileSync(out, 'utf8');
}

async function runJob(app: FastifyInstance, payload: Record<string, unknown>): Promise<Record<string, unknown>> {
  const started = await app.inject({ method: 'POST', url: '/v1/jobs/rescore', headers: auth, payload });
  expect(started.statusCode, started.body).toBe(202);
  for (;;) {
    const job = (await app.inject({ method: 'GET', url: `/v1/jobs/${started.json().id}`, headers: auth })).json();
    if (job.status !== 'running') return job;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('line items through the server', () => {
  it('a job with columns in its body and a job on the nightly input with the schedule options give the CLI snapshot', async () => {
    const cliData = join(dir, 'data-cli');
    const r = await runCli(['rescore', '--input', input, '--data', cliData, '--map', LINE_ITEM_MAP, '--as-of', '2011-04-30', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const cli = await exportOf(cliData, 'cli');

    const jobData = join(dir, 'data-job');
    const app = await buildServer({ dataDir: jobData, token: 'secret', reloadIntervalMs: 0, inputRoots: [dir] });
    apps.push(app);
    const columns = { customer_id: 'CustomerID', ts: 'InvoiceDate', order_id: 'InvoiceNo', amount: 'Quantity*UnitPrice' };
    const job = await runJob(app, { input, columns, ts_format: '%m/%d/%Y %H:%M', decimal: '.', as_of: '2011-04-30' });
    expect(job['status'], JSON.stringify(job['error'])).toBe('succeeded');
    expect(await exportOf(jobData, 'job')).toBe(cli);

    const nightlyData = join(dir, 'data-nightly');
    const nightly = await buildServer({ dataDir: nightlyData, token: 'secret', reloadIntervalMs: 0, rescoreInput: input, rescoreJob: { columns: parseMapFlag(LINE_ITEM_MAP) } });
    apps.push(nightly);
    const scheduled = await runJob(nightly, { as_of: '2011-04-30' });
    expect(scheduled['status'], JSON.stringify(scheduled['error'])).toBe('succeeded');
    expect(await exportOf(nightlyData, 'nightly')).toBe(cli);
  });

  it('a live event in the export shape lands on the same customer, read with the snapshot pattern', async () => {
    const data = join(dir, 'data-live');
    const app = await buildServer({ dataDir: data, token: 'secret', reloadIntervalMs: 0, inputRoots: [dir] });
    apps.push(app);
    const job = await runJob(app, { input, columns: parseMapFlag(LINE_ITEM_MAP) });
    expect(job['status'], JSON.stringify(job['error'])).toBe('succeeded');
    const want = perCustomer(lines).get('17850')!;
    const before = (await app.inject({ method: 'GET', url: '/v1/customers/17850' })).json();
    expect(before).toMatchObject({ orders: want['orders'], revenue: want['revenue'] });
    // 3/4/2011 fits day-first and month-first alone: the snapshot's sniffed %m/%d/%Y %H:%M decides (March 4).
    const posted = await app.inject({ method: 'POST', url: '/v1/events', headers: auth, payload: [{ customer_id: '17850.0', ts: '3/4/2011 10:00', amount: 12.5 }] });
    expect(posted.json(), posted.body).toMatchObject({ accepted: 1, rejected: 0 });
    const after = (await app.inject({ method: 'GET', url: '/v1/customers/17850' })).json();
    expect(after).toMatchObject({ live: true, orders: (want['orders'] as number) + 1, revenue: ((want['revenue'] as number) * 100 + 1250) / 100 });
    const last = Math.max(Date.parse(String(want['last_purchase_at'])), Date.UTC(2011, 2, 4, 10));
    expect(after['last_purchase_at']).toBe(new Date(last).toISOString());
    // An event's own unambiguous format still reads: ISO-8601 after a pattern-sniffed snapshot.
    const iso = await app.inject({ method: 'POST', url: '/v1/events', headers: auth, payload: [{ customer_id: 17850, ts: '2011-04-02T09:00:00Z', amount: 1 }] });
    expect(iso.json(), iso.body).toMatchObject({ accepted: 1, rejected: 0 });
    expect((await app.inject({ method: 'GET', url: '/v1/customers/17850' })).json()).toMatchObject({ orders: (want['orders'] as number) + 2, last_purchase_at: '2011-04-02T09:00:00.000Z' });
  });
});
