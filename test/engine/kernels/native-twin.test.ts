import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { expect, it, vi } from 'vitest';
import { scoreColumn, scoreColumnJs } from '../../../engine/score/score-column.js';
import { itNative } from './kernel-sets.js';

it('gives the reference to js, and to native where the addon is missing', async () => {
  const saved = process.env.SEGSTREAM_NATIVE_ADDON;
  process.env.SEGSTREAM_NATIVE_ADDON = join(tmpdir(), 'no-such-segstream.node');
  vi.resetModules();
  try {
    const { joinIds, joinIdsJs } = await import('../../../engine/rescore/id-join.js');
    const { encodeColumn, encodeColumnJs } = await import('../../../engine/snapshot/encode-column.js');
    expect(joinIds('js')).toBe(joinIdsJs);
    expect(joinIds('native')).toBe(joinIdsJs);
    expect(encodeColumn('native')).toBe(encodeColumnJs);
  } finally {
    vi.resetModules();
    if (saved === undefined) delete process.env.SEGSTREAM_NATIVE_ADDON;
    else process.env.SEGSTREAM_NATIVE_ADDON = saved;
  }
});

itNative("makes what the addon's twin throws a SEG_ERR_NATIVE error naming the export", () => {
  const score = scoreColumn('native');
  expect(score).not.toBe(scoreColumnJs);
  const call = () => score(Float64Array.of(1, 2), 1, Float64Array.of(1, 1), Float64Array.of(1.5), new Uint8Array(1));
  expect(call).toThrow(expect.objectContaining({ code: 'SEG_ERR_NATIVE', message: 'native kernel scoreColumn: bad argument: out must be as long as values' }));
});
