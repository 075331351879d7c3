import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { configSchemaHash, parseConfig } from '../../../engine/config/load-config.js';

// What `npm run build` makes: the compiled module and the validator precompiled beside it.
const DIST = new URL('../../../dist/engine/config/', import.meta.url);

function outcome(parse: (v: unknown) => unknown, value: unknown): unknown {
  try {
    return { config: parse(value) };
  } catch (error) {
    return { error: (error as Error).message, code: (error as { code?: string }).code };
  }
}

describe('the precompiled config validator', () => {
  it('is built from this schema, and the compiled module judges every config as the schema compiled at start does', async () => {
    const validator = createRequire(DIST)('./config-validator.cjs') as { schemaHash: string };
    expect(validator.schemaHash).toBe(configSchemaHash());
    const dist = (await import(new URL('load-config.js', DIST).href)) as { parseConfig: (v: unknown) => unknown };
    const configs: unknown[] = [
      {},
      { scores: { bins: 7 }, models: { enabled: false } },
      { scores: { bins: 1 } },
      { segmnets: [] },
      { tiers: { window_days: 'x' } },
      { lifecycle: { rules: [{ stage: 'lost', when: { p_alive: { lt: 0.1 } } }] } },
      { lifecycle: { rules: [{ stage: 'gone', when: {} }] } },
      { spend_bands: { by: 'revenue', quantiles: 4 }, segments: [{ name: 'all' }] },
      [],
      'config',
    ];
    for (const value of configs) expect(outcome(dist.parseConfig, value)).toEqual(outcome(parseConfig, value));
  });
});
