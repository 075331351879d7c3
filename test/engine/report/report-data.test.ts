import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../engine/config/load-config.js';
import { loadReport } from '../../../engine/report/load-report.js';
import type { ReportData } from '../../../engine/report/report-data.js';
import { reportHtml, scriptJson } from '../../../engine/report/report-page.js';
import { rescore } from '../../../engine/rescore/rescore.js';
import { LIFECYCLE_STAGES } from '../../../engine/segment/lifecycle.js';
import { loadSnapshot } from '../../../engine/snapshot/snapshot-store.js';

const dir = mkdtempSync(join(tmpdir(), 'segstream-report-'));
const data = join(dir, 'data');
const DAY = 86_400_000;
const AS_OF = Date.UTC(2025, 11, 31);

// C1..C10: a first purchase of 10 on 2024-01-01, then k purchases of 10 a week apart, the last
// 40 * (k - 1) days before as_of: revenue 10 (k + 1), so 20..110 (650 in all), and the bigger
// spenders are the longer gone. R has only a return of 20.
// M scores (5 bins over 20..110: thresholds 40, 60, 80, 100): C8 and C9 4, C10 5; C8..C10 are
// lapsed (280, 320, 360 days), so the win-back list is C10, C9, C8.
const REVENUE: Record<string, number> = { R: -20 };
const rows = ['customer_id,ts,amount', 'R,2025-06-01,-20'];
for (let k = 1; k <= 10; k++) {
  rows.push(`C${k},2024-01-01,10`);
  const last = AS_OF - 40 * (k - 1) * DAY;
  for (let j = 0; j < k; j++) rows.push(`C${k},${new Date(last - 7 * j * DAY).toISOString().slice(0, 10)},10`);
  REVENUE[`C${k}`] = 10 * (k + 1);
}

let report: ReportData;
let first: string;

beforeAll(async () => {
  writeFileSync(join(dir, 'tx.csv'), rows.join('\n'));
  const config = parseConfig({ report: { currency: 'EUR' }, models: { enabled: false } });
  first = (await rescore({ input: join(dir, 'tx.csv'), dataDir: data, asOf: '2025-10-31', config })).snapshot;
  await rescore({ input: join(dir, 'tx.csv'), dataDir: data, asOf: '2025-12-31', config });
  report = await loadReport(data);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the report document', () => {
  it('gives the headline of the live snapshot in the configured currency', () => {
    expect(report.currency).toBe('EUR');
    expect(report.headline).toMatchObject({ customers: 11, purchasing_customers: 10, revenue: 630, rows_read: rows.length - 1, rows_rejected: 0, reject_share: 0, win_back: 3 });
    expect(report.snapshot.as_of).toBe('2025-12-31T23:59:59.999Z');
    // Both snapshots on the trend, oldest first. As of 2025-10-31 the same 11 customers, without
    // C1's purchase of 2025-12-31 and C2's of 2025-11-14 and 2025-11-21.
    expect(report.trend.map((p) => [p.snapshot, p.as_of.slice(0, 10), p.customers, p.revenue])).toEqual([
      [first, '2025-10-31', 11, 630 - 30],
      [report.snapshot.id, '2025-12-31', 11, 630],
    ]);
  });

  it('sums each segment\'s customers and revenue over the customers the snapshot puts in it, in rule order', async () => {
    const t = (await loadSnapshot(data)).customers;
    const expected = new Map<string, { customers: number; revenue: number }>();
    for (let i = 0; i < t.numRows; i++) {
      const seg = String(t.getChild('segment')!.get(i));
      const cell = expected.get(seg) ?? { customers: 0, revenue: 0 };
      cell.customers++;
      cell.revenue += REVENUE[String(t.getChild('customer_id')!.get(i))]!;
      expected.set(seg, cell);
    }
    expect(report.segments.map((s) => [s.name, s.customers, s.revenue])).toEqual(
      [...expected].map(([name, c]) => [name, c.customers, c.revenue]).sort((a, b) => order(a[0] as string) - order(b[0] as string)),
    );
    expect(report.segments.at(-1)).toMatchObject({ name: 'no_purchases', customers: 1, revenue: -20 });
    expect(report.segments.reduce((n, s) => n + s.share_revenue, 0)).toBeCloseTo(1, 12);
  });

  it('draws the Pareto curve over the purchasing customers ranked by revenue', () => {
    expect(report.pareto.customers).toBe(10);
    expect(report.pareto.points).toHaveLength(101);
    expect(report.pareto.points[0]).toEqual([0, 0]);
    expect(report.pareto.points[100]).toEqual([1, 1]);
    // The top half: 110 + 100 + 90 + 80 + 70 of 650.
    expect(report.pareto.points[50]![1]).toBeCloseTo(450 / 650, 12);
    expect(report.pareto.top_10).toBeCloseTo(110 / 650, 12);
    expect(report.pareto.top_20).toBeCloseTo(210 / 650, 12);
    expect(report.pareto.top_1).toBe(0);
  });

  it('counts the purchasing customers of every R x F cell with their mean revenue', async () => {
    const t = (await loadSnapshot(data)).customers;
    const cells = new Map<string, number[]>();
    for (let i = 0; i < t.numRows; i++) {
      const r = Number(t.getChild('r_score')!.get(i));
      if (r === 0) continue;
      const key = `${r},${Number(t.getChild('f_score')!.get(i))}`;
      cells.set(key, [...(cells.get(key) ?? []), REVENUE[String(t.getChild('customer_id')!.get(i))]!]);
    }
    const h = report.rf_heatmap;
    expect(h.bins).toBe(5);
    for (let r = 1; r <= 5; r++) {
      for (let f = 1; f <= 5; f++) {
        const list = cells.get(`${r},${f}`) ?? [];
        expect(h.customers[r - 1]![f - 1], `cell ${r},${f}`).toBe(list.length);
        expect(h.mean_revenue[r - 1]![f - 1]).toBe(list.length ? list.reduce((a, b) => a + b, 0) / list.length : null);
      }
    }
  });

  it('lists the win-back customers by revenue, and the lifecycle stages in their order', () => {
    expect(report.win_back.customers).toBe(3);
    expect(report.win_back.top.map((c) => [c.customer_id, c.revenue, c.m_score, c.lifecycle])).toEqual([
      ['C10', 110, 5, 'lapsed'],
      ['C9', 100, 4, 'lapsed'],
      ['C8', 90, 4, 'lapsed'],
    ]);
    const stages = report.lifecycle.map((x) => x.name);
    expect(stages).toEqual([...stages].sort((a, b) => LIFECYCLE_STAGES.indexOf(a as never) - LIFECYCLE_STAGES.indexOf(b as never)));
    expect(report.lifecycle.reduce((n, x) => n + x.customers, 0)).toBe(11);
    expect(report.lifecycle.find((x) => x.name === 'lapsed')).toMatchObject({ customers: 3 + 2, revenue: 110 + 100 + 90 + 80 + 70 });
  });

  it('compares with the snapshot before by every dimension, and leaves the campaign out unless asked', () => {
    expect(report.migration?.from).toBe(first);
    expect(report.migration?.to).toBe(report.snapshot.id);
    expect(Object.keys(report.migration!.by)).toEqual(['segment', 'tier', 'spend_band', 'lifecycle']);
    for (const m of Object.values(report.migration!.by)) expect(m.counts.flat().reduce((a, b) => a + b, 0)).toBe(11);
    expect(report.lost?.['segment']?.previous).toBe(first);
    expect(report.campaign).toBeNull();
    expect(report.campaigns).toEqual([]);
  });

  it('refuses an unknown campaign and a comparison of a snapshot with itself', async () => {
    await expect(loadReport(data, { campaign: 'nope' })).rejects.toMatchObject({ code: 'SEG_ERR_CAMPAIGN_NOT_FOUND' });
    await expect(loadReport(data, { snapshot: first, compare: first })).rejects.toMatchObject({ code: 'SEG_ERR_ARGUMENT' });
    expect((await loadReport(data, { snapshot: first })).migration).toBeNull();
  });

  it('inlines its data so that no text in it can close the script element', () => {
    const evil = '</script><script>alert(1)</script>\u2028';
    const json = scriptJson({ id: evil });
    expect(json).not.toContain('<');
    expect(JSON.parse(json)).toEqual({ id: evil });
    const html = reportHtml({ ...report, snapshot: { ...report.snapshot, id: evil } });
    expect(html.split('</script>').length).toBe(html.split('<script').length);
    expect(html).not.toMatch(/(src|href)="?https?:/);
  });
});

function order(name: string): number {
  const rules = ['champions', 'cant_lose', 'at_risk', 'loyal', 'new', 'promising', 'potential_loyalist', 'need_attention', 'about_to_sleep', 'hibernating', 'lost', 'other', 'no_purchases'];
  return rules.indexOf(name);
}
