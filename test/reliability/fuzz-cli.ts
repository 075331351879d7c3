/**
 * The CLI half of the fuzzing suite: a sample of the generated inputs through the real
 * `segstream rescore` (dist/; half the runs on its worker pool, half on the main thread), checking what a user sees: exit 0
 * and an exportable snapshot, or a non-zero exit with one `[SEG_ERR_...]` line and no stack, the
 * live snapshot untouched.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exportSnapshot } from '../../engine/snapshot/export-snapshot.js';
import { currentSnapshotId } from '../../engine/snapshot/snapshot-store.js';
import { runCli } from '../helpers/cli.js';
import { FUZZ_SEED, type FuzzCase, type FuzzFormat, fuzzCases } from './fuzz-generators.js';

// Two runs at a time: each CLI is a whole process with its worker pool, on a 2-core machine.
const LANES = 2;
// Another stretch of the sequence than the in-process runs try.
const CLI_SEED = FUZZ_SEED + 1;

async function runOne(dir: string, c: FuzzCase, problems: string[], codes: Record<string, number>): Promise<void> {
  const where = `${c.format} #${c.index} (seed ${CLI_SEED}; ${c.mutation})`;
  const input = join(dir, `in${c.ext}`);
  const data = join(dir, 'data');
  writeFileSync(input, c.bytes);
  const before = await currentSnapshotId(data);
  // Half the runs read on the worker pool (the default), half on the main thread.
  const workers = c.index % 2 === 0 ? [] : ['--workers', '0'];
  const r = await runCli(['rescore', '--input', input, '--data', data, '--config', join(dir, 'config.json'), '--json', ...workers]);
  const lines = r.stderr.split('\n').filter((l) => l.trim() !== '' && !l.includes('native addon not available'));
  if (lines.some((l) => /^\s+at /.test(l))) problems.push(`${where}: a stack trace on stderr`);
  if (r.code === 0) {
    codes['published'] = (codes['published'] ?? 0) + 1;
    const s = JSON.parse(r.stdout) as { snapshot: string; customers: number; rows: { read: number; valid: number; rejected: number } };
    if (s.rows.read !== s.rows.valid + s.rows.rejected) problems.push(`${where}: rows ${JSON.stringify(s.rows)} do not add up`);
    const out = join(dir, 'export.ndjson');
    const exported = await exportSnapshot({ dataDir: data, id: s.snapshot, format: 'ndjson', out }).catch((e: unknown) => e);
    if (exported instanceof Error) problems.push(`${where}: export failed: ${exported.message.slice(0, 200)}`);
    else if (readFileSync(out, 'utf8').split('\n').filter((l) => l !== '').length !== s.customers) problems.push(`${where}: export is not whole`);
    return;
  }
  const coded = lines.map((l) => /\[(SEG_ERR_[A-Z_]+)\]/.exec(l)?.[1]).filter((x) => x !== undefined);
  if (coded.length === 0) problems.push(`${where}: exit ${r.code} without a [SEG_ERR_...] line: ${lines.join(' | ').slice(0, 300)}`);
  else codes[coded[0]!] = (codes[coded[0]!] ?? 0) + 1;
  if (coded.includes('SEG_ERR_INTERNAL')) problems.push(`${where}: SEG_ERR_INTERNAL: ${lines.join(' | ').slice(0, 300)}`);
  if ((await currentSnapshotId(data)) !== before) problems.push(`${where}: exit ${r.code} but the live snapshot changed`);
}

/** Defines the CLI fuzz test over `parts` (format, inputs). */
export function describeCliFuzz(name: string, parts: ReadonlyArray<readonly [FuzzFormat, number]>): void {
  const root = mkdtempSync(join(tmpdir(), `segstream-fuzz-cli-${name}-`));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  describe(`fuzzing the CLI with ${name} (seed ${CLI_SEED})`, () => {
    it('exits 0 with an exportable snapshot, or non-zero with a [SEG_ERR_...] line and no stack, the live snapshot untouched', async () => {
      const lanes = await Promise.all(
        Array.from({ length: LANES }, async (_, k) => {
          const dir = join(root, `lane-${k}`);
          mkdirSync(dir, { recursive: true });
          writeFileSync(join(dir, 'config.json'), JSON.stringify({ models: { enabled: false }, publish: { max_reject_share: 0.9, max_customer_drop: 1 } }));
          writeFileSync(join(dir, 'good.csv'), 'customer_id,ts,amount\n1,2026-01-01,10\n2,2026-01-02,20\n3,2026-02-01,5\n');
          const first = await runCli(['rescore', '--input', join(dir, 'good.csv'), '--data', join(dir, 'data'), '--config', join(dir, 'config.json')]);
          expect(first.code, first.stderr).toBe(0);
          return dir;
        }),
      );
      const problems: string[] = [];
      const codes: Record<string, number> = {};
      const cases = parts.flatMap(([format, n]) => [...fuzzCases(format, n, CLI_SEED)]);
      await Promise.all(lanes.map(async (dir, k) => {
        for (let i = k; i < cases.length; i += LANES) await runOne(dir, cases[i]!, problems, codes);
      }));
      console.log(`fuzz cli ${name} seed ${CLI_SEED}: ${cases.length} runs, outcomes ${JSON.stringify(codes)}`);
      expect(problems.slice(0, 20), `seed ${CLI_SEED}: ${problems.length} broken promises`).toEqual([]);
    }, 300_000);
  });
}
