import { describe, expect, it } from 'vitest';
import { nameOf } from '../../../engine/segment/categorical.js';
import { assignLifecycle, winBackFlags } from '../../../engine/segment/lifecycle.js';
import { assignTiers } from '../../../engine/segment/loyalty-tiers.js';
import { assignSpendBands } from '../../../engine/segment/spend-bands.js';

const LEVELS = [
  { name: 'bronze', min_spend: 0 },
  { name: 'silver', min_spend: 500 },
  { name: 'gold', min_spend: 2000 },
];

describe('spend bands', () => {
  it('cuts quantile bands by the score rule and reports customers and revenue shares per band', () => {
    const spend = Float64Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 100, Number.NaN);
    const orders = Float64Array.of(1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0);
    const revenue = Float64Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 955, -5);
    const b = assignSpendBands(spend, orders, revenue, spend, { by: 'weekly_spend', quantiles: 5 });
    // n = 10, k = 5: t = v[2], v[4], v[6], v[8] = 3, 5, 7, 9
    expect(b.thresholds).toEqual([3, 5, 7, 9]);
    expect([...b.band]).toEqual([1, 1, 1, 2, 2, 3, 3, 4, 4, 5, 0]);
    expect(b.table.map((r) => r.customers)).toEqual([3, 2, 2, 2, 1]);
    expect(b.table[4]).toMatchObject({ band: 5, customers: 1, share_customers: 0.1, revenue: 955, share_revenue: 0.955, mean_weekly_spend: 100, min: 100, max: 100 });
    expect(b.table.reduce((s, r) => s + r.share_revenue, 0)).toBeCloseTo(1, 12);
  });

  it('uses explicit money edges as 1 + #{j : x >= e_j}', () => {
    const spend = Float64Array.of(0, 9.99, 10, 50, 1000);
    const b = assignSpendBands(spend, Float64Array.of(1, 1, 1, 1, 1), spend, spend, { by: 'weekly_spend', quantiles: 10, edges: [10, 50, 100] });
    expect([...b.band]).toEqual([1, 1, 2, 3, 4]);
    expect(b.table.length).toBe(4);
    expect(b.edges).toEqual([10, 50, 100]);
  });
});

describe('loyalty tiers', () => {
  it('gives the highest level whose min_spend is reached, the first level otherwise', () => {
    const t = assignTiers(Float64Array.of(-10, 0, 499.99, 500, 2500), LEVELS, 0.1, null);
    expect([0, 1, 2, 3, 4].map((c) => nameOf(t, c))).toEqual(['bronze', 'bronze', 'bronze', 'silver', 'gold']);
  });

  it('delays a demotion until spend falls below min_spend * (1 - grace) of the level held', () => {
    const before = ['gold', 'gold', 'gold', 'silver', 'bronze'];
    // gold's grace line is 1800, silver's is 450
    const t = assignTiers(Float64Array.of(1900, 1700, 400, 460, 3000), LEVELS, 0.1, (c) => before[c]);
    expect([0, 1, 2, 3, 4].map((c) => nameOf(t, c))).toEqual(['gold', 'silver', 'bronze', 'silver', 'gold']);
  });
});

describe('lifecycle and win-back', () => {
  const days = { new_days: 30, active_days: 90, at_risk_days: 180, lapsed_days: 365 };
  const orders = Float64Array.of(1, 1, 1, 1, 1, 1, 1, 0);
  const recency = Float64Array.of(5, 90, 91, 180, 365, 366, 10, Number.NaN);
  const tenure = Float64Array.of(29, 400, 400, 400, 400, 400, 400, Number.NaN);

  it('judges new, active, at_risk, lapsed and lost on the configured days', () => {
    const l = assignLifecycle(orders, recency, tenure, days, null);
    expect(Array.from({ length: 8 }, (_, c) => nameOf(l, c))).toEqual(['new', 'active', 'at_risk', 'at_risk', 'lapsed', 'lost', 'active', 'no_purchases']);
  });

  it('calls a customer reactivated who was lapsed or lost before and is active now', () => {
    const before = [undefined, 'lost', 'lapsed', undefined, undefined, undefined, 'lapsed', undefined];
    const l = assignLifecycle(orders, recency, tenure, days, (c) => before[c]);
    expect(nameOf(l, 1)).toBe('reactivated');
    expect(nameOf(l, 6)).toBe('reactivated');
    expect(nameOf(l, 2)).toBe('at_risk');
  });

  it('flags lapsed and lost customers with a high M score for win-back', () => {
    const l = assignLifecycle(orders, recency, tenure, days, null);
    const m = Uint8Array.of(5, 5, 5, 5, 4, 3, 5, 0);
    expect([...winBackFlags(l, m, 4)]).toEqual([0, 0, 0, 0, 1, 0, 0, 0]);
  });

  it('judges configured rules on any numeric field, such as p_alive, before the day thresholds', () => {
    const rules = { ...days, rules: [{ stage: 'lost', when: { p_alive: { lt: 0.2 } } }, { stage: 'at_risk', when: { clv_365d: { lte: 0 } } }] };
    const columns = {
      p_alive: Float64Array.of(0.9, 0.1, 0.5, 0.05, Number.NaN, 0.9, 0.9, Number.NaN),
      clv_365d: Float64Array.of(10, 10, -1, 10, 10, 10, 10, 10),
    };
    const l = assignLifecycle(orders, recency, tenure, rules, null, columns);
    // A null p_alive matches no rule; customers without a purchase stay no_purchases.
    expect(Array.from({ length: 8 }, (_, c) => nameOf(l, c))).toEqual(['new', 'lost', 'at_risk', 'lost', 'lapsed', 'lost', 'active', 'no_purchases']);
  });
});
