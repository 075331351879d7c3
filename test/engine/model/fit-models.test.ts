import { describe, expect, it } from 'vitest';
import { bgnbdExpectedPurchases, bgnbdPAlive } from '../../../engine/model/bgnbd.js';
import { clvOne, clvSchedule } from '../../../engine/model/clv.js';
import { fitModels } from '../../../engine/model/fit-models.js';
import { loadCdnowTransactions } from './cdnow.js';

describe('fitModels', () => {
  const agg = loadCdnowTransactions();
  const result = fitModels(agg, { horizonDays: 365, annualDiscountRate: 0.1 });

  it('lands on the published CDNOW fits from the raw transactions, in days', () => {
    expect(result.warnings).toEqual([]);
    const bg = result.manifest.bgnbd;
    const gg = result.manifest.gamma_gamma;
    expect(bg?.period).toBe('day');
    expect(bg?.converged).toBe(true);
    expect(Math.abs((bg?.alpha ?? 0) / 7 / 4.4135 - 1)).toBeLessThan(1e-3);
    expect(Math.abs((bg?.r ?? 0) / 0.2426 - 1)).toBeLessThan(1e-3);
    expect(Math.abs((bg?.a ?? 0) / 0.7929 - 1)).toBeLessThan(1e-3);
    expect(Math.abs((bg?.b ?? 0) / 2.4258 - 1)).toBeLessThan(1e-3);
    expect(gg?.customers).toBe(946);
    expect(Math.abs((gg?.p ?? 0) / 6.2488 - 1)).toBeLessThan(1e-3);
    expect(Math.abs((gg?.q ?? 0) / 3.7446 - 1)).toBeLessThan(1e-3);
    expect(Math.abs((gg?.v ?? 0) / 15.4477 - 1)).toBeLessThan(1e-3);
  });

  it('fills the four columns from the fitted models for every customer', () => {
    const bg = result.manifest.bgnbd;
    if (bg === null) throw new Error('no BG/NBD fit');
    const { columns } = result;
    const schedule = clvSchedule({ horizonDays: 365, annualDiscountRate: 0.1 });
    for (const i of [0, 1, 2, 5, 8, 2356]) {
      const x = (agg.purchaseDays[i] as number) - 1;
      const tx = (agg.lastDay[i] as number) - (agg.firstDay[i] as number);
      const T = agg.asOfDay - (agg.firstDay[i] as number);
      expect(columns.p_alive[i]).toBeCloseTo(bgnbdPAlive(bg, x, tx, T), 12);
      expect(columns.expected_purchases_90d[i]).toBeCloseTo(bgnbdExpectedPurchases(bg, 90, x, tx, T), 12);
      const aov = columns.expected_aov[i] as number;
      expect(columns.clv_365d[i]).toBeCloseTo(clvOne(bg, x, tx, T, aov, schedule), 9);
    }
    // Sample IDs 1..10: the published Gamma-Gamma expectations (ID 1 from its exact zbar 22.345).
    const published = [24.65, 18.91, 35.17, 35.17, 35.17, 71.46, 18.91, 35.17, 27.28, 35.17];
    for (const [i, want] of published.entries()) expect(columns.expected_aov[i]).toBeCloseTo(want, 2);
    for (const column of Object.values(columns)) expect(column.every(Number.isFinite)).toBe(true);
  });

  it('leaves excluded customers and customers without purchases null', () => {
    const include = new Uint8Array(agg.purchaseDays.length).fill(1);
    include[0] = 0;
    const partial = fitModels({ ...agg, include });
    expect(partial.columns.p_alive[0]).toBeNaN();
    expect(partial.columns.clv_365d[0]).toBeNaN();
    expect(partial.columns.p_alive[1]).toBeGreaterThan(0);
  });

  it('warns and returns null predictions, without throwing, when there are too few repeat customers', () => {
    const n = 200;
    const purchaseDays = new Uint32Array(n).fill(1);
    for (let i = 0; i < 10; i++) purchaseDays[i] = 3;
    const firstDay = new Int32Array(n).fill(100);
    const lastDay = Int32Array.from(purchaseDays, (d) => (d > 1 ? 150 : 100));
    const meanRepeatValue = Float64Array.from(purchaseDays, (d) => (d > 1 ? 20 : Number.NaN));
    const few = fitModels({ purchaseDays, firstDay, lastDay, asOfDay: 200, meanRepeatValue });
    expect(few.warnings).toHaveLength(1);
    expect(few.warnings[0]).toMatch(/10 repeat customers, fewer than the 50/);
    expect(few.manifest).toEqual({ bgnbd: null, gamma_gamma: null });
    for (const column of Object.values(few.columns)) expect(column.every(Number.isNaN)).toBe(true);
  });

  it('keeps BG/NBD predictions but nulls order values and CLV when Gamma-Gamma lacks data', () => {
    const noMoney = fitModels({ ...agg, meanRepeatValue: new Float64Array(agg.purchaseDays.length).fill(Number.NaN) });
    expect(noMoney.manifest.gamma_gamma).toBeNull();
    expect(noMoney.warnings.join('\n')).toMatch(/Gamma-Gamma/);
    expect(noMoney.columns.p_alive.every(Number.isFinite)).toBe(true);
    expect(noMoney.columns.expected_aov.every(Number.isNaN)).toBe(true);
    expect(noMoney.columns.clv_365d.every(Number.isNaN)).toBe(true);
  });
});
