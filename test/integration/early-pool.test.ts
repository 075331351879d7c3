/**
 * cli/early-pool.ts: a `segstream rescore` starts its worker pool before the CLI loads its
 * modules. The threads it reads from the command line are the ones the command will ask for;
 * a run that never takes the pool (standard input, a failure before the read) still ends
 * with its own answer, never a V8 abort of a thread ended mid-start.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { earlyPoolThreads } from '../../cli/early-pool.js';
import { generate } from '../../engine/generate/index.js';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'segstream-early-pool-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('earlyPoolThreads', () => {
  it('reads the threads of a rescore as its command does', () => {
    expect(earlyPoolThreads(['rescore', '--input', 'x.csv'])).toBe(availableParallelism());
    expect(earlyPoolThreads(['rescore', '--input', 'x.csv', '--workers', '3'])).toBe(3);
    expect(earlyPoolThreads(['rescore', '--workers=3', '--input', 'x.csv'])).toBe(3);
    // Commander keeps the last of a repeated option, read by parseInt.
    expect(earlyPoolThreads(['rescore', '--workers', '1', '--input', 'x.csv', '--workers', '4x'])).toBe(4);
  });

  it('starts none where the command runs without a pool or refuses the value', () => {
    for (const args of [
      ['rescore', '--input', 'x.csv', '--workers', '0'],
      ['rescore', '--input', 'x.csv', '--workers', 'many'],
      ['rescore', '--input', 'x.csv', '--workers', '-2'],
      ['rescore', '--input', '-', '--workers', '2'],
      ['rescore', '--input=-'],
      ['rescore', '--input', 'x.csv', '--cluster', 'nats://h:4222'],
      ['rescore', '--help'],
      ['serve', '--workers', '2'],
      ['export', 'rescore'],
      [],
    ]) {
      expect(earlyPoolThreads(args), args.join(' ')).toBe(0);
    }
  });
});

describe('a rescore with its pool started early', () => {
  const sha = (data: string): string => {
    const snapshots = join(data, 'snapshots');
    const [id] = readdirSync(snapshots).filter((n) => !n.startsWith('.'));
    return createHash('sha256').update(readFileSync(join(snapshots, id!, 'customers.arrow'))).digest('hex');
  };

  it('publishes the snapshot of a run without workers, and of one reading standard input', async () => {
    const input = join(dir, 'base.csv');
    await generate({ customers: 2_000, transactions: 20_000, format: 'csv', seed: 3, out: input });
    const runs: Record<string, string> = {};
    for (const workers of ['0', '1', '2']) {
      const data = join(dir, `data-${workers}`);
      const r = await runCli(['rescore', '--input', input, '--data', data, '--as-of', '2026-06-30', '--workers', workers, '--json']);
      expect(r.code, r.stderr).toBe(0);
      runs[workers] = sha(data);
    }
    const piped = join(dir, 'data-stdin');
    const r = await runCli(['rescore', '--input', '-', '--data', piped, '--as-of', '2026-06-30', '--workers', '2', '--json'], readFileSync(input));
    expect(r.code, r.stderr).toBe(0);
    expect(runs['1']).toBe(runs['0']);
    expect(runs['2']).toBe(runs['0']);
    expect(sha(piped)).toBe(runs['0']);
  }, 60_000);

  it('fails on a missing input with its own error while the threads may still be starting', async () => {
    for (let i = 0; i < 4; i++) {
      const r = await runCli(['rescore', '--input', join(dir, 'missing.csv'), '--data', join(dir, 'data-missing'), '--workers', '2']);
      expect(r.stderr).not.toContain('FATAL');
      expect(r.stderr).toContain('[SEG_ERR_INPUT_NOT_FOUND]');
      expect(r.code).toBe(1);
    }
  }, 60_000);
});
