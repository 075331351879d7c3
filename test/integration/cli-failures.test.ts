import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Float64, Table, Utf8, tableToIPC, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { parquetBytes, tempDir } from '../engine/read/fixtures.js';
import { runCli } from '../helpers/cli.js';

const GOOD = 'customer_id,ts,amount\n1,2026-01-01,10\n2,2026-01-02,20\n1,2026-01-05,5\n';

/** stderr without the one notice a machine without the Rust addon prints on every run. */
function errorLines(stderr: string): string[] {
  return stderr.trim().split('\n').filter((l) => l !== '' && !l.includes('native addon not available'));
}

async function current(data: string): Promise<string> {
  return readFileSync(join(data, 'CURRENT'), 'utf8').trim();
}

describe('bad input', () => {
  const dir = tempDir();

  it('counts bad rows by reason and writes them with their row numbers to rejects.ndjson', async () => {
    const file = join(dir, 'messy.csv');
    writeFileSync(
      file,
      [
        'customer_id,ts,amount,margin',
        '1,2026-01-01,10,2',
        ',2026-01-01,10,2',
        '2,31/01/2026,10,2',
        '3,2026-01-01,ten,2',
        '4,2026-01-01,NaN,2',
        '5,2026-01-01,10,lots',
        '6,2026-01-01,10',
        '7,,10,1',
        '8,2026-01-01,,1',
        '"9",2026-01-02,7.5,',
      ].join('\n'),
    );
    const data = join(dir, 'data-messy');
    // 7 of 10 rows rejected is far above publish.max_reject_share: only --force publishes this run.
    const r = await runCli(['rescore', '--input', file, '--data', data, '--json', '--force']);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.rows).toEqual({ read: 10, valid: 2, rejected: 8, future: 0 });
    expect(s.rejects).toEqual({ missing_customer_id: 1, bad_ts: 1, bad_amount: 2, bad_margin: 1, malformed_row: 1, missing_ts: 1, missing_amount: 1 });
    const rejects = readFileSync(join(data, 'snapshots', s.snapshot, 'rejects.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(rejects.map((x) => [x.row, x.reason])).toEqual([
      [2, 'missing_customer_id'],
      [3, 'bad_ts'],
      [4, 'bad_amount'],
      [5, 'bad_amount'],
      [6, 'bad_margin'],
      [7, 'malformed_row'],
      [8, 'missing_ts'],
      [9, 'missing_amount'],
    ]);
    expect(rejects[1]).toMatchObject({ source: file, value: '31/01/2026' });
    const manifest = JSON.parse(readFileSync(join(data, 'snapshots', s.snapshot, 'manifest.json'), 'utf8'));
    expect(manifest.rejects).toEqual(s.rejects);
    const human = await runCli(['rescore', '--input', file, '--data', data, '--force']);
    expect(human.stdout).toMatch(/rejected by reason: .*bad_amount 2/);
  });

  it.each([
    ['parquet', (t: Table) => parquetBytes(t)],
    ['arrow', (t: Table) => tableToIPC(t, 'file')],
  ])('fails a truncated %s file with one clear line and leaves the live snapshot untouched', async (format, encode) => {
    const data = join(dir, `data-trunc-${format}`);
    const good = join(dir, 'good.csv');
    writeFileSync(good, GOOD);
    expect((await runCli(['rescore', '--input', good, '--data', data])).code).toBe(0);
    const before = await current(data);
    const table = new Table({
      customer_id: vectorFromArray(Array.from({ length: 500 }, (_, i) => String(i)), new Utf8()),
      ts: vectorFromArray(Array.from({ length: 500 }, () => '2026-01-01'), new Utf8()),
      amount: vectorFromArray(Array.from({ length: 500 }, (_, i) => i), new Float64()),
    });
    const bytes = encode(table);
    const file = join(dir, `cut.${format}`);
    writeFileSync(file, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    const r = await runCli(['rescore', '--input', file, '--data', data, '--json']);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(errorLines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/SEG_ERR_INPUT_UNREADABLE/);
    expect(r.stderr).toContain(file);
    expect(await current(data)).toBe(before);
    expect(readdirSync(join(data, 'snapshots'))).toEqual([before]);
  });

  it('fails on a missing input, an unknown config key and a bad --as-of with a non-zero exit', async () => {
    const data = join(dir, 'data-args');
    const missing = await runCli(['rescore', '--input', join(dir, 'nope.csv'), '--data', data]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/SEG_ERR_INPUT_NOT_FOUND/);
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ scores: { bnis: 4 } }));
    const good = join(dir, 'good.csv');
    writeFileSync(good, GOOD);
    const badConfig = await runCli(['rescore', '--input', good, '--data', data, '--config', config]);
    expect(badConfig.code).toBe(2);
    expect(badConfig.stderr).toMatch(/unknown key scores\.bnis; did you mean bins\?/);
    const badAsOf = await runCli(['rescore', '--input', good, '--data', data, '--as-of', '31.12.2026']);
    expect(badAsOf.code).toBe(2);
    expect(badAsOf.stderr).toMatch(/--as-of/);
    const noSnapshot = await runCli(['export', '--data', join(dir, 'empty'), '--format', 'csv', '--out', join(dir, 'x.csv')]);
    expect(noSnapshot.code).toBe(1);
    expect(noSnapshot.stderr).toMatch(/SEG_ERR_SNAPSHOT_NOT_FOUND/);
  });
});
