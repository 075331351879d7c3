import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LostReport, loadLostReport } from '../../../engine/lost/lost-report.js';
import { rescore } from '../../../engine/rescore/rescore.js';
import { loadSnapshot } from '../../../engine/snapshot/snapshot-store.js';
import { buildServer } from '../../../server/build-server.js';
import { runCli } from '../../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'segstream-lost-'));
const data = join(dir, 'data');
let app: FastifyInstance;

// Snapshot 1 as of 2024-06-30 (without E's row), snapshot 2 as of 2025-06-30 (with it).
// A: last bought 2024-03-01, lost 2025-03-02, 200 + 300 in the year before; was bronze (300 in 2023-07..2024-06).
// B: bought 1000 on 2024-05-01, returned 400 (share 0.4: returns_heavy), lost 2025-05-02, 600; was silver.
// C: one purchase of 50 on 2023-01-01, lost since 2024-01-02 (already lost in snapshot 1; one_time_buyer); was bronze.
// D: bought on 2025-06-01, active. E: one purchase of 70 on 2024-02-01, lost 2025-02-01, absent from snapshot 1.
const ROWS = [
  'A,2023-01-10,100',
  'A,2023-06-01,200',
  'A,2024-03-01,300',
  'B,2024-05-01,1000',
  'B,2024-05-10,-400',
  'C,2023-01-01,50',
  'D,2024-06-01,40',
  'D,2025-06-01,80',
];

beforeAll(async () => {
  writeFileSync(join(dir, 'early.csv'), ['customer_id,ts,amount', ...ROWS].join('\n'));
  writeFileSync(join(dir, 'late.csv'), ['customer_id,ts,amount', ...ROWS, 'E,2024-02-01,70'].join('\n'));
  await rescore({ input: join(dir, 'early.csv'), dataDir: data, asOf: '2024-06-30' });
  await rescore({ input: join(dir, 'late.csv'), dataDir: data, asOf: '2025-06-30' });
  app = await buildServer({ dataDir: data, reloadIntervalMs: 0 });
});
afterAll(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('lost customers in the snapshot', () => {
  it('records lost_at, returned_share and lost_reason of each lost customer, and null for the others', async () => {
    const t = (await loadSnapshot(data)).customers;
    const row = (id: string) => {
      const i = [...t.getChild('customer_id')!].indexOf(id);
      const at = t.getChild('lost_at')!.get(i) as number | null;
      return {
        lifecycle: t.getChild('lifecycle')!.get(i),
        lost_at: at === null ? null : new Date(Number(at)).toISOString().slice(0, 10),
        returned_share: t.getChild('returned_share')!.get(i),
        lost_reason: t.getChild('lost_reason')!.get(i),
        last_year_revenue: t.getChild('last_year_revenue')!.get(i),
      };
    };
    expect(row('A')).toEqual({ lifecycle: 'lost', lost_at: '2025-03-02', returned_share: 0, lost_reason: 'other', last_year_revenue: 500 });
    expect(row('B')).toEqual({ lifecycle: 'lost', lost_at: '2025-05-02', returned_share: 0.4, lost_reason: 'returns_heavy', last_year_revenue: 600 });
    expect(row('C')).toEqual({ lifecycle: 'lost', lost_at: '2024-01-02', returned_share: 0, lost_reason: 'one_time_buyer', last_year_revenue: 50 });
    // D's 2024-06-01 is 365 days before 2025-06-01: outside the year (day > last day - 365), as for revenue_365d.
    expect(row('D')).toEqual({ lifecycle: 'active', lost_at: null, returned_share: 0, lost_reason: null, last_year_revenue: 80 });
    expect(row('E')).toMatchObject({ lost_at: '2025-02-01', lost_reason: 'one_time_buyer' });
  });
});

describe('the lost report', () => {
  let report: LostReport;
  beforeAll(async () => {
    report = await loadLostReport(data, undefined, 'tier');
  });

  it('totals every lost customer, what they were worth a year and why', () => {
    expect(report.total).toEqual({ value: 'all', customers: 4, revenue_365d_before: 1220, reasons: { returns_heavy: 1, one_time_buyer: 2, other: 1 } });
    // C was lost already in the snapshot before.
    expect(report.newly_lost).toBe(3);
  });

  it('counts the last 12 months of lost_at, empty months included', () => {
    expect(report.months.map((m) => m.value)).toEqual(['2024-07', '2024-08', '2024-09', '2024-10', '2024-11', '2024-12', '2025-01', '2025-02', '2025-03', '2025-04', '2025-05', '2025-06']);
    const busy = report.months.filter((m) => m.customers > 0);
    expect(busy).toEqual([
      { value: '2025-02', customers: 1, revenue_365d_before: 70, reasons: { returns_heavy: 0, one_time_buyer: 1, other: 0 } },
      { value: '2025-03', customers: 1, revenue_365d_before: 500, reasons: { returns_heavy: 0, one_time_buyer: 0, other: 1 } },
      { value: '2025-05', customers: 1, revenue_365d_before: 600, reasons: { returns_heavy: 1, one_time_buyer: 0, other: 0 } },
    ]);
  });

  it('groups by the tier in the snapshot before, in level order', () => {
    expect(report.groups).toEqual([
      { value: 'bronze', customers: 2, revenue_365d_before: 550, reasons: { returns_heavy: 0, one_time_buyer: 1, other: 1 } },
      { value: 'silver', customers: 1, revenue_365d_before: 600, reasons: { returns_heavy: 1, one_time_buyer: 0, other: 0 } },
      { value: '(absent)', customers: 1, revenue_365d_before: 70, reasons: { returns_heavy: 0, one_time_buyer: 1, other: 0 } },
    ]);
  });

  it('answers the same over HTTP and the CLI', async () => {
    const http = await app.inject({ method: 'GET', url: '/v1/lost?by=tier' });
    expect(http.statusCode).toBe(200);
    expect(http.json()).toEqual(report);
    const cli = await runCli(['lost', '--by', 'tier', '--json', '--data', data]);
    expect(cli.code).toBe(0);
    expect(JSON.parse(cli.stdout)).toEqual(report);
    expect((await app.inject({ method: 'GET', url: '/v1/lost?by=colour' })).statusCode).toBe(400);
    expect((await app.inject({ method: 'GET', url: '/v1/lost?snapshot=nope' })).json().code).toBe('SEG_ERR_SNAPSHOT_NOT_FOUND');
    expect((await runCli(['lost', '--by', 'colour', '--data', data])).code).toBe(2);
  });
});

describe('lifecycle over HTTP', () => {
  it('lists the customers of a stage with the shared pagination', async () => {
    const first = (await app.inject({ method: 'GET', url: '/v1/lifecycle/lost/customers?limit=3' })).json();
    expect(first.customers).toHaveLength(3);
    const rest = (await app.inject({ method: 'GET', url: `/v1/lifecycle/lost/customers?limit=3&cursor=${first.next_cursor}` })).json();
    const ids = [...first.customers, ...rest.customers].map((c: { customer_id: string }) => c.customer_id).sort();
    expect(ids).toEqual(['A', 'B', 'C', 'E']);
    expect(first.customers.every((c: { lifecycle: string; lost_at: string }) => c.lifecycle === 'lost' && c.lost_at !== null)).toBe(true);
    const csv = await app.inject({ method: 'GET', url: '/v1/lifecycle/active/customers', headers: { accept: 'text/csv' } });
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.body.trim().split('\n').slice(1).map((l) => l.split(',')[0])).toEqual(['D']);
    expect((await app.inject({ method: 'GET', url: '/v1/lifecycle/zombie/customers' })).statusCode).toBe(400);
  });

  it('counts customers per stage in stage order', async () => {
    const body = (await app.inject({ method: 'GET', url: '/v1/lifecycle' })).json();
    expect(body.stages.map((s: { name: string }) => s.name)).toEqual(['new', 'reactivated', 'active', 'at_risk', 'lapsed', 'lost', 'no_purchases']);
    expect(Object.fromEntries(body.stages.map((s: { name: string; customers: number }) => [s.name, s.customers]))).toMatchObject({ active: 1, lost: 4 });
  });
});

describe('a lost customer changed by a live event', () => {
  it('keeps lost_at and a lost_reason judged on the live fields, and a live buyer has none', async () => {
    const posted = await app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { 'content-type': 'application/json' },
      payload: [
        { customer_id: 'A', ts: '2025-06-30T10:00:00Z', amount: -100 },
        { customer_id: 'E', ts: '2025-06-30T10:00:00Z', amount: 25 },
      ],
    });
    expect(posted.statusCode).toBe(202);
    // A: revenue 500, returned 100: share 100 / 600, below returns_heavy; three orders: other.
    const a = (await app.inject({ method: 'GET', url: '/v1/customers/A' })).json();
    expect(a).toMatchObject({ live: true, lifecycle: 'lost', lost_at: '2025-03-02T00:00:00.000Z', lost_reason: 'other', last_year_revenue: null });
    expect(a.returned_share).toBeCloseTo(1 / 6, 12);
    const e = (await app.inject({ method: 'GET', url: '/v1/customers/E' })).json();
    expect(e).toMatchObject({ live: true, lost_at: null, lost_reason: null, returned_share: 0 });
    expect(e.lifecycle).not.toBe('lost');
  });
});

