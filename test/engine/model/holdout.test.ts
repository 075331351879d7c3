import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../engine/config/load-config.js';
import { Prng } from '../../../engine/generate/prng.js';
import { bgnbdExpectedPurchases } from '../../../engine/model/bgnbd.js';
import type { HoldoutCheck } from '../../../engine/model/holdout.js';
import { rescore } from '../../../engine/rescore/rescore.js';
import { currentSnapshotId } from '../../../engine/snapshot/snapshot-store.js';

const dir = mkdtempSync(join(tmpdir(), 'segstream-holdout-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const DAY = 86_400_000;
const day = (iso: string) => Date.parse(iso) / DAY;
const AS_OF = day('2024-12-31');
const CAL_END = day('2024-12-01');

/**
 * Purchase days of one BG/NBD customer from `start`: rate λ ~ Gamma(1.5) / 30 a day, and after
 * each purchase a drop-out with probability p ~ Beta(1, 5) (drawn from two gammas).
 */
function bgnbdDays(rng: Prng, start: number, end: number): number[] {
  const rate = rng.gamma(1.5) / 30;
  const ga = rng.gamma(1);
  const p = ga / (ga + rng.gamma(5));
  const days = [start];
  let t = start;
  while (rng.uniform() >= p) {
    t += -Math.log(1 - rng.uniform()) / rate;
    const d = Math.floor(t);
    if (d > end) break;
    if (d !== days.at(-1)) days.push(d);
  }
  return days;
}

describe('the holdout check', () => {
  it('tabulates predicted and actual purchases of the holdout days by calibration frequency', async () => {
    // 400 BG/NBD customers starting in 2024; 10 more first buy in the holdout.
    const rng = new Prng(5);
    const lines = ['customer_id,ts,amount'];
    const schedule = new Map<number, number[]>();
    for (let i = 1; i <= 410; i++) {
      const days = bgnbdDays(rng, i <= 400 ? day('2024-01-01') + rng.below(300) : day('2024-12-10'), AS_OF);
      schedule.set(i, days);
      for (const d of days) lines.push(`${i},${new Date(d * DAY + 3_600_000).toISOString()},${10 + (i % 9)}`);
    }
    writeFileSync(join(dir, 'tx.csv'), lines.join('\n'));
    const data = join(dir, 'data');
    const summary = await rescore({ input: join(dir, 'tx.csv'), dataDir: data, asOf: '2024-12-31', config: parseConfig({ models: { holdout_days: 30 } }) });
    const manifest = JSON.parse(readFileSync(join(data, 'snapshots', (await currentSnapshotId(data))!, 'manifest.json'), 'utf8'));
    const h = manifest.models.holdout as HoldoutCheck;
    expect(h).toMatchObject({ days: 30, calibration_end: '2024-12-01', customers: 400 });
    expect(h.bgnbd?.converged).toBe(true);

    // The same table worked out from the schedule, with the calibration fit's parameters.
    const count = new Array(11).fill(0);
    const predicted = new Array(11).fill(0);
    const actual = new Array(11).fill(0);
    for (const days of schedule.values()) {
      const cal = days.filter((d) => d <= CAL_END);
      if (cal.length === 0) continue;
      const x = cal.length - 1;
      const g = Math.min(x, 10);
      count[g]++;
      predicted[g] += bgnbdExpectedPurchases(h.bgnbd!, 30, x, cal.at(-1)! - cal[0]!, CAL_END - cal[0]!);
      actual[g] += days.length - cal.length;
    }
    expect(h.table.map((r) => r.frequency)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '10+']);
    h.table.forEach((row, g) => {
      expect(row.customers).toBe(count[g]);
      expect(row.actual).toBeCloseTo(count[g] ? actual[g] / count[g] : 0, 12);
      expect(row.predicted).toBeCloseTo(count[g] ? predicted[g] / count[g] : 0, 9);
    });
    const used = h.table.filter((r) => r.customers > 0);
    expect(h.mean_absolute_error).toBeCloseTo(used.reduce((s, r) => s + Math.abs(r.predicted - r.actual), 0) / used.length, 12);
    expect(h.actual_total).toBe(actual.reduce((s, v) => s + v, 0));
    expect(summary.warnings.filter((w) => w.includes('holdout'))).toEqual(manifest.models.warnings.filter((w: string) => w.includes('holdout')));
  });

  it('warns when p_alive stays above 0.95 for most lifecycle-lost customers', async () => {
    // 300 BG/NBD customers of 2024 and 140 one-time buyers of 2021: BG/NBD gives the latter p_alive = 1.
    const rng = new Prng(9);
    const lines = ['customer_id,ts,amount'];
    for (let i = 1; i <= 300; i++) {
      for (const d of bgnbdDays(rng, day('2024-01-01') + rng.below(300), AS_OF)) lines.push(`${i},${new Date(d * DAY).toISOString()},20`);
    }
    for (let i = 301; i <= 440; i++) lines.push(`${i},2021-0${1 + (i % 9)}-15,30`);
    writeFileSync(join(dir, 'one-time.csv'), lines.join('\n'));
    const data = join(dir, 'data-one-time');
    const summary = await rescore({ input: join(dir, 'one-time.csv'), dataDir: data, asOf: '2024-12-31' });
    const warning = summary.warnings.find((w) => w.includes('p_alive > 0.95'));
    expect(warning).toContain('for 140 of the 140 lifecycle-lost customers');
    const manifest = JSON.parse(readFileSync(join(data, 'snapshots', (await currentSnapshotId(data))!, 'manifest.json'), 'utf8'));
    expect(manifest.models.warnings).toContain(warning);
    expect(manifest.warnings).toContain(warning);
    expect(manifest.models.holdout).toBeNull();
  });
});
