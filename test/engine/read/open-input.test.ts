import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, realpathSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Float64, Table, Utf8, tableToIPC, vectorFromArray } from 'apache-arrow';
import { listInputs, readFile, readInput, readStream } from '../../../engine/read/open-input.js';
import { ColumnMissingError, InputForbiddenError, InputNotFoundError, InputUnreadableError, SegError } from '../../../engine/errors.js';
import type { ColumnName, RawBatch } from '../../../engine/read/raw-batch.js';
import { chunked, collect, columnValues, IDENTITY, parquetBytes, tempDir, write } from './fixtures.js';

const dir = tempDir();
const rows = [
  { customer_id: 'a', ts: '2024-01-01', amount: 1.5, margin: 0.5 },
  { customer_id: 'b', ts: '2024-01-02', amount: -2, margin: 0.25 },
];
const table = new Table({
  customer_id: vectorFromArray(rows.map((r) => r.customer_id), new Utf8()),
  ts: vectorFromArray(rows.map((r) => r.ts), new Utf8()),
  amount: vectorFromArray(rows.map((r) => r.amount), new Float64()),
  margin: vectorFromArray(rows.map((r) => r.margin), new Float64()),
});
const csv = 'customer_id,ts,amount,margin\n' + rows.map((r) => `${r.customer_id},${r.ts},${r.amount},${r.margin}`).join('\n');
const ndjson = rows.map((r) => JSON.stringify(r)).join('\n');

/** Every column as strings, whatever the reader's column kind. */
function asText(batches: RawBatch[]): Record<ColumnName, string[]> {
  const names: ColumnName[] = ['customer_id', 'ts', 'amount', 'margin'];
  return Object.fromEntries(names.map((n) => [n, columnValues(batches, n).map(String)])) as Record<ColumnName, string[]>;
}

describe('open-input', () => {
  const folder = join(dir, 'folder');
  write(folder, 'b/2.ndjson', ndjson);
  write(folder, 'a.csv', csv);
  write(folder, 'c.arrow', tableToIPC(table, 'file'));
  write(folder, 'd.parquet', parquetBytes(table));
  write(folder, 'e.arrows', tableToIPC(table, 'stream'));
  write(folder, '.hidden.csv', 'garbage');
  write(folder, '.git/x.csv', 'garbage');
  write(folder, '_SUCCESS', '');

  it('lists a folder recursively in name order, skipping dotfiles and _ markers', async () => {
    const files = await listInputs(folder);
    expect(files.map((f) => [f.path.slice(folder.length + 1), f.format])).toEqual([
      ['a.csv', 'csv'], ['b/2.ndjson', 'ndjson'], ['c.arrow', 'arrow'], ['d.parquet', 'parquet'], ['e.arrows', 'arrow'],
    ]);
    expect(files[0]!.size).toBe(Buffer.byteLength(csv));
    expect(await listInputs('-')).toEqual([{ path: '-', size: -1, format: null }]);
  });

  it('reads the same rows from every format, and a folder as all its files in order', async () => {
    const files = await listInputs(folder);
    const expected = asText(await collect(readFile(files[0]!, IDENTITY)));
    expect(expected.amount).toEqual(['1.5', '-2']);
    for (const file of files.slice(1)) expect(asText(await collect(readFile(file, IDENTITY))), file.path).toEqual(expected);
    const all = await collect(readInput(folder, IDENTITY));
    expect(all.map((b) => b.source)).toEqual(files.map((f) => f.path));
    expect(columnValues(all, 'customer_id').map(String)).toEqual(Array(5).fill(['a', 'b']).flat());
  });

  it('detects the format of a stream from its first bytes, or takes the one given', async () => {
    for (const path of ['a.csv', 'b/2.ndjson', 'c.arrow', 'd.parquet', 'e.arrows']) {
      const batches = await collect(readStream(chunked(readFileSync(join(folder, path)), 3), 'stdin', IDENTITY));
      expect(columnValues(batches, 'customer_id').map(String), path).toEqual(['a', 'b']);
    }
    const odd = write(dir, 'rows.log', ndjson);
    const forced = await collect(readInput(odd, { ...IDENTITY, format: 'ndjson' }));
    expect(forced[0]!.columns.amount?.kind).toBe('json');
  });

  it('throws InputNotFoundError for a missing path or a folder without input files', async () => {
    await expect(listInputs(join(dir, 'nope'))).rejects.toBeInstanceOf(InputNotFoundError);
    write(dir, 'hollow/.keep', '');
    await expect(collect(readInput(join(dir, 'hollow'), IDENTITY))).rejects.toBeInstanceOf(InputNotFoundError);
  });

  it('applies the --map mapping to every file of a folder', async () => {
    const mapped = join(dir, 'mapped');
    write(mapped, '1.csv', 'id,when,net\nx,2024,3\n');
    write(mapped, '2.ndjson', '{"id":"y","when":"2024","net":4}\n');
    const columns = { customer_id: 'id', ts: 'when', amount: 'net', margin: 'profit' };
    const batches = await collect(readInput(mapped, { columns }));
    expect(columnValues(batches, 'customer_id')).toEqual(['x', 'y']);
    expect(batches.every((b) => b.columns.margin === undefined)).toBe(true);
    await expect(collect(readInput(mapped, IDENTITY))).rejects.toBeInstanceOf(ColumnMissingError);
  });
});

describe('listInputs on links and special files', () => {
  const root = tempDir();
  const data = join(root, 'data');
  write(data, 'one.csv', csv);
  write(data, 'two.ndjson', ndjson);

  it('reads a folder whose entries are symlinks to regular files, giving each real path', async () => {
    const links = join(root, 'links');
    mkdirSync(links);
    symlinkSync(join(data, 'one.csv'), join(links, 'a.csv'));
    symlinkSync(join(data, 'two.ndjson'), join(links, 'b.ndjson'));
    symlinkSync(data, join(links, 'c'));
    symlinkSync(links, join(links, 'd')); // a link back up: read once, no endless walk
    const files = await listInputs(links);
    expect(files.map((f) => [f.path.slice(links.length + 1), f.format, f.realPath])).toEqual([
      ['a.csv', 'csv', realpathSync(join(data, 'one.csv'))],
      ['b.ndjson', 'ndjson', realpathSync(join(data, 'two.ndjson'))],
      ['c/one.csv', 'csv', realpathSync(join(data, 'one.csv'))],
      ['c/two.ndjson', 'ndjson', realpathSync(join(data, 'two.ndjson'))],
    ]);
    expect(files[0]!.size).toBe(Buffer.byteLength(csv));
  });

  it('refuses a FIFO, alone or in a folder, before opening it', async () => {
    const fifos = join(root, 'fifos');
    mkdirSync(fifos);
    execFileSync('mkfifo', [join(fifos, 'x.csv')]);
    for (const path of [join(fifos, 'x.csv'), fifos]) {
      const err = await listInputs(path).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InputForbiddenError);
      expect((err as Error).message).toContain('a FIFO');
    }
  });

  it('refuses a device', async () => {
    await expect(listInputs('/dev/null')).rejects.toBeInstanceOf(InputForbiddenError);
  });

  it('tells a symlink loop and a dangling link from a missing file', async () => {
    const odd = join(root, 'odd');
    mkdirSync(odd);
    symlinkSync(join(odd, 'loop-b'), join(odd, 'loop-a'));
    symlinkSync(join(odd, 'loop-a'), join(odd, 'loop-b'));
    symlinkSync(join(odd, 'gone.csv'), join(odd, 'dangling.csv'));
    const loop = await listInputs(join(odd, 'loop-a')).catch((e: unknown) => e);
    expect(loop).toBeInstanceOf(InputUnreadableError);
    expect((loop as Error).message).toContain('symbolic link loop');
    const dangling = await listInputs(join(odd, 'dangling.csv')).catch((e: unknown) => e);
    expect(dangling).toBeInstanceOf(InputNotFoundError);
    expect((dangling as Error).message).toContain('symbolic link to a file that does not exist');
    await expect(listInputs(odd)).rejects.toBeInstanceOf(SegError);
  });
});
