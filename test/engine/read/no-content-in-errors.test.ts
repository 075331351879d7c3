import { describe, expect, it } from 'vitest';
import { MAX_MESSAGE_LENGTH } from '../../../engine/errors.js';
import { readInput } from '../../../engine/read/open-input.js';
import { collect, IDENTITY, tempDir, write } from './fixtures.js';

const dir = tempDir();

async function failure(path: string): Promise<Error & { code: string }> {
  const err = await collect(readInput(path, IDENTITY)).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(Error);
  return err as Error & { code: string };
}

describe('error messages never quote an input file', () => {
  it('does not echo a one-line file with no delimiter (a shadow or key file)', async () => {
    const secret = 'root:$6$Zq9.sEcReT.hash$AbCdEf:19000:0:99999:7:::';
    const err = await failure(write(dir, 'shadow', `${secret}\n`));
    expect(err.code).toBe('SEG_ERR_COLUMN_MISSING');
    expect(err.message).not.toContain('root');
    expect(err.message).not.toContain('sEcReT');
    expect(err.message).toContain('1 column found');
  });

  it('does not echo an environment file (NUL-separated key=value pairs)', async () => {
    const env = 'SEGSTREAM_TOKEN=tok-123456\0HOME=/root\0PATH=/usr/bin\0';
    const err = await failure(write(dir, 'environ', env));
    expect(err.message).not.toContain('tok-123456');
    expect(err.message).not.toContain('HOME');
  });

  it('does not list header names that do not look like column names', async () => {
    const err = await failure(write(dir, 'pairs.csv', 'user=alice,password=hunter2\n1,2\n'));
    expect(err.message).not.toContain('hunter2');
    expect(err.message).toContain('2 columns found');
  });

  it('lists at most 20 short names of a huge header and stays within the message cap', async () => {
    const header = Array.from({ length: 100_000 }, (_, i) => `col${i}`).join(',');
    const err = await failure(write(dir, 'wide.csv', `${header}\n`));
    expect(err.message.length).toBeLessThanOrEqual(MAX_MESSAGE_LENGTH);
    expect(err.message).toContain('"col19"');
    expect(err.message).not.toContain('"col20"');
    expect(err.message).toContain('and 99980 more');
  });

  it('does not echo one giant header name', async () => {
    const err = await failure(write(dir, 'giant.csv', `${'x'.repeat(1 << 20)},ts\n`));
    expect(err.message.length).toBeLessThanOrEqual(MAX_MESSAGE_LENGTH);
    expect(err.message).not.toContain('xxxxxxxx');
  });
});
