/**
 * Issue 10: `rescore --engine js` and `--engine native` publish the same snapshot, byte for byte,
 * at 0, 1 and 2 workers. The models are where the two kernel sets could part: the native
 * likelihood sums (native/src/model/) take the TypeScript shards in the same order and V8's own
 * log/log1p/exp (fdlibm.rs), so the optimiser walks the same path and every prediction is the same
 * double. Without the addon the native half is skipped under a name that says why.
 *
 * Each run is its own CLI process, as a user runs them: apache-arrow numbers dictionaries from a
 * per-process counter, so two snapshots written by one process differ in their dictionary ids.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { generate } from '../../../engine/generate/index.js';
import { loadSnapshot } from '../../../engine/snapshot/snapshot-store.js';
import { runCli } from '../../helpers/cli.js';
import { expectSameBytes, itNative } from '../kernels/kernel-sets.js';

const AS_OF = '2026-06-20';
let dir: string;
let input: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'segstream-kernel-sets-'));
  input = join(dir, 'base.csv');
  // Enough repeat buyers that both models fit (and take tens of likelihood evaluations each).
  await generate({ customers: 6_000, transactions: 60_000, format: 'csv', seed: 10, out: input });
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** customers.arrow's bytes and the manifest without what names the run (id, time, engine). */
async function snapshotOf(engine: 'js' | 'native', workers: number): Promise<{ customers: Buffer; manifest: Record<string, unknown> }> {
  const dataDir = mkdtempSync(join(dir, `data-${engine}-${workers}-`));
  const run = await runCli(['rescore', '--input', input, '--data', dataDir, '--as-of', AS_OF, '--engine', engine, '--workers', String(workers), '--json']);
  expect(run.code, run.stderr).toBe(0);
  const summary = JSON.parse(run.stdout) as { snapshot: string; engine: string; workers: number };
  expect([summary.engine, summary.workers]).toEqual([engine, workers]);
  const snap = await loadSnapshot(dataDir, summary.snapshot);
  const { id: _id, created_at: _c, timings_ms: _t, engine: _e, ...manifest } = snap.manifest as unknown as Record<string, unknown>;
  return { customers: readFileSync(join(snap.dir, 'customers.arrow')), manifest };
}

describe('the two kernel sets', () => {
  itNative('publish byte-identical snapshots at 0, 1 and 2 workers, with the same model parameters', async () => {
    const want = await snapshotOf('js', 0);
    const models = want.manifest.models as { bgnbd?: { converged?: boolean }; gamma_gamma?: unknown } | undefined;
    // A base whose models did not fit would compare NaN columns and prove nothing.
    expect(models?.bgnbd?.converged).toBe(true);
    expect(models?.gamma_gamma).toBeDefined();
    for (const workers of [0, 1, 2]) {
      for (const engine of ['js', 'native'] as const) {
        if (engine === 'js' && workers === 0) continue;
        const got = await snapshotOf(engine, workers);
        expect(got.manifest, `${engine}, ${workers} workers`).toEqual(want.manifest);
        expectSameBytes(got.customers, want.customers, `customers.arrow, ${engine}, ${workers} workers`);
      }
    }
  }, 120_000);
});
