import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generate } from '../../../engine/generate/index.js';
import { rescore } from '../../../engine/rescore/rescore.js';
import { loadSnapshot } from '../../../engine/snapshot/snapshot-store.js';
import { tempDir } from '../read/fixtures.js';

interface Fits {
  bgnbd: { r: number; alpha: number; a: number; b: number; iterations: number; converged: boolean };
  gamma_gamma: { p: number; q: number; v: number; converged: boolean };
}

const relative = (a: number, b: number): number => Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b));

describe('a rescore with a live snapshot', () => {
  it('starts the model fits from its converged parameters and lands on the cold fit', async () => {
    const dir = tempDir();
    const base = join(dir, 'base.csv');
    const later = join(dir, 'later.csv');
    // The same customers drawn twice (different seeds): last night's base and tonight's.
    await generate({ customers: 4_000, transactions: 40_000, format: 'csv', seed: 3, out: base });
    await generate({ customers: 4_000, transactions: 40_000, format: 'csv', seed: 4, out: later });
    const asOf = '2026-06-30';
    await rescore({ input: base, dataDir: join(dir, 'warm'), asOf });
    const warm = await rescore({ input: later, dataDir: join(dir, 'warm'), asOf });
    const cold = await rescore({ input: later, dataDir: join(dir, 'cold'), asOf });
    const fitsOf = async (data: string, id: string) => (await loadSnapshot(data, id)).manifest.models as Fits;
    const w = await fitsOf(join(dir, 'warm'), warm.snapshot);
    const c = await fitsOf(join(dir, 'cold'), cold.snapshot);
    expect(w.bgnbd.converged && c.bgnbd.converged && w.gamma_gamma.converged).toBe(true);
    expect(w.bgnbd.iterations).toBeLessThan(c.bgnbd.iterations);
    for (const key of ['r', 'alpha', 'a', 'b'] as const) expect(relative(w.bgnbd[key], c.bgnbd[key])).toBeLessThan(1e-5);
    for (const key of ['p', 'q', 'v'] as const) expect(relative(w.gamma_gamma[key], c.gamma_gamma[key])).toBeLessThan(1e-5);
  });
});
