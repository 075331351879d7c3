import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { parseConfig } from '../../../engine/config/load-config.js';
import { generate } from '../../../engine/generate/index.js';
import { fitPredictions } from '../../../engine/rescore/fit-predictions.js';
import { ModelThread, rulesReadPredictions } from '../../../engine/rescore/model-thread.js';
import { rescore } from '../../../engine/rescore/rescore.js';
import { loadSnapshot } from '../../../engine/snapshot/snapshot-store.js';
import { tempDir } from '../read/fixtures.js';

describe('the models on a thread of their own', () => {
  it('publish the snapshot the calling thread publishes, the rules that read predictions included', async () => {
    const dir = tempDir();
    const input = join(dir, 'base.parquet');
    await generate({ customers: 3_000, transactions: 30_000, format: 'parquet', seed: 9, out: input });
    const asOf = '2026-06-30';
    // A segment rule on p_alive makes scoring wait for the fit; the default rules read none.
    const reading = parseConfig({
      segments: [
        { name: 'likely_gone', when: { p_alive: { lt: 0.5 } } },
        { name: 'everyone', r: [1, 5] },
      ],
    });
    const started = vi.spyOn(ModelThread, 'start');
    for (const config of [parseConfig({}), reading]) {
      const inline = await rescore({ input, dataDir: join(dir, `inline-${rulesReadPredictions(config)}`), asOf, config });
      const threaded = await rescore({ input, dataDir: join(dir, `thread-${rulesReadPredictions(config)}`), asOf, config, workers: 2 });
      const a = await loadSnapshot(join(dir, `inline-${rulesReadPredictions(config)}`), inline.snapshot);
      const b = await loadSnapshot(join(dir, `thread-${rulesReadPredictions(config)}`), threaded.snapshot);
      expect((b.manifest.models as { bgnbd: { converged: boolean } }).bgnbd.converged).toBe(true);
      expect(b.manifest.models).toEqual(a.manifest.models);
      expect(threaded.segments).toEqual(inline.segments);
      // Values, not bytes: Arrow numbers dictionaries by a counter of the process.
      expect(b.customers.schema.fields.map(String)).toEqual(a.customers.schema.fields.map(String));
      for (const field of a.customers.schema.fields) expect([...b.customers.getChild(field.name)!], field.name).toEqual([...a.customers.getChild(field.name)!]);
    }
    // One thread, for the default rules: the fit ran there (its file is built by npm run build).
    expect(started).toHaveBeenCalledTimes(1);
    expect(started.mock.results[0]?.value).toBeInstanceOf(ModelThread);
    expect(rulesReadPredictions(reading)).toBe(true);
    expect(rulesReadPredictions(parseConfig({}))).toBe(false);
    expect(rulesReadPredictions(parseConfig({ lifecycle: { rules: [{ stage: 'lost', when: { clv_365d: { lt: 1 } } }] } }))).toBe(true);
  }, 60_000);
});

describe('a model thread started ahead of its rescore', () => {
  it('is taken by the next start (the one after starts another) and fits as the calling thread does', async () => {
    // 300 customers, a third of them with repeat purchases over a year before day 20,000.
    const n = 300;
    const day = 86_400_000;
    const orders = new Float64Array(n);
    const purchaseDays = new Float64Array(n);
    const first = new Float64Array(n);
    const last = new Float64Array(n);
    const meanRepeatValue = new Float64Array(n);
    for (let c = 0; c < n; c++) {
      const repeat = c % 3 === 0 ? 1 + (c % 7) : 0;
      orders[c] = 1 + repeat;
      purchaseDays[c] = 1 + repeat;
      first[c] = (19_600 + (c % 50)) * day;
      last[c] = first[c]! + repeat * (20 + (c % 30)) * day;
      meanRepeatValue[c] = repeat > 0 ? 20 + (c % 40) : Number.NaN;
    }
    const table = { size: n, asOfDay: 20_000, meanRepeatValue, fields: { orders, purchase_days: purchaseDays, first_purchase_at: first, last_purchase_at: last } };
    const config = parseConfig({});
    ModelThread.prestart();
    const early = ModelThread.start();
    const fresh = ModelThread.start();
    expect(early).toBeInstanceOf(ModelThread);
    expect(fresh).not.toBe(early);
    fresh?.close();
    const here = fitPredictions(table, config);
    const there = await early!.fit({ table, config, opts: {} });
    expect(there.manifest).toEqual(here.manifest);
    expect([...there.columns.p_alive]).toEqual([...here.columns.p_alive]);
    expect(there.manifest.bgnbd).not.toBeNull();
  }, 30_000);
});
