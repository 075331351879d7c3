import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { tableToIPC, tableFromArrays } from 'apache-arrow';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../server/build-server.js';
import { makeDataDir } from './fixture.js';

let dir: string;
let dataDir: string;
let input: string;
let app: FastifyInstance;
const auth = { authorization: 'Bearer secret' };

beforeAll(async () => {
  ({ dir, dataDir, input } = await makeDataDir());
  app = await buildServer({ dataDir, token: 'secret', reloadIntervalMs: 0, eventsBodyLimit: 64 * 1024, inputRoots: [dir] });
});
afterAll(async () => {
  await app.close();
  await rm(dir, { recursive: true, force: true });
});

async function waitForJob(id: string): Promise<{ status: string; summary: { snapshot: string } | null; error: unknown }> {
  for (;;) {
    const job = (await app.inject({ method: 'GET', url: `/v1/jobs/${id}`, headers: auth })).json();
    if (job.status !== 'running') return job;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('events', () => {
  it('accepts a purchase posted as JSON and shows it on the next lookup', async () => {
    const before = (await app.inject({ method: 'GET', url: '/v1/customers/5' })).json();
    const r = await app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: auth,
      payload: [
        { customer_id: 5, ts: '2026-07-01T09:00:00Z', amount: 120 },
        { customer_id: 5, ts: 'yesterday', amount: 1 },
        { ts: '2026-07-01', amount: 3 },
        'not a row',
        { customer_id: 'brand-new', ts: '2026-07-01T10:00:00Z', amount: 42.5 },
      ],
    });
    expect(r.statusCode).toBe(202);
    expect(r.json()).toMatchObject({ accepted: 2, rejected: 3, rejected_by_reason: { bad_ts: 1, missing_customer_id: 1, malformed_row: 1 } });
    expect(r.json().rejected_rows.map((x: { index: number; reason: string }) => [x.index, x.reason])).toEqual([[1, 'bad_ts'], [2, 'missing_customer_id'], [3, 'malformed_row']]);
    const after = (await app.inject({ method: 'GET', url: '/v1/customers/5' })).json();
    expect(after).toMatchObject({ live: true, orders: before.orders + 1, revenue: before.revenue + 120, last_purchase_at: '2026-07-01T09:00:00.000Z', recency_days: 0 });
    expect((await app.inject({ method: 'GET', url: '/v1/customers/brand-new' })).json()).toMatchObject({ orders: 1, revenue: 42.5, lifecycle: 'new' });
  });

  it('reads NDJSON, CSV and Arrow bodies with the same parser', async () => {
    const nd = await app.inject({ method: 'POST', url: '/v1/events', headers: { ...auth, 'content-type': 'application/x-ndjson' }, payload: '{"customer_id":"6","ts":"2026-07-02","amount":5}\n{"customer_id":6,"ts":"2026-07-02","amount":"x"}\n' });
    expect(nd.json()).toMatchObject({ accepted: 1, rejected: 1 });
    const csv = await app.inject({ method: 'POST', url: '/v1/events', headers: { ...auth, 'content-type': 'text/csv' }, payload: 'customer_id,ts,amount\n6,2026-07-02,5\n' });
    expect(csv.json()).toMatchObject({ accepted: 1, rejected: 0 });
    const table = tableFromArrays({ customer_id: Int32Array.from([6]), ts: Float64Array.from([Date.parse('2026-07-02T12:00:00Z')]), amount: Float64Array.from([5]) });
    const arrow = await app.inject({ method: 'POST', url: '/v1/events', headers: { ...auth, 'content-type': 'application/vnd.apache.arrow.stream' }, payload: Buffer.from(tableToIPC(table, 'stream')) });
    expect(arrow.json()).toMatchObject({ accepted: 1, rejected: 0 });
    expect((await app.inject({ method: 'GET', url: '/v1/customers/6' })).json()).toMatchObject({ live: true, last_purchase_at: '2026-07-02T12:00:00.000Z' });
  });

  it('takes an event_id on JSON, NDJSON and Arrow bodies and acknowledges a retry without counting it again', async () => {
    const row = { customer_id: 'idem', ts: '2026-07-04T10:00:00Z', amount: 3, event_id: 'evt-1' };
    expect((await app.inject({ method: 'POST', url: '/v1/events', headers: auth, payload: [row] })).json()).toMatchObject({ accepted: 1, duplicates: 0 });
    expect((await app.inject({ method: 'POST', url: '/v1/events', headers: auth, payload: [row] })).json()).toMatchObject({ accepted: 1, duplicates: 1 });
    const nd = await app.inject({ method: 'POST', url: '/v1/events', headers: { ...auth, 'content-type': 'application/x-ndjson' }, payload: `${JSON.stringify(row)}\n{"customer_id":"idem","ts":"2026-07-04","amount":4,"event_id":7}\n{"customer_id":"idem","ts":"2026-07-04","amount":4,"event_id":1.5}\n` });
    expect(nd.json()).toMatchObject({ accepted: 2, duplicates: 1, rejected: 1, rejected_by_reason: { bad_event_id: 1 } });
    const table = tableFromArrays({ customer_id: ['idem', 'idem'], ts: Float64Array.from([Date.parse('2026-07-05T00:00:00Z'), Date.parse('2026-07-05T00:00:00Z')]), amount: Float64Array.from([5, 6]), event_id: ['7', 'evt-2'] });
    const arrow = await app.inject({ method: 'POST', url: '/v1/events', headers: { ...auth, 'content-type': 'application/vnd.apache.arrow.stream' }, payload: Buffer.from(tableToIPC(table, 'stream')) });
    expect(arrow.json()).toMatchObject({ accepted: 2, duplicates: 1 });
    expect((await app.inject({ method: 'GET', url: '/v1/customers/idem' })).json()).toMatchObject({ orders: 3, revenue: 3 + 4 + 6 });
  });

  it('refuses a write without the token, a wrong body, an unknown media type and an oversized body, each with its code', async () => {
    const noToken = await app.inject({ method: 'POST', url: '/v1/events', payload: [] });
    expect([noToken.statusCode, noToken.json().code]).toEqual([401, 'SEG_ERR_UNAUTHORIZED']);
    const wrongToken = await app.inject({ method: 'POST', url: '/v1/jobs/rescore', headers: { authorization: 'Bearer nope' }, payload: {} });
    expect([wrongToken.statusCode, wrongToken.json().code]).toEqual([401, 'SEG_ERR_UNAUTHORIZED']);
    const notArray = await app.inject({ method: 'POST', url: '/v1/events', headers: auth, payload: { customer_id: 1 } });
    expect([notArray.statusCode, notArray.json().code]).toEqual([400, 'SEG_ERR_BAD_REQUEST']);
    const xml = await app.inject({ method: 'POST', url: '/v1/events', headers: { ...auth, 'content-type': 'application/xml' }, payload: '<a/>' });
    expect([xml.statusCode, xml.json().code]).toEqual([415, 'SEG_ERR_UNSUPPORTED_MEDIA_TYPE']);
    const big = await app.inject({ method: 'POST', url: '/v1/events', headers: { ...auth, 'content-type': 'text/csv' }, payload: `customer_id,ts,amount\n${'1,2026-07-01,1\n'.repeat(10_000)}` });
    expect([big.statusCode, big.json().code]).toEqual([413, 'SEG_ERR_PAYLOAD_TOO_LARGE']);
    const corrupt = await app.inject({ method: 'POST', url: '/v1/events', headers: { ...auth, 'content-type': 'application/vnd.apache.arrow.stream' }, payload: Buffer.from('not arrow at all') });
    expect([corrupt.statusCode, corrupt.json().code]).toEqual([422, 'SEG_ERR_INPUT_UNREADABLE']);
    const noAmount = await app.inject({ method: 'POST', url: '/v1/events', headers: { ...auth, 'content-type': 'text/csv' }, payload: 'customer_id,ts\n1,2026-07-01\n' });
    expect([noAmount.statusCode, noAmount.json().code]).toEqual([422, 'SEG_ERR_COLUMN_MISSING']);
  });
});

describe('rescore jobs', () => {
  it('answers lookups while a rescore runs, refuses a second job with 409, then folds the log in and moves it to the archive', async () => {
    await app.inject({ method: 'POST', url: '/v1/events', headers: auth, payload: [{ customer_id: 'during', ts: '2026-07-03', amount: 9 }] });
    const started = await app.inject({ method: 'POST', url: '/v1/jobs/rescore', headers: auth, payload: { input } });
    expect(started.statusCode).toBe(202);
    const job = started.json();
    const second = await app.inject({ method: 'POST', url: '/v1/jobs/rescore', headers: auth, payload: { input } });
    expect([second.statusCode, second.json().code]).toEqual([409, 'SEG_ERR_JOB_RUNNING']);
    const during = await app.inject({ method: 'GET', url: '/v1/customers/5' });
    expect(during.statusCode).toBe(200);
    // An event while the job runs goes to a new log segment and survives the swap.
    await app.inject({ method: 'POST', url: '/v1/events', headers: auth, payload: [{ customer_id: 'late', ts: '2026-07-03', amount: 11 }] });
    const done = await waitForJob(job.id);
    expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
    const five = (await app.inject({ method: 'GET', url: '/v1/customers/5' })).json();
    expect(five.snapshot).toBe(done.summary!.snapshot);
    expect(five.live).toBe(false);
    expect(five.last_purchase_at).toBe('2026-07-01T09:00:00.000Z');
    expect((await app.inject({ method: 'GET', url: '/v1/customers/during' })).json()).toMatchObject({ live: false, revenue: 9 });
    expect((await app.inject({ method: 'GET', url: '/v1/customers/late' })).json()).toMatchObject({ live: true, revenue: 11 });
    const segments = await readdir(join(dataDir, 'wal'));
    expect(segments.length).toBe(1);
    // Folded segments are never just trimmed: they live on in the archive every later rescore reads.
    expect((await readdir(join(dataDir, 'events'))).filter((n) => n.endsWith('.arrow'))).toHaveLength(1);
    expect((await app.inject({ method: 'GET', url: '/v1/jobs/nope', headers: auth })).json().code).toBe('SEG_ERR_JOB_NOT_FOUND');
  });

  it('exposes the named metric series', async () => {
    await app.inject({ method: 'GET', url: '/v1/customers/5' });
    const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    for (const name of [
      'segstream_rows_ingested_total{source="json"}',
      'segstream_rows_rejected_total{reason="bad_ts"}',
      'segstream_events_applied_total',
      'segstream_rescore_duration_seconds_bucket',
      'segstream_rescore_rows_per_second',
      'segstream_snapshot_age_seconds',
      'segstream_customers',
      'segstream_lookup_duration_seconds_bucket{le="0.001",route="/v1/customers/:id"}',
      'segstream_wal_bytes',
      'segstream_wal_fsync_duration_seconds_bucket',
      'segstream_process_cpu_seconds_total',
    ]) {
      expect(text).toContain(name);
    }
  });
});
