import { statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readNdjson } from '../../../engine/read/ndjson-reader.js';
import { ColumnMissingError } from '../../../engine/errors.js';
import { chunked, collect, columnValues, IDENTITY, tempDir, write } from './fixtures.js';

const dir = tempDir();
const file = (path: string) => ({ kind: 'file', path, size: statSync(path).size }) as const;

describe('readNdjson', () => {
  it('keeps JSON values as they are, undefined for an absent key, and skips blank lines without counting them', async () => {
    const text = [
      '{"customer_id": 42, "ts": "2024-01-01", "amount": 9.5, "margin": 1}',
      '',
      '   ',
      '{"customer_id": "x", "ts": 1700000000000, "amount": "3"}\r',
      '{"customer_id": null, "ts": "2024-01-02"}',
    ].join('\n');
    const path = write(dir, 'a.ndjson', text);
    const batches = await collect(readNdjson(file(path), IDENTITY));
    expect(batches).toHaveLength(1);
    expect(batches[0]!.length).toBe(3);
    expect(columnValues(batches, 'customer_id')).toEqual([42, 'x', null]);
    expect(columnValues(batches, 'amount')).toEqual([9.5, '3', undefined]);
    expect(columnValues(batches, 'margin')).toEqual([1, undefined, undefined]);
    expect(batches[0]!.bytesRead).toBe(statSync(path).size);
  });

  it('turns invalid JSON and non-object lines into malformed rows carrying the first 200 characters', async () => {
    const long = `{"customer_id": 1, "note": "${'y'.repeat(300)}"`;
    const text = ['{"customer_id":1,"ts":"t","amount":1}', long, '[1,2]', '7', 'null', '{"customer_id":2,"ts":"t","amount":2}'].join('\n');
    const batches = await collect(readNdjson(file(write(dir, 'bad.ndjson', text)), { ...IDENTITY, batchSize: 4 }));
    expect(batches.map((b) => [b.firstRow, b.length])).toEqual([[1, 4], [5, 2]]);
    expect(batches[0]!.malformed.map((m) => m.index)).toEqual([1, 2, 3]);
    expect(batches[0]!.malformed[0]!.detail).toBe(long.slice(0, 200));
    expect(batches[1]!.malformed).toEqual([{ index: 0, reason: 'malformed_row', detail: 'null' }]);
    expect(columnValues(batches, 'customer_id')).toEqual([1, undefined, undefined, undefined, undefined, 2]);
    expect(batches[1]!.columns.margin).toBeUndefined();
  });

  it('reads lines split across chunks of a stream, multi-byte characters included', async () => {
    const rows = Array.from({ length: 50 }, (_, i) => JSON.stringify({ customer_id: `ü€${i}`, ts: i, amount: i / 2 }));
    const bytes = Buffer.from(rows.join('\n') + '\n');
    const batches = await collect(readNdjson({ kind: 'stream', name: 'stdin', chunks: chunked(bytes, 7) }, { ...IDENTITY, batchSize: 16 }));
    expect(columnValues(batches, 'customer_id')).toEqual(rows.map((_, i) => `ü€${i}`));
    expect(batches.map((b) => b.bytesRead)).toEqual([...batches.map((b) => b.bytesRead)].sort((a, b) => a - b));
    expect(batches[0]!.source).toBe('stdin');
  });

  it('throws ColumnMissingError when no row of the first batch has a required key', async () => {
    const path = write(dir, 'nokey.ndjson', '{"id": 1, "ts": "t", "amount": 1}\n');
    const err = await collect(readNdjson(file(path), IDENTITY)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ColumnMissingError);
    expect((err as Error).message).toMatch(/"customer_id".*"id", "ts", "amount".*--map customer_id=/);
    const mapped = await collect(readNdjson(file(path), { columns: { ...IDENTITY.columns, customer_id: 'id' } }));
    expect(columnValues(mapped, 'customer_id')).toEqual([1]);
  });
});
