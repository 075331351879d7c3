import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Table, tableToIPC, vectorFromArray } from 'apache-arrow';
import { detectFileFormat, formatFromExtension, formatFromMagic } from '../../../engine/read/detect-format.js';
import { parquetBytes, tempDir, write } from './fixtures.js';

const dir = tempDir();
const table = new Table({ customer_id: vectorFromArray([1, 2]), ts: vectorFromArray([3, 4]), amount: vectorFromArray([5, 6]) });

describe('detect-format', () => {
  it('names the format from the extension, case-insensitively', () => {
    const cases: Array<[string, string | null]> = [
      ['a.csv', 'csv'], ['a.TSV', 'csv'], ['a.txt', 'csv'], ['a.ndjson', 'ndjson'], ['a.jsonl', 'ndjson'],
      ['a.json', 'ndjson'], ['a.arrow', 'arrow'], ['a.arrows', 'arrow'], ['a.ipc', 'arrow'], ['a.feather', 'arrow'],
      ['a.parquet', 'parquet'], ['a.PQ', 'parquet'], ['a.csv.gz', null], ['a.dat', null], ['dir.csv/file', null], ['.csv', null],
    ];
    for (const [path, format] of cases) expect(formatFromExtension(path), path).toBe(format);
  });

  it('falls back to the first bytes when the extension names no format', async () => {
    const files = {
      parquet: write(dir, 'p.dat', parquetBytes(table)),
      arrowFile: write(dir, 'f.dat', tableToIPC(table, 'file')),
      arrowStream: write(dir, 's.dat', tableToIPC(table, 'stream')),
      ndjson: write(dir, 'n.dat', '\uFEFF  {"customer_id": 1}\n'),
      csv: write(dir, 'c', 'customer_id,ts,amount\n'),
    };
    expect(await detectFileFormat(files.parquet)).toBe('parquet');
    expect(await detectFileFormat(files.arrowFile)).toBe('arrow');
    expect(await detectFileFormat(files.arrowStream)).toBe('arrow');
    expect(await detectFileFormat(files.ndjson)).toBe('ndjson');
    expect(await detectFileFormat(files.csv)).toBe('csv');
    expect(formatFromMagic(readFileSync(files.arrowStream).subarray(0, 4))).toBe('arrow');
    expect(formatFromMagic(new Uint8Array(0))).toBe('csv');
  });
});
