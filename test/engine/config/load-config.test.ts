import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configHash, loadConfig, parseConfig } from '../../../engine/config/load-config.js';

describe('configuration', () => {
  it('fills every default of DESIGN "Configuration"', () => {
    const c = parseConfig({});
    expect(c.scores.bins).toBe(5);
    expect(c.segments).toHaveLength(11);
    expect(c.spend_bands).toEqual({ by: 'weekly_spend', quantiles: 10 });
    expect(c.tiers.levels.map((l) => l.min_spend)).toEqual([0, 500, 2000, 10000]);
    expect(c.tiers).toMatchObject({ window_days: 365, grace: 0.1 });
    expect(c.lifecycle).toEqual({ new_days: 30, active_days: 90, at_risk_days: 180, lapsed_days: 365 });
    expect(c.win_back.min_m_score).toBe(4);
    expect(c.models).toEqual({ enabled: true, horizon_days: 365, annual_discount_rate: 0.1, holdout_days: 0 });
    expect(c.lost_reasons).toEqual([
      { name: 'returns_heavy', when: { returned_share: { gte: 0.3 } } },
      { name: 'one_time_buyer', when: { orders: { eq: 1 } } },
    ]);
    expect(c.snapshots.keep).toBe(7);
  });

  it('keeps given values next to the defaults of their section', () => {
    const c = parseConfig({ tiers: { grace: 0 }, scores: { bins: 4 } });
    expect(c.tiers.grace).toBe(0);
    expect(c.tiers.window_days).toBe(365);
    expect(c.scores.bins).toBe(4);
  });

  it.each([
    [{ scores: { bin: 3 } }, /unknown key scores\.bin; did you mean bins\?/],
    [{ spend_band: {} }, /unknown key spend_band; did you mean spend_bands\?/],
    [{ tiers: { grace: 'x' } }, /tiers\.grace must be number/],
    [{ scores: { bins: 1 } }, /scores\.bins must be >= 2/],
    [{ segments: [{ name: 'a', r: [5, 1] }] }, /segments\.0\.r must be \[low, high\]/],
    [{ segments: [{ name: 'a', when: { revenu: { gte: 1 } } }] }, /segments\.0\.when\.revenu is not a numeric customer field/],
    [{ segments: [{ name: 'a', when: { revenue: { gtee: 1 } } }] }, /unknown key segments\.0\.when\.revenue\.gtee/],
    [{ spend_bands: { edges: [10, 5] } }, /spend_bands\.edges must be strictly ascending/],
    [{ lifecycle: { rules: [{ stage: 'gone', when: { p_alive: { lt: 0.1 } } }] } }, /lifecycle\.rules\.0\.stage/],
    [{ lifecycle: { rules: [{ stage: 'lost', when: { palive: { lt: 0.1 } } }] } }, /lifecycle\.rules\.0\.when\.palive is not a numeric customer field/],
    [{ lost_reasons: [{ name: 'x', when: { returned_shar: { gte: 0.5 } } }] }, /lost_reasons\.0\.when\.returned_shar is not a numeric customer field/],
    [{ models: { holdout_days: -1 } }, /models\/holdout_days|models\.holdout_days/],
    [{ tiers: { levels: [{ name: 'a', min_spend: 5 }, { name: 'b', min_spend: 1 }] } }, /tiers\.levels must be in ascending/],
  ])('rejects %j naming the path', (value, message) => {
    expect(() => parseConfig(value)).toThrow(message);
    try {
      parseConfig(value);
    } catch (e) {
      expect((e as { code: string }).code).toBe('SEG_ERR_CONFIG_INVALID');
    }
  });

  it('reads a file, names it in errors, and hashes the effective configuration', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'seg-config-'));
    writeFileSync(join(dir, 'ok.json'), JSON.stringify({ scores: { bins: 3 } }));
    writeFileSync(join(dir, 'bad.json'), '{ "scores": ');
    const ok = await loadConfig(join(dir, 'ok.json'));
    expect(ok.scores.bins).toBe(3);
    expect(configHash(ok)).not.toBe(configHash(parseConfig({})));
    expect(configHash(parseConfig({}))).toBe(configHash(await loadConfig()));
    await expect(loadConfig(join(dir, 'bad.json'))).rejects.toThrow(/bad\.json is not valid JSON/);
    await expect(loadConfig(join(dir, 'missing.json'))).rejects.toThrow(/cannot read config file/);
  });
  it('takes the input block with defaults, and names a bad ts_format, decimal or column key by its path', () => {
    expect(parseConfig({}).input).toEqual({ columns: {}, ts_format: 'auto', decimal: 'auto' });
    const given = parseConfig({ input: { columns: { customer_id: 'CustomerID', amount: 'Quantity*UnitPrice', order_id: 'InvoiceNo' }, ts_format: '%m/%d/%Y %H:%M', decimal: ',' } });
    expect(given.input).toMatchObject({ ts_format: '%m/%d/%Y %H:%M', decimal: ',', columns: { order_id: 'InvoiceNo' } });
    expect(() => parseConfig({ input: { ts_format: '%Y-%Q' } })).toThrow(/input\.ts_format/);
    expect(() => parseConfig({ input: { decimal: ';' } })).toThrow(/input\.decimal/);
    expect(() => parseConfig({ input: { columns: { customerid: 'X' } } })).toThrow(/unknown key input\.columns\.customerid; did you mean customer_id\?/);
  });
});
