import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { evaluateCampaign } from '../../../engine/campaign/evaluate-campaign.js';
import { listCampaigns, readCampaign } from '../../../engine/campaign/campaign-store.js';
import { parseConfig } from '../../../engine/config/load-config.js';
import { Prng } from '../../../engine/generate/prng.js';
import { rescore } from '../../../engine/rescore/rescore.js';
import { loadSnapshot } from '../../../engine/snapshot/snapshot-store.js';

const dir = mkdtempSync(join(tmpdir(), 'segstream-campaign-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

// C = 2024-05-01..07 (7 days), so P = 2024-04-24..30 and weekly spend in a window is its spend.
// Participants 1, 2, 3 and 99 (no transaction at all); 11 and 12 are the default control
// (an order in the 365 days before the start); 13 ordered only long before and in C, 14 only returned.
const TX = file(
  'tx.csv',
  [
    'customer_id,ts,amount',
    '1,2024-04-25,10',
    '1,2024-05-02,10',
    '1,2024-05-06T23:59:59Z,20',
    '2,2024-04-24,20',
    '2,2024-04-27,-5',
    '3,2024-05-07,40',
    '11,2023-12-01,50',
    '11,2024-04-30,10',
    '11,2024-05-01T00:00:00Z,10',
    '12,2024-01-10,7',
    '12,2024-05-05,5',
    '13,2022-01-01,9',
    '13,2024-05-03,100',
    '14,2024-02-01,-30',
    '1,2024-05-08,1000',
    '2,2024-04-23,1000',
  ].join('\n'),
);
const PARTICIPANTS = file('participants.txt', '1\n2.0\n"3"\n\n99\n1\n');

describe('a campaign worked out by hand', () => {
  const config = parseConfig({ spend_bands: { quantiles: 2 } });
  const run = () => evaluateCampaign({ input: TX, participants: PARTICIPANTS, start: '2024-05-01', end: '2024-05-07', config, name: 'spring', dataDir: dir });

  it('takes the baseline as long as the campaign, just before it', async () => {
    const r = await run();
    expect(r.windows).toEqual({ C: { from: '2024-05-01', to: '2024-05-07', days: 7 }, P: { from: '2024-04-24', to: '2024-04-30', days: 7 } });
  });

  it('gives the participants means over all four of them, the one without history at zero', async () => {
    const r = await run();
    // spend P: 10, 15 (20 - 5), 0, 0; spend C: 30, 0, 40, 0; orders P: 1, 1, 0, 0; C: 2, 0, 1, 0.
    expect(r.participants).toEqual({
      customers: 4,
      participants_without_history: 1,
      mean_spend_P: 25 / 4,
      mean_spend_C: 70 / 4,
      mean_delta: 45 / 4,
      share_active_P: 0.5,
      share_active_C: 0.5,
      orders_per_customer_P: 0.5,
      orders_per_customer_C: 0.75,
    });
  });

  it('takes as default control the others who ordered in the 365 days before the start', async () => {
    const r = await run();
    // 11: P 10, C 10; 12: P 0, C 5. 13's last order before the start is 2022; 14 only returned.
    expect(r.control_rule).toBe('default');
    // Alike before: both half active in P, mean spend 6.25 against 5 (a ratio of exactly 1.25).
    expect(r.warnings).toEqual([]);
    expect(r.control).toMatchObject({ customers: 2, participants_without_history: 0, mean_spend_P: 5, mean_spend_C: 7.5, mean_delta: 2.5, share_active_P: 0.5, share_active_C: 1 });
  });

  it('computes did, se from the sample variances, the interval and the incremental revenue', async () => {
    const { effect } = await run();
    // deltas T: 20, -15, 40, 0 (mean 11.25, sum of squares 1718.75, variance 1718.75 / 3); K: 0, 5 (variance 12.5).
    const se = Math.sqrt(1718.75 / 3 / 4 + 12.5 / 2);
    expect(effect.did).toBeCloseTo(8.75, 12);
    expect(effect.se).toBeCloseTo(se, 12);
    expect(effect.ci95![0]).toBeCloseTo(8.75 - 1.96 * se, 12);
    expect(effect.ci95![1]).toBeCloseTo(8.75 + 1.96 * se, 12);
    expect(effect.incremental_revenue).toBeCloseTo(35, 12);
  });

  it('bands both windows on the thresholds of T and K active in P, band 0 without an order', async () => {
    const { spend_bands: b } = await run();
    // Active in P: 1 (10), 2 (15), 11 (10): sorted 10, 10, 15, threshold v[floor(3/2)] = 10.
    expect(b.bands).toBe(2);
    expect(b.thresholds_P).toEqual([10]);
    expect(b.labels).toEqual([0, 1, 2]);
    // T: 1 goes 1 -> 2, 2 goes 2 -> 0, 3 goes 0 -> 2, 99 stays 0 -> 0.
    expect(b.participants).toEqual({ matrix: [[1, 0, 1], [0, 0, 1], [1, 0, 0]], up: 0.5, same: 0.25, down: 0.25 });
    // K: 11 stays 1 -> 1, 12 goes 0 -> 1.
    expect(b.control).toEqual({ matrix: [[0, 1, 0], [0, 1, 0], [0, 0, 0]], up: 0.5, same: 0.5, down: 0 });
    expect(b.t_minus_k).toEqual({ up: 0, same: -0.25, down: 0.25 });
  });

  it('bands on configured money edges, 1 + #{edges <= weekly spend}', async () => {
    const r = await evaluateCampaign({ input: TX, participants: PARTICIPANTS, start: '2024-05-01', end: '2024-05-07', config: parseConfig({ spend_bands: { edges: [12, 35] } }) });
    // T: 1: 10 -> 30 is 1 -> 2; 2: 15 -> none is 2 -> 0; 3: none -> 40 is 0 -> 3; 99: 0 -> 0.
    expect(r.spend_bands.thresholds_P).toEqual([12, 35]);
    expect(r.spend_bands.participants.matrix).toEqual([[1, 0, 0, 1], [0, 0, 1, 0], [1, 0, 0, 0], [0, 0, 0, 0]]);
  });

  it('scores segments as a rescore as of the day before the start and as of the last day would', async () => {
    const r = await run();
    const segmentsAt = async (asOf: string) => {
      const data = mkdtempSync(join(dir, 'rescore-'));
      await rescore({ input: TX, dataDir: data, asOf, config });
      const t = (await loadSnapshot(data)).customers;
      const out = new Map<string, string>();
      for (let i = 0; i < t.numRows; i++) out.set(String(t.getChild('customer_id')!.get(i)), String(t.getChild('segment')!.get(i)));
      return out;
    };
    const before = await segmentsAt('2024-04-30');
    const after = await segmentsAt('2024-05-07');
    const { labels, matrix } = r.segments.participants;
    const expected = labels.map(() => new Array<number>(labels.length).fill(0));
    for (const id of ['1', '2', '3', '99']) {
      expected[labels.indexOf(before.get(id) ?? '(absent)')]![labels.indexOf(after.get(id) ?? '(absent)')]!++;
    }
    expect(matrix).toEqual(expected);
    // 3 bought first during the campaign and 99 never: both come from (absent), 99 stays there.
    expect(labels.at(-1)).toBe('(absent)');
    expect(matrix[labels.indexOf('(absent)')]![labels.indexOf('(absent)')]).toBe(1);
  });

  it('takes a given control file with a customer_id column, ids without history counted at zero', async () => {
    const control = file('control.csv', 'name,customer_id\nx,13\n"y, z","11"\nw,nobody\n');
    const r = await evaluateCampaign({ input: TX, participants: PARTICIPANTS, control, start: '2024-05-01', end: '2024-05-07', config });
    // 13: P 0, C 100; 11: P 10, C 10; nobody: 0, 0.
    expect(r.control_rule).toBe('file');
    expect(r.control).toMatchObject({ customers: 3, participants_without_history: 1 });
    expect(r.control.mean_spend_P).toBeCloseTo(10 / 3, 12);
    expect(r.control.mean_spend_C).toBeCloseTo(110 / 3, 12);
    expect(r.control.mean_delta).toBeCloseTo(100 / 3, 12);
    expect(r.effect.did).toBeCloseTo(45 / 4 - 100 / 3, 12);
  });

  it('counts distinct orders per window when order_id is mapped', async () => {
    // Two lines of order 7 in P are one order; order 8 spans both windows and counts once in each.
    const lines = file('lines.csv', ['customer_id,ts,amount,order_id', '1,2024-04-25,4,7', '1,2024-04-25,6,7', '1,2024-04-30,1,8', '1,2024-05-01,2,8', '2,2024-04-26,5,'].join('\n'));
    const ids = file('one-two.txt', '1\n');
    const control = file('two.txt', '2\n');
    const r = await evaluateCampaign({ input: lines, participants: ids, control, start: '2024-05-01', end: '2024-05-07', config: parseConfig({ input: { columns: { order_id: 'order_id' } } }) });
    expect(r.participants).toMatchObject({ mean_spend_P: 11, mean_spend_C: 2, orders_per_customer_P: 2, orders_per_customer_C: 1 });
    // A line without an order id is an order of its own.
    expect(r.control).toMatchObject({ mean_spend_P: 5, orders_per_customer_P: 1 });
  });

  it('gives no se and no interval when a group has a single customer', async () => {
    const r = await evaluateCampaign({ input: TX, participants: [3], start: '2024-05-01', end: '2024-05-07', config });
    // 3: delta 40; control 11 and 12: mean delta 2.5.
    expect(r.effect).toEqual({ did: 37.5, se: null, ci95: null, incremental_revenue: 37.5 });
  });

  it('scores segments without predictions: a rule on p_alive does not match', async () => {
    const rules = parseConfig({ segments: [{ name: 'sure', when: { p_alive: { gte: 0 } } }, { name: 'anyone', r: [1, 5] }] });
    const r = await evaluateCampaign({ input: TX, participants: PARTICIPANTS, start: '2024-05-01', end: '2024-05-07', config: rules });
    expect(r.segments.participants.labels).toEqual(['anyone', '(absent)']);
  });

  it('saves the result durably and reads it back by name', async () => {
    const r = await run();
    expect(JSON.parse(readFileSync(join(dir, 'campaigns', 'spring.json'), 'utf8'))).toEqual(r);
    expect(await readCampaign(dir, 'spring')).toEqual(r);
    expect((await listCampaigns(dir)).map((c) => c.name)).toEqual(['spring']);
  });
});

describe('campaign errors', () => {
  const base = { input: TX, participants: PARTICIPANTS, start: '2024-05-01', end: '2024-05-07' };

  it('refuses an id in both files', async () => {
    const control = file('both.txt', '11\n2\n');
    await expect(evaluateCampaign({ ...base, control })).rejects.toMatchObject({ code: 'SEG_ERR_ARGUMENT', message: expect.stringContaining('1 customer id is both') });
  });

  it('refuses a binary or missing ids file without quoting it', async () => {
    const binary = file('ids.parquet', new Uint8Array([0x50, 0x41, 0x52, 0x31, 0, 0, 0x53, 0x45, 0x43, 0x52, 0x45, 0x54]));
    const e = (await evaluateCampaign({ ...base, participants: binary }).catch((x: unknown) => x)) as Error & { code: string };
    expect(e).toMatchObject({ code: 'SEG_ERR_INPUT_UNREADABLE' });
    expect(e.message).not.toContain('SECRET');
    await expect(evaluateCampaign({ ...base, participants: join(dir, 'none.txt') })).rejects.toMatchObject({ code: 'SEG_ERR_INPUT_NOT_FOUND' });
  });

  it('refuses bad dates and an end before the start', async () => {
    await expect(evaluateCampaign({ ...base, start: '2024-02-30' })).rejects.toMatchObject({ code: 'SEG_ERR_ARGUMENT', message: expect.stringContaining('--start') });
    await expect(evaluateCampaign({ ...base, end: 'May 7' })).rejects.toMatchObject({ code: 'SEG_ERR_ARGUMENT' });
    await expect(evaluateCampaign({ ...base, end: '2024-04-30' })).rejects.toMatchObject({ code: 'SEG_ERR_ARGUMENT', message: expect.stringContaining('before --start') });
  });

  it('refuses a bad name', async () => {
    await expect(evaluateCampaign({ ...base, name: '../x' })).rejects.toMatchObject({ code: 'SEG_ERR_ARGUMENT' });
  });
});

describe('a generated base with a known uplift', () => {
  let boughtBefore = 0;

  it('recovers the injected uplift within its 95% interval', async () => {
    // 4,000 customers buying at random over 60 days (2024-03-01..04-29) and the 28-day campaign
    // from 2024-04-02; each of the 1,000 participants gets one extra purchase of 25 during it.
    const rng = new Prng(12);
    const lines = ['customer_id,ts,amount'];
    const start = Date.UTC(2024, 3, 2);
    const day0 = Date.UTC(2024, 2, 1);
    for (let c = 1; c <= 4000; c++) {
      const rate = 0.02 + 0.1 * rng.uniform();
      const basket = 10 + 40 * rng.uniform();
      let before = false;
      for (let d = 0; d < 60; d++) {
        if (rng.uniform() >= rate) continue;
        const ts = day0 + d * 86_400_000 + 3_600_000;
        lines.push(`${c},${new Date(ts).toISOString()},${(basket * (0.5 + rng.uniform())).toFixed(2)}`);
        if (ts < start) before = true;
      }
      if (c > 1000 && before) boughtBefore++;
      if (c <= 1000) lines.push(`${c},${new Date(start + rng.below(28) * 86_400_000).toISOString()},25`);
    }
    const input = file('generated.csv', lines.join('\n'));
    const participants = file('generated-participants.txt', Array.from({ length: 1000 }, (_, i) => i + 1).join('\n'));
    // A randomized hold-out: the other 3,000, whatever they bought before.
    const control = file('generated-control.txt', Array.from({ length: 3000 }, (_, i) => i + 1001).join('\n'));
    const r = await evaluateCampaign({ input, participants, control, start: '2024-04-02', end: '2024-04-29', preDays: 28 });
    expect(r.participants.customers).toBe(1000);
    expect(r.control.customers).toBe(3000);
    expect(r.effect.ci95![0]).toBeLessThan(25);
    expect(r.effect.ci95![1]).toBeGreaterThan(25);
    // Not a vacuous interval: it excludes no effect at all.
    expect(r.effect.ci95![0]).toBeGreaterThan(0);
    expect(r.warnings).toEqual([]);
    expect(r.spend_bands.t_minus_k.up).toBeGreaterThan(0);
  });

  it('takes as default control only those who ordered before the start, which selects the active (their spend regresses)', async () => {
    const input = join(dir, 'generated.csv');
    const participants = join(dir, 'generated-participants.txt');
    const r = await evaluateCampaign({ input, participants, start: '2024-04-02', end: '2024-04-29', preDays: 28 });
    expect(r.control.customers).toBe(boughtBefore);
    expect(r.control.share_active_P).toBeGreaterThan(r.participants.share_active_P + 0.1);
    expect(r.warnings).toEqual([expect.stringContaining('participants and control differ before the campaign')]);
  });
});
