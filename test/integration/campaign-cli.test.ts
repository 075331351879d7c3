import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rescore } from '../../engine/rescore/rescore.js';
import { buildServer } from '../../server/build-server.js';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'segstream-campaign-cli-'));
const data = join(dir, 'data');
const tx = join(dir, 'tx.csv');
const participants = join(dir, 'vip.csv');
let app: FastifyInstance;

beforeAll(async () => {
  const lines = ['customer_id,ts,amount'];
  for (let c = 1; c <= 40; c++) {
    for (let d = 1; d <= 28; d += 1 + (c % 5)) lines.push(`${c},2025-03-${String(d).padStart(2, '0')},${10 + (c % 7)}`);
    // Participants 1-10 spend 15 more in the campaign's first week.
    if (c <= 10) lines.push(`${c},2025-03-16,15`);
  }
  writeFileSync(tx, lines.join('\n'));
  writeFileSync(participants, `customer_id\n${Array.from({ length: 10 }, (_, i) => i + 1).join('\n')}\n`);
  await rescore({ input: tx, dataDir: data });
  app = await buildServer({ dataDir: data, reloadIntervalMs: 0 });
});
afterAll(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('segstream campaign', () => {
  it('prints, saves and serves the same result', async () => {
    const run = await runCli(['campaign', '--input', tx, '--participants', participants, '--start', '2025-03-15', '--end', '2025-03-28', '--name', 'vip-march', '--data', data, '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const printed = JSON.parse(run.stdout);
    expect(printed).toMatchObject({ name: 'vip-march', windows: { C: { from: '2025-03-15', to: '2025-03-28', days: 14 }, P: { from: '2025-03-01', to: '2025-03-14', days: 14 } } });
    expect(printed.participants.customers).toBe(10);
    expect(printed.control.customers).toBe(30);
    const one = await app.inject({ method: 'GET', url: '/v1/campaigns/vip-march' });
    expect(one.statusCode).toBe(200);
    expect(one.json()).toEqual(printed);
    const list = (await app.inject({ method: 'GET', url: '/v1/campaigns' })).json();
    expect(list.campaigns).toEqual([{ name: 'vip-march', created_at: printed.created_at, windows: printed.windows, participants: 10, control: 30, ...printed.effect }]);
    const human = await runCli(['campaign', '--input', tx, '--participants', participants, '--start', '2025-03-15', '--end', '2025-03-28', '--name', 'vip-march', '--data', data]);
    expect(human.stdout).toContain('difference in differences');
    expect(human.stdout).toContain(`saved as ${data}/campaigns/vip-march.json`);
  });

  it('answers 404 with a code for a campaign that was never saved', async () => {
    const r = await app.inject({ method: 'GET', url: '/v1/campaigns/nothing' });
    expect(r.statusCode).toBe(404);
    expect(r.json().code).toBe('SEG_ERR_CAMPAIGN_NOT_FOUND');
  });

  it('fails in one coded line on bad dates and a missing ids file', async () => {
    const bad = await runCli(['campaign', '--input', tx, '--participants', participants, '--start', '2025-03-28', '--end', '2025-03-15', '--data', data]);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toContain('[SEG_ERR_ARGUMENT]');
    const missing = await runCli(['campaign', '--input', tx, '--participants', join(dir, 'nope.csv'), '--start', '2025-03-15', '--end', '2025-03-28', '--data', data]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('[SEG_ERR_INPUT_NOT_FOUND]');
  });
});
