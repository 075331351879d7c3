/**
 * parquet-native.ts: a file with an embedded Arrow schema is also opened by parquet-wasm (arrow-rs's
 * flatbuffers verifier), once per file: by the read that starts at its first row group. A pool's
 * later splits do not start a decoder thread of their own for it.
 */
import { tableFromArrays } from 'apache-arrow';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { InputUnreadableError } from '../../../engine/errors.js';
import { nativeParquetBinding, planSplits, readSplit } from '../../../engine/read/parquet-native.js';
import { collect, parquetBytes, tempDir, write } from './fixtures.js';

const check = vi.hoisted(() => ({ calls: 0, refuse: false }));
vi.mock('../../../engine/read/parquet-wasm.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../../engine/read/parquet-wasm.js')>();
  return {
    ...real,
    wasmOpenCheck: async (source: string, input: Parameters<typeof real.wasmOpenCheck>[1]) => {
      check.calls++;
      return check.refuse ? new InputUnreadableError(`${source}: refused by the check`) : real.wasmOpenCheck(source, input);
    },
  };
});

const dir = tempDir();
const n = 3_000;
const path = write(
  dir,
  'three-groups.parquet',
  parquetBytes(
    tableFromArrays({
      customer_id: Array.from({ length: n }, (_, i) => `C${i % 700}`),
      ts: Array.from({ length: n }, (_, i) => `2026-01-${String(1 + (i % 28)).padStart(2, '0')}`),
      amount: Float64Array.from({ length: n }, (_, i) => i % 97),
    }),
    1_000,
  ),
);
const read = { columns: { customer_id: 'customer_id', ts: 'ts', amount: 'amount' } };
const rows = (batches: { length: number }[]): number => batches.reduce((s, b) => s + b.length, 0);

beforeEach(() => {
  check.calls = 0;
  check.refuse = false;
});

describe.runIf(nativeParquetBinding() !== null)('the embedded schema check', () => {
  it('runs once for a file read in splits, by the split at its first row group', async () => {
    const splits = await planSplits(path);
    expect(splits.map((s) => [s.from, s.to])).toEqual([[0, 1], [1, 2], [2, 3]]);
    let total = 0;
    for (const split of [...splits].reverse()) total += rows(await collect(readSplit(split, read)));
    expect(total).toBe(n);
    expect(check.calls).toBe(1);
    // Read whole, the file is checked once too.
    expect(rows(await collect(readSplit({ path, from: 0, to: 3, bytes: 0, rows: n }, read)))).toBe(n);
    expect(check.calls).toBe(2);
  });

  it('refuses the file in the split that checks it; a later split reads its rows', async () => {
    check.refuse = true;
    const [first, second] = await planSplits(path);
    await expect(collect(readSplit(first!, read))).rejects.toThrow('refused by the check');
    expect(rows(await collect(readSplit(second!, read)))).toBe(1_000);
    expect(check.calls).toBe(1);
  });
});
