/**
 * The report file and the dashboard in a real browser (Debian's Chromium through playwright-core):
 * every view draws a non-empty chart, nothing goes to the console or the network, and the numbers
 * on the page are the API's for the same snapshot. Screenshots land in test-results/screenshots/.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_CAMPAIGN, type DemoStory, tellDemoStory } from '../../cli/commands/demo-story.js';
import { loadReport } from '../../engine/report/load-report.js';
import type { ReportData } from '../../engine/report/report-data.js';
import { reportHtml } from '../../engine/report/report-page.js';
import { buildServer } from '../../server/build-server.js';
import { SCREENSHOTS, chartData, chartsOf, launchChromium, watchedPage } from './chromium.js';

/** Every chart the story's data must draw. */
const CHARTS = [
  'trend', 'segments', 'spend-bands', 'pareto', 'rf-customers', 'rf-revenue', 'tiers', 'lifecycle', 'lost-by-month', 'lost-by-group', 'win-back', 'migration', 'p-alive', 'calibration',
  'campaign-spend', 'campaign-moves', 'campaign-bands-participants', 'campaign-bands-control', 'campaign-segments-participants', 'campaign-segments-control',
];

const dir = mkdtempSync(join(tmpdir(), 'segstream-browser-'));
const dataDir = join(dir, 'data');
let story: DemoStory;
let app: FastifyInstance;
let origin: string;
let browser: Browser;

async function api<T>(path: string): Promise<T> {
  const res = await fetch(`${origin}${path}`);
  expect(res.status, path).toBe(200);
  return (await res.json()) as T;
}

/** The numbers the page shows, from the elements that carry them. */
async function shown(page: Page, selector: string, attr: string): Promise<Record<string, { value: string; text: string }>> {
  return page.$$eval(selector, (els, a) => Object.fromEntries(els.map((e) => [e.getAttribute(a) ?? '', { value: e.getAttribute('data-value') ?? '', text: e.textContent ?? '' }])), attr);
}

/** Table `name`'s rows as [first cell, data-value of column `col`]. */
function column(page: Page, name: string, col: number): Promise<Array<[string, number]>> {
  return page.$$eval(`table[data-table="${name}"] tbody tr`, (rows, c) => rows.map((r) => [r.children[0]!.textContent ?? '', Number(r.children[c]!.getAttribute('data-value'))] as [string, number]), col);
}

/** The checks both pages pass: charts drawn, and the numbers the API gives for the same snapshot. */
async function expectViewsMatchApi(page: Page, data: ReportData): Promise<void> {
  const charts = await chartsOf(page);
  for (const name of CHARTS) {
    const chart = charts.find((c) => c.name === name);
    expect(chart, `chart ${name}`).toBeDefined();
    expect(chart!.points, `data points of ${name}`).toBeGreaterThan(0);
    expect(chart!.shapes, `shapes of ${name}`).toBeGreaterThan(4);
  }

  const snapshots = await api<{ live: string; snapshots: Array<{ id: string; customers: number; revenue: number }> }>('/v1/snapshots');
  const live = snapshots.snapshots.find((s) => s.id === snapshots.live)!;
  expect(data.snapshot.id).toBe(live.id);
  const headline = await shown(page, '[data-headline]', 'data-headline');
  expect(Number(headline['customers']!.value)).toBe(live.customers);
  expect(headline['customers']!.text).toBe(live.customers.toLocaleString('en-US'));
  expect(Number(headline['revenue']!.value)).toBe(live.revenue);
  expect(headline['revenue']!.text).toBe(new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', maximumFractionDigits: 0 }).format(live.revenue));
  const trendRows = await column(page, 'trend', 3);
  expect(trendRows).toEqual(snapshots.snapshots.map((s) => [s.id, s.revenue]));
  const winBack = await api<{ total: number }>('/v1/win-back?limit=1');
  expect(Number(headline['win_back']!.value)).toBe(winBack.total);

  const segments = await api<{ segments: Array<{ name: string; customers: number }> }>('/v1/segments');
  const segmentRows = await column(page, 'segments', 1);
  expect(segmentRows.length).toBeGreaterThan(3);
  for (const [name, customers] of segmentRows) expect(customers, name).toBe(segments.segments.find((s) => s.name === name)!.customers);
  expect(segmentRows.reduce((n, [, c]) => n + c, 0)).toBe(live.customers);

  const bands = await api<{ bands: Array<{ band: number; customers: number; revenue: number }> }>('/v1/spend-bands');
  const bandCustomers = await column(page, 'spend-bands', 3);
  const bandRevenue = await column(page, 'spend-bands', 5);
  expect(bandCustomers).toEqual(bands.bands.map((b) => [String(b.band), b.customers]));
  expect(bandRevenue).toEqual(bands.bands.map((b) => [String(b.band), b.revenue]));

  const campaign = await api<{ effect: { did: number; incremental_revenue: number }; spend_bands: { participants: { matrix: number[][] } } }>(`/v1/campaigns/${DEMO_CAMPAIGN}`);
  const bandCells = (await chartData(page, 'campaign-bands-participants')) as Array<[number, number, number]>;
  const matrix = campaign.spend_bands.participants.matrix;
  expect(bandCells).toHaveLength(matrix.length * matrix.length);
  for (const [j, i, x] of bandCells) expect(x, `band ${i} -> ${j}`).toBe(matrix[i]![j]);
  const effect = await shown(page, '[data-campaign]', 'data-campaign');
  expect(Number(effect['did']!.value)).toBe(campaign.effect.did);
  expect(Number(effect['incremental_revenue']!.value)).toBe(campaign.effect.incremental_revenue);

  const lost = await api<{ previous: string; newly_lost: number; total: { customers: number; revenue_365d_before: number; reasons: Record<string, number> } }>('/v1/lost?by=segment');
  expect(lost.total.customers).toBeGreaterThan(0);
  expect(lost.previous).toBe(story.before.snapshot);
  const lostShown = await shown(page, '[data-lost]', 'data-lost');
  expect(Number(lostShown['customers']!.value)).toBe(lost.total.customers);
  expect(Number(lostShown['newly_lost']!.value)).toBe(lost.newly_lost);
  expect(Number(lostShown['revenue_365d_before']!.value)).toBe(lost.total.revenue_365d_before);
  for (const [reason, n] of Object.entries(lost.total.reasons)) expect(Number(lostShown[`reason:${reason}`]!.value), reason).toBe(n);

  const top = await api<{ customers: Array<{ customer_id: string; revenue: number }> }>(`/v1/win-back?limit=${data.win_back.top.length}`);
  const winBackRows = await column(page, 'win-back', 3);
  expect(winBackRows).toEqual(top.customers.map((c) => [String(c.customer_id), c.revenue]));
}

beforeAll(async () => {
  [browser, story] = await Promise.all([launchChromium(), tellDemoStory({ dataDir, customers: 3_000, transactions: 30_000, seed: 7 })]);
  app = await buildServer({ dataDir, reloadIntervalMs: 0 });
  origin = (await app.listen({ host: '127.0.0.1', port: 0 })).replace('localhost', '127.0.0.1');
  // The server builds a report in a child process once per snapshot pair: start it now.
  await api(`/v1/report?campaign=${DEMO_CAMPAIGN}`);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the report and the dashboard in Chromium', () => {
  it('fails, saying how to install it, when there is no Chromium', async () => {
    await expect(launchChromium('/nonexistent/chromium')).rejects.toThrow(/no Chromium at \/nonexistent\/chromium: install it with `node scripts\/system-packages.mjs`/);
  });

  it('the report file opens with no network, draws every view, and shows the API\'s numbers', async () => {
    const data = await loadReport(dataDir, { campaign: DEMO_CAMPAIGN });
    expect(data).toEqual(await api<ReportData>(`/v1/report?campaign=${DEMO_CAMPAIGN}`));
    expect(data.migration?.from).toBe(story.before.snapshot);
    const file = join(dir, 'report.html');
    writeFileSync(file, reportHtml(data));
    const { page, problems } = await watchedPage(browser, null);
    await page.goto(pathToFileURL(file).href);
    await page.waitForSelector('[data-view="campaign"] [data-chart]');
    await expectViewsMatchApi(page, data);
    await page.screenshot({ path: join(SCREENSHOTS, 'report.png'), fullPage: true });
    expect(problems).toEqual([]);
    await page.close();
  });

  it('the report of the first snapshot says what it cannot show instead of drawing empty charts', async () => {
    const data = await loadReport(dataDir, { snapshot: story.before.snapshot });
    expect(data.migration).toBeNull();
    const file = join(dir, 'first.html');
    writeFileSync(file, reportHtml(data));
    const { page, problems } = await watchedPage(browser, null);
    await page.goto(pathToFileURL(file).href);
    await page.waitForSelector('[data-view="campaign"]');
    const emptyStates = await page.$$eval('[data-empty]', (els) => els.map((e) => [e.closest('[data-view]')?.getAttribute('data-view'), e.textContent]));
    expect(emptyStates).toEqual([
      ['migration', 'no earlier snapshot to compare with'],
      ['campaign', `campaigns kept: ${DEMO_CAMPAIGN} (choose one to see its result)`],
    ]);
    const charts = await chartsOf(page);
    for (const c of charts) expect(c.points, c.name).toBeGreaterThan(0);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('the dashboard draws the same views from GET /v1/report and shows a looked-up customer as a card', async () => {
    const { page, problems } = await watchedPage(browser, origin);
    // The bare address opens on the newest kept campaign (the demo's mini-program).
    await page.goto(`${origin}/`);
    await page.waitForSelector(`body[data-rendered="${story.after.snapshot}"]`);
    expect(await page.inputValue('#campaign-pick')).toBe(DEMO_CAMPAIGN);
    const data = await api<ReportData>(`/v1/report?campaign=${DEMO_CAMPAIGN}`);
    await expectViewsMatchApi(page, data);

    // The migration by another dimension and measure: the cells of GET /v1/migrations.
    const migration = await api<{ rows: string[]; columns: string[]; counts: number[][]; revenue: number[][] }>('/v1/migrations?by=spend_band');
    await page.selectOption('[data-migration-by]', 'spend_band');
    await page.selectOption('[data-migration-measure]', 'revenue');
    const cells = (await chartData(page, 'migration')) as Array<[number, number, number]>;
    expect(cells).toHaveLength(migration.rows.length * migration.columns.length);
    for (const [j, i, x] of cells) expect(x, `${migration.rows[i]} -> ${migration.columns[j]}`).toBe(migration.revenue[i]![j]);

    const id = data.win_back.top[0]!.customer_id;
    const customer = await api<Record<string, unknown>>(`/v1/customers/${encodeURIComponent(id)}`);
    await page.fill('#cid', id);
    await page.click('#lookup button');
    await page.waitForSelector('#customer [data-field="customer_id"]');
    const field = (name: string) => page.textContent(`#customer [data-field="${name}"]`);
    expect(await field('customer_id')).toBe(String(customer['customer_id']));
    expect(await field('segment')).toBe(customer['segment']);
    expect(await field('orders')).toBe(Number(customer['orders']).toLocaleString('en-US'));
    expect(await field('revenue')).toBe(new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', ...(Math.abs(Number(customer['revenue'])) >= 1000 ? { maximumFractionDigits: 0 } : { minimumFractionDigits: 2, maximumFractionDigits: 2 }) }).format(Number(customer['revenue'])));
    // A card, not a dump of the JSON.
    expect(await page.textContent('#customer')).not.toContain('{');
    await page.screenshot({ path: join(SCREENSHOTS, 'dashboard.png'), fullPage: true });

    // The picker takes the campaign away; an unknown one in the address shows the rest and says so.
    await page.selectOption('#campaign-pick', '');
    await page.waitForSelector('[data-view="campaign"] [data-empty]');
    expect(problems).toEqual([]);
    await page.goto(`${origin}/?campaign=nope`);
    await page.waitForSelector(`body[data-rendered="${story.after.snapshot}"]`);
    await page.waitForFunction(() => (globalThis as unknown as { document: { getElementById(id: string): { textContent: string } } }).document.getElementById('status').textContent.includes('no campaign nope'));
    // The browser itself logs the unknown campaign's 404, and nothing else.
    expect(problems).toEqual([expect.stringMatching(/^console error: Failed to load resource: .*404/)]);
    await page.close();
  });
});
