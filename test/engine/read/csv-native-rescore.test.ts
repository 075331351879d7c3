/**
 * Whole rescores of CSV input with the native scanner and with the TypeScript one publish the same
 * snapshot (every customer field, the rejects, the input decisions), on one thread and on a pool;
 * and a file read as byte-range splits gives the rows of the whole file.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../engine/config/load-config.js';
import { InputDialect } from '../../../engine/parse/input-dialect.js';
import { parseBatch } from '../../../engine/parse/parse-batch.js';
import { RejectLog } from '../../../engine/parse/reject-log.js';
import { rescore } from '../../../engine/rescore/rescore.js';
import { nativeCsvBinding } from '../../../engine/read/csv-native.js';
import { planSplits, readCsv, readSplit } from '../../../engine/read/csv-reader.js';
import { DEFAULT_COLUMN_MAP } from '../../../engine/read/raw-batch.js';
import { exportSnapshot } from '../../../engine/snapshot/export-snapshot.js';
import { tempDir, write } from './fixtures.js';

const dir = tempDir();
const config = parseConfig({ models: { enabled: false }, publish: { max_reject_share: 0.5 } });
const saved = process.env.SEGSTREAM_CSV_SCANNER;
afterEach(() => {
  if (saved === undefined) delete process.env.SEGSTREAM_CSV_SCANNER;
  else process.env.SEGSTREAM_CSV_SCANNER = saved;
});

/** A CSV of `n` rows: integer and text ids, ISO date-times with offsets, returns, a few bad rows, CRLF. */
function transactions(n: number, seed: number): string {
  let s = seed;
  const rand = (k: number): number => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return (s >>> 8) % k;
  };
  const lines = ['customer_id,ts,amount,margin'];
  for (let i = 0; i < n; i++) {
    const id = rand(3) === 0 ? `C${rand(500)}` : String(rand(2000));
    const day = 1 + rand(28);
    const ts = `2025-${String(1 + rand(12)).padStart(2, '0')}-${String(day).padStart(2, '0')}T${String(rand(24)).padStart(2, '0')}:15:00${rand(2) === 0 ? 'Z' : '+02:00'}`;
    const amount = `${rand(10) === 0 ? '-' : ''}${rand(500)}.${String(rand(100)).padStart(2, '0')}`;
    const bad = rand(400);
    lines.push(bad === 0 ? `${id},not a date,${amount},1` : bad === 1 ? `${id},${ts},12x,` : bad === 2 ? `,${ts},${amount},` : `${id},${ts},${amount},${rand(50)}`);
  }
  return `${lines.join('\r\n')}\r\n`;
}

async function snapshotOf(input: string, scanner: 'js' | 'native', workers: number | undefined, tag: string): Promise<{ customers: string; manifest: Record<string, unknown> }> {
  if (scanner === 'js') process.env.SEGSTREAM_CSV_SCANNER = 'js';
  else delete process.env.SEGSTREAM_CSV_SCANNER;
  const data = join(dir, `data-${tag}-${scanner}-${workers ?? 'serial'}`);
  const summary = await rescore({ input, dataDir: data, config, asOf: '2025-12-31', batchSize: 1000, ...(workers !== undefined ? { workers } : {}) });
  const out = join(dir, `${tag}-${scanner}-${workers ?? 'serial'}.ndjson`);
  await exportSnapshot({ dataDir: data, format: 'ndjson', out });
  const manifest = JSON.parse(readFileSync(join(data, 'snapshots', summary.snapshot, 'manifest.json'), 'utf8')) as Record<string, unknown>;
  return { customers: readFileSync(out, 'utf8'), manifest };
}

describe.runIf(nativeCsvBinding() !== null)('rescores of CSV through the native scanner', () => {
  const one = write(dir, 'one/tx.csv', transactions(20_000, 7));
  write(dir, 'many/a.csv', transactions(6_000, 1));
  write(dir, 'many/b.csv', transactions(6_000, 2));
  write(dir, 'many/c.csv', transactions(6_000, 3));

  it.each([
    ['one file on the calling thread', one, undefined],
    ['a folder of three files on two workers', join(dir, 'many'), 2],
  ] as const)('publish the snapshot the TypeScript scanner publishes: %s', async (_name, input, workers) => {
    // Counts the native batches taken on this thread (the serial case reads here).
    const binding = nativeCsvBinding()!;
    const take = binding.csvScannerTake;
    let taken = 0;
    binding.csvScannerTake = (h) => {
      taken++;
      return take.call(binding, h);
    };
    try {
      const js = await snapshotOf(input, 'js', workers, String(workers));
      expect(taken).toBe(0);
      const rs = await snapshotOf(input, 'native', workers, String(workers));
      if (workers === undefined) expect(taken).toBeGreaterThan(10);
      expect(js.customers.split('\n').length).toBeGreaterThan(2000);
      expect(rs.customers).toBe(js.customers);
      for (const key of ['rows', 'rejects', 'input'] as const) expect(rs.manifest[key], key).toEqual(js.manifest[key]);
      expect(Object.values(js.manifest['rejects'] as Record<string, number>).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    } finally {
      binding.csvScannerTake = take;
    }
  });

  it('reads a file as byte-range splits into the rows of the whole file, each record once', async () => {
    const parsed = async (batches: AsyncIterable<import('../../../engine/read/raw-batch.js').RawBatch>): Promise<{ rows: number; ids: unknown[]; amounts: number[]; rejects: number }> => {
      const dialect = new InputDialect({ tsFormat: 'iso', decimal: '.' });
      const rejects = new RejectLog(10);
      const ids: unknown[] = [];
      const amounts: number[] = [];
      let rows = 0;
      for await (const raw of batches) {
        rows += raw.length;
        const tx = parseBatch(raw, rejects, dialect);
        ids.push(...tx.ids);
        amounts.push(...tx.amount);
      }
      return { rows, ids, amounts, rejects: rejects.total };
    };
    const size = readFileSync(one).length;
    const whole = await parsed(readCsv({ kind: 'file', path: one, size }, { columns: DEFAULT_COLUMN_MAP, dialect: new InputDialect({ tsFormat: 'iso', decimal: '.' }) }));
    const splits = planSplits(one, size, 5, 1000);
    expect(splits).toHaveLength(5);
    const parts = { rows: 0, ids: [] as unknown[], amounts: [] as number[], rejects: 0 };
    for (const split of splits) {
      const flags = { quoted: false };
      const p = await parsed(readSplit(split, { columns: DEFAULT_COLUMN_MAP, dialect: new InputDialect({ tsFormat: 'iso', decimal: '.' }) }, flags));
      expect(flags.quoted).toBe(false);
      parts.rows += p.rows;
      parts.ids.push(...p.ids);
      parts.amounts.push(...p.amounts);
      parts.rejects += p.rejects;
    }
    expect(parts.rows).toBe(20_000);
    expect(parts).toEqual(whole);
  });
});
