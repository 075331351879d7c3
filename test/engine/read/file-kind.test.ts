import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { InputUnreadableError } from '../../../engine/errors.js';
import { listInputSet, readInput, readStream } from '../../../engine/read/open-input.js';
import { chunked, collect, columnValues, IDENTITY, tempDir, write } from './fixtures.js';

const dir = tempDir();
const csv = 'customer_id,ts,amount\na,2024-01-01,1.5\nb,2024-01-02,-2\n';

describe('file kinds', () => {
  it('reads gzip by name or by magic, from a file and from a stream', async () => {
    for (const name of ['tx.csv.gz', 'tx-no-extension']) {
      const path = write(dir, name, gzipSync(csv));
      expect(columnValues(await collect(readInput(path, IDENTITY)), 'customer_id'), name).toEqual(['a', 'b']);
    }
    const stream = await collect(readStream(chunked(gzipSync(csv), 5), 'stdin', IDENTITY));
    expect(columnValues(stream, 'amount')).toEqual(['1.5', '-2']);
  });

  it('keeps a .txt whose header names a mapped column and skips a note beside it', async () => {
    const folder = join(dir, 'txt');
    write(folder, 'data.txt', csv);
    write(folder, 'README.txt', 'exported by the shop system\n');
    write(folder, 'notes.docx', 'PK\u0003\u0004');
    const set = await listInputSet(folder, { columnNames: ['customer_id', 'ts', 'amount'] });
    expect(set.files.map((f) => f.path)).toEqual([join(folder, 'data.txt')]);
    expect(set.skipped.map((s) => s.path).sort()).toEqual([join(folder, 'README.txt'), join(folder, 'notes.docx')]);
  });

  it('refuses a legacy .xls, a UTF-16 text and an R serialization without quoting them', async () => {
    const cases: Array<[string, Uint8Array, RegExp]> = [
      ['old.xls', Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0x73, 0x65, 0x63]), /legacy Excel/],
      ['utf16.csv', Buffer.from('\ufeffcustomer_id,ts\nsecret', 'utf16le'), /binary file/],
      ['frame.rds', gzipSync(Buffer.from('X\n\0\0\0\u0003secret')), /R data/],
    ];
    for (const [name, bytes, what] of cases) {
      const err = await collect(readInput(write(dir, name, bytes), IDENTITY)).catch((e: unknown) => e as Error);
      expect(err, name).toBeInstanceOf(InputUnreadableError);
      expect((err as Error).message).toMatch(what);
      expect((err as Error).message).not.toContain('secret');
    }
  });
});
