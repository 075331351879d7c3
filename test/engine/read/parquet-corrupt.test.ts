import { Float64, Table, Utf8, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { InputUnreadableError } from '../../../engine/errors.js';
import { readFile } from '../../../engine/read/open-input.js';
import { collect, IDENTITY, parquetBytes, tempDir, write } from './fixtures.js';

const dir = tempDir();
const n = 300;
const table = new Table({
  customer_id: vectorFromArray(Array.from({ length: n }, (_, i) => `c${i % 30}`), new Utf8()),
  ts: vectorFromArray(Array.from({ length: n }, (_, i) => `2024-01-${String((i % 28) + 1).padStart(2, '0')}`), new Utf8()),
  amount: vectorFromArray(Array.from({ length: n }, (_, i) => i / 8), new Float64()),
});
const good = parquetBytes(table);

async function rowsOf(path: string): Promise<number> {
  const batches = await collect(readFile({ path, size: -1, format: 'parquet' }, IDENTITY));
  return batches.reduce((s, b) => s + b.length, 0);
}

describe('corrupt Parquet', () => {
  it('fails with SEG_ERR_INPUT_UNREADABLE when the decoder traps on a corrupt page header, and the next file still reads', async () => {
    const goodPath = write(dir, 'good.parquet', good);
    // Bytes 4..10 are the first page header: flipping them makes parquet-wasm panic (a wasm trap),
    // which on the main thread was an uncaught `RuntimeError: unreachable` and a read that never ended.
    for (const at of [4, 6, 8]) {
      const bad = Uint8Array.from(good);
      bad[at] = bad[at]! ^ 0xff;
      const err = await rowsOf(write(dir, `bad-${at}.parquet`, bad)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InputUnreadableError);
      expect((err as Error).message).toContain(`bad-${at}.parquet`);
      expect(await rowsOf(goodPath)).toBe(n);
    }
  });

  it('fails only the corrupt file when good ones are read beside it', async () => {
    const goodPath = write(dir, 'beside.parquet', good);
    const bad = Uint8Array.from(good);
    bad[6] = bad[6]! ^ 0xff;
    const badPath = write(dir, 'trap.parquet', bad);
    // A trap once failed every read in flight on the shared decoder, good files included.
    const results = await Promise.allSettled([rowsOf(goodPath), rowsOf(badPath), rowsOf(goodPath), rowsOf(badPath), rowsOf(goodPath)]);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as { code: string }).code))).toEqual([
      n,
      'SEG_ERR_INPUT_UNREADABLE',
      n,
      'SEG_ERR_INPUT_UNREADABLE',
      n,
    ]);
  });

  it('fails cleanly on a truncated file and a file of the magic alone', async () => {
    for (const [name, bytes] of [['cut.parquet', good.subarray(0, good.length - 9)], ['magic.parquet', Buffer.from('PAR1PAR1')]] as const) {
      const err = await rowsOf(write(dir, name, bytes)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InputUnreadableError);
      expect((err as Error).message).toContain('truncated');
    }
    const huge = Uint8Array.from(good);
    new DataView(huge.buffer).setUint32(huge.length - 8, 0xffff_fff0, true);
    const err = await rowsOf(write(dir, 'footer.parquet', huge)).catch((e: unknown) => e);
    expect((err as Error).message).toContain('a footer of 4294967280 bytes');
  });
});
