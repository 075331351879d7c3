/**
 * DESIGN "A bad run never goes live", through the real CLI: every run the publishing guard must
 * refuse exits 3 with one line naming the failed check, keeps CURRENT (and the live snapshot's
 * files) as they were, and keeps the refused snapshot under DATA/refused/; --force publishes and
 * the manifest says so; a good run still publishes.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, runCli } from '../helpers/cli.js';
import { liveSnapshotOk } from './snapshot-checks.js';

const dir = mkdtempSync(join(tmpdir(), 'segstream-guard-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const data = join(dir, 'data');

/** `n` customers with three purchases each in January 2026, plus `extra` lines. */
function csv(n: number, extra: string[] = []): string {
  const lines = ['customer_id,ts,amount'];
  for (let c = 1; c <= n; c++) for (let k = 1; k <= 3; k++) lines.push(`${c},2026-01-${String(k * 7).padStart(2, '0')},${c + k}`);
  return `${[...lines, ...extra].join('\n')}\n`;
}

function file(name: string, content: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

/** stderr lines other than the one notice a machine without the Rust addon prints. */
function errorLines(r: CliResult): string[] {
  return r.stderr.split('\n').filter((l) => l !== '' && !l.includes('native addon not available'));
}

const rescore = (input: string, ...args: string[]) => runCli(['rescore', '--input', input, '--data', data, '--workers', '0', ...args]);
const current = () => readFileSync(join(data, 'CURRENT'), 'utf8').trim();
const manifestText = (id: string) => readFileSync(join(data, 'snapshots', id, 'manifest.json'), 'utf8');

describe('the publishing guard', () => {
  const base = file('base.csv', csv(200));
  let live = '';
  let liveManifest = '';

  beforeAll(async () => {
    const r = await rescore(base, '--json');
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s).toMatchObject({ published: true, refused: [], forced: [], customers: 200, reject_share: 0 });
    live = current();
    expect(live).toBe(s.snapshot);
    liveManifest = manifestText(live);
  });

  const refusals: [string, () => string, string[], RegExp][] = [
    ['an empty file', () => file('empty.csv', ''), [], /no_valid_rows/],
    ['a header-only file', () => file('header.csv', 'customer_id,ts,amount\n'), [], /no_valid_rows/],
    ['a BOM-only file', () => file('bom.csv', new Uint8Array([0xef, 0xbb, 0xbf])), [], /no_valid_rows/],
    ['a file whose every row is rejected', () => file('allbad.csv', 'customer_id,ts,amount\n1,yesterday,5\n2,2026-01-01,lots\n3,,1\n'), [], /no_valid_rows: no valid row read \(all 3 rows were rejected\).*reject_share 100\.0%/],
    ['an --as-of before the data (every row a future row)', () => base, ['--as-of', '2025-06-30'], /no_valid_rows: no valid row read \(600 valid rows are all after as_of 2025-06-30T23:59:59\.999Z\)/],
    ['a reject share above publish.max_reject_share', () => file('rejects.csv', csv(200, Array.from({ length: 40 }, (_, i) => `${i + 1},2026-02-30,5`))), [], /reject_share 6\.3% of rows rejected \(40 of 640, missing ids not counted\) is above publish\.max_reject_share 5\.0%/],
    ['fewer customers than publish.min_customers', () => base, ['--config', file('min.json', JSON.stringify({ publish: { min_customers: 500 } }))], /min_customers: 200 customers is below publish\.min_customers 500/],
    ['a 1-customer run over a 200-customer base', () => file('one.csv', csv(1)), [], /customer_drop 99\.5% \(1 customers against 200 in the live snapshot [\w-]+\) is above publish\.max_customer_drop 50\.0%/],
  ];

  it.each(refusals)('refuses %s: exit 3, one line naming the check, CURRENT and the live snapshot untouched, the run kept under refused/', async (_name, input, args, check) => {
    const r = await rescore(input(), ...args);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stdout).toBe('');
    const lines = errorLines(r);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^segstream: refused to publish snapshot [\w-]+: /);
    expect(lines[0]).toMatch(check);
    expect(lines[0]).toContain(`snapshot ${live} stays live`);
    expect(lines[0]).toMatch(/\[SEG_ERR_PUBLISH_REFUSED\]$/);
    const refusedId = /refused to publish snapshot ([\w-]+)/.exec(lines[0]!)![1]!;
    expect(current()).toBe(live);
    expect(manifestText(live)).toBe(liveManifest);
    expect(readdirSync(join(data, 'snapshots'))).toEqual([live]);
    expect(readdirSync(join(data, 'refused'))).toContain(refusedId);
    const kept = JSON.parse(readFileSync(join(data, 'refused', refusedId, 'manifest.json'), 'utf8'));
    expect(kept.id).toBe(refusedId);
  });

  it('prints the refused summary with --json: published false and the failed checks', async () => {
    const r = await rescore(file('one.csv', csv(1)), '--json');
    expect(r.code).toBe(3);
    const s = JSON.parse(r.stdout);
    expect(s.published).toBe(false);
    expect(s.refused).toEqual([expect.stringMatching(/^customer_drop 99\.5%/)]);
    expect(s.customers).toBe(1);
    expect(errorLines(r)).toHaveLength(1);
    expect(current()).toBe(live);
  });

  it('keeps only the last few refused snapshots', () => {
    // Every refusal above kept one; older ones were pruned as newer ones came.
    expect(readdirSync(join(data, 'refused')).filter((n) => !n.startsWith('.'))).toHaveLength(3);
  });

  it('does not count rows rejected only for a missing id: anonymous purchases are their own share', async () => {
    const anonymous = Array.from({ length: 300 }, (_, i) => `,2026-01-0${(i % 9) + 1},5`);
    const r = await rescore(file('anonymous.csv', csv(200, anonymous)), '--json');
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s).toMatchObject({ published: true, reject_share: 0, anonymous_share: 300 / 900, customers: 200 });
    expect(s.rejects).toEqual({ missing_customer_id: 300 });
    live = current();
    expect(live).toBe(s.snapshot);
    liveManifest = manifestText(live);
  });

  it('publishes a refused run with --force and records the checks it overrode in the manifest', async () => {
    const r = await rescore(file('one.csv', csv(1)), '--force', '--json');
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.published).toBe(true);
    expect(s.forced).toEqual([expect.stringMatching(/^customer_drop 99\.5%/)]);
    expect(current()).toBe(s.snapshot);
    const manifest = JSON.parse(manifestText(s.snapshot));
    expect(manifest.publish.forced).toEqual(s.forced);
    expect(manifest.customers).toBe(1);
    live = s.snapshot;
  });

  it('still publishes a good run, and the live snapshot exports through the CLI', async () => {
    const r = await rescore(base, '--json');
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s).toMatchObject({ published: true, forced: [], customers: 200 });
    expect(current()).toBe(s.snapshot);
    await liveSnapshotOk(data);
    const out = join(dir, 'live.csv');
    const exported = await runCli(['export', '--data', data, '--format', 'csv', '--out', out]);
    expect(exported.code, exported.stderr).toBe(0);
    expect(readFileSync(out, 'utf8').trim().split('\n')).toHaveLength(201);
  });
});
