import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'segstream-program-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('segstream generate --program-participants', () => {
  it('simulates the mini-program and writes its participants as an id file campaign reads', async () => {
    const ids = join(dir, 'participants.csv');
    const res = await runCli(['generate', '--customers', '2000', '--transactions', '20000', '--seed', '3', '--out', join(dir, 'tx.csv'),
      '--program-participants', ids, '--program-start', '2026-03-01', '--program-days', '61', '--program-share', '0.5', '--json']);
    expect(res.code, res.stderr).toBe(0);
    const summary = JSON.parse(res.stdout) as { rows: number; program: { from: string; to: string; participants: number } };
    expect(summary).toMatchObject({ rows: 20_000, program: { from: '2026-03-01', to: '2026-04-30' } });
    const lines = readFileSync(ids, 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe('customer_id');
    expect(lines.length - 1).toBe(summary.program.participants);
    expect(summary.program.participants).toBeGreaterThan(50);
    const numbers = lines.slice(1).map(Number);
    expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
  });

  it('refuses a program that starts after the history, naming the option', async () => {
    const res = await runCli(['generate', '--customers', '10', '--transactions', '20', '--out', join(dir, 'x.csv'), '--program-participants', join(dir, 'p.csv'), '--program-start', '2027-01-01']);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain("program start 2027-01-01 is after the history's last day 2026-06-30");
  });
});
