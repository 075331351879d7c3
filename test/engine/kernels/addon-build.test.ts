import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, it, vi } from 'vitest';
import { NativeError } from '../../../engine/errors.js';
import { BINDING_VERSION, addonCandidates, loadBinding } from '../../../engine/kernels/native-binding.js';
import { mapNativeError } from '../../../engine/kernels/native-errors.js';
import { nativeMissing } from './kernel-sets.js';

const hasCargo = !spawnSync('cargo', ['--version']).error;

describe('the native addon', () => {
  // Without a Rust toolchain the TypeScript kernels are the documented fallback: the test is then
  // skipped under a name that says so, rather than passing without checking anything.
  (hasCargo ? it : it.skip)(`is built wherever cargo is available${hasCargo ? '' : ' (SKIPPED: cargo not found)'}`, () => {
    expect(nativeMissing, 'cargo is installed but the addon does not load: run npm run build:native').toBeNull();
  });

  it('reports why it cannot load instead of throwing', () => {
    const saved = process.env.SEGSTREAM_NATIVE_ADDON;
    process.env.SEGSTREAM_NATIVE_ADDON = join(tmpdir(), 'no-such-segstream.node');
    try {
      expect(loadBinding()).toEqual({ reason: expect.stringContaining('no segstream.') });
      const junk = join(mkdtempSync(join(tmpdir(), 'segstream-')), 'junk.node');
      writeFileSync(junk, 'not a shared object');
      process.env.SEGSTREAM_NATIVE_ADDON = junk;
      expect(loadBinding()).toEqual({ reason: expect.stringContaining('does not load') });
    } finally {
      if (saved === undefined) delete process.env.SEGSTREAM_NATIVE_ADDON;
      else process.env.SEGSTREAM_NATIVE_ADDON = saved;
    }
  });

  it('falls back to js with one notice under auto, and refuses native, when the addon is missing', async () => {
    const saved = process.env.SEGSTREAM_NATIVE_ADDON;
    process.env.SEGSTREAM_NATIVE_ADDON = join(tmpdir(), 'no-such-segstream.node');
    vi.resetModules();
    const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const { activeKernels, loadKernels } = await import('../../../engine/kernels/load-kernels.js');
      expect(activeKernels()).toBe('js');
      expect(loadKernels('auto').name).toBe('js');
      expect(loadKernels('auto').name).toBe('js');
      expect(write).toHaveBeenCalledTimes(1);
      expect(String(write.mock.calls[0]![0])).toMatch(/native addon not available .*using the TypeScript kernels/);
      expect(loadKernels('js').name).toBe('js');
      expect(() => loadKernels('native')).toThrow(expect.objectContaining({ code: 'SEG_ERR_NATIVE' }));
    } finally {
      write.mockRestore();
      vi.resetModules();
      if (saved === undefined) delete process.env.SEGSTREAM_NATIVE_ADDON;
      else process.env.SEGSTREAM_NATIVE_ADDON = saved;
    }
  });

  it('makes every addon failure a SEG_ERR_NATIVE error with the raw error as cause', () => {
    const raw = Object.assign(new Error('argument 0 must be a Float64Array'), { code: 'ERR_NATIVE_ARGUMENT' });
    const mapped = mapNativeError(raw, 'quantileThresholds');
    expect(mapped).toBeInstanceOf(NativeError);
    expect(mapped.code).toBe('SEG_ERR_NATIVE');
    expect(mapped.message).toBe('native kernel quantileThresholds: bad argument: argument 0 must be a Float64Array');
    expect(mapped.cause).toBe(raw);
  });

  it.runIf(nativeMissing === null)('loads and runs in several worker threads at once', async () => {
    // Plain JS in the worker: what is under test is the addon's per-environment registration.
    const path = addonCandidates().find((p) => existsSync(p))!;
    const code = `
      const { parentPort, workerData } = require('node:worker_threads');
      const b = require(workerData);
      const out = new Float64Array(4);
      b.quantileThresholds(Float64Array.of(5, 1, 4, 2, 3), 5, out);
      parentPort.postMessage([b.bindingVersion(), [...out]]);`;
    const results = await Promise.all(
      [0, 1, 2].map(
        () =>
          new Promise((resolve, reject) => {
            const w = new Worker(code, { eval: true, workerData: path });
            w.once('message', (m) => {
              resolve(m);
              void w.terminate();
            });
            w.once('error', reject);
          }),
      ),
    );
    for (const r of results) expect(r).toEqual([BINDING_VERSION, [2, 3, 4, 5]]);
  });
});
