/**
 * Where the CLI's output goes wrong: a reader that closes the pipe (`| head`), an `--out` or data
 * folder that cannot be written (missing parent, read-only file system, full disk). Each ends
 * quietly or as one coded line — never a stack, an "unexpected error", or a temporary path.
 *
 * The read-only and full-disk cases mount a small tmpfs (CI runs as root); where mounting is not
 * possible they fail and say why.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../../engine/generate/index.js';
import { CLI, type CliResult, runCli } from '../helpers/cli.js';
import { leftovers, liveSnapshotOk } from '../reliability/snapshot-checks.js';

const dir = mkdtempSync(join(tmpdir(), 'segstream-outputs-'));
const mounts: string[] = [];
afterAll(() => {
  for (const m of mounts) spawnSync('umount', [m]);
  rmSync(dir, { recursive: true, force: true });
});

const SMALL = 'customer_id,ts,amount\n1,2026-01-01,10\n2,2026-01-02,20\n3,2026-01-05,5\n';

/** stderr lines other than the one notice a machine without the Rust addon prints. */
function errorLines(r: CliResult): string[] {
  return r.stderr.split('\n').filter((l) => l !== '' && !l.includes('native addon not available'));
}

/** One coded line that names the cause, and none of Node's raw wording. */
function expectOneLine(r: CliResult, code: string, reason: RegExp): void {
  const lines = errorLines(r);
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(new RegExp(`\\[${code}\\]$`));
  expect(lines[0]).toMatch(reason);
  expect(lines[0]).not.toMatch(/unexpected error|\.tmp-|\.CURRENT-|^\s+at |ENOENT:|EROFS:|ENOSPC:/);
}

/** Runs the CLI with its standard output closed by the reader after `keepBytes` bytes (0: before anything is written). */
function runIntoClosedPipe(args: string[], keepBytes: number): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    if (keepBytes === 0) child.stdout.destroy();
    else {
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        if (stdout.length >= keepBytes) child.stdout.destroy();
      });
    }
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** Mounts a tmpfs of `kb` KiB at a new folder, read-only when asked; fails the test with the reason when it cannot. */
function mountTmpfs(name: string, kb: number, readOnly: boolean): string {
  const at = join(dir, name);
  mkdirSync(at);
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${kb}k${readOnly ? ',ro' : ''}`, 'tmpfs', at], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`this test mounts a tmpfs (as root, as CI runs) and could not: ${r.error?.message ?? r.stderr.trim()}`);
  mounts.push(at);
  return at;
}

describe('a reader that closes the pipe', () => {
  const data = join(dir, 'data-pipe');
  const input = join(dir, 'small.csv');

  beforeAll(async () => {
    writeFileSync(input, SMALL);
    const r = await runCli(['rescore', '--input', input, '--data', data, '--workers', '0']);
    expect(r.code, r.stderr).toBe(0);
  });

  it('rescore --json into a closed pipe publishes and exits quietly (no EPIPE stack)', async () => {
    const before = readFileSync(join(data, 'CURRENT'), 'utf8');
    const r = await runIntoClosedPipe(['rescore', '--input', input, '--data', data, '--workers', '0', '--json'], 0);
    expect(errorLines(r)).toEqual([]);
    expect(r.code).toBe(0);
    expect(readFileSync(join(data, 'CURRENT'), 'utf8')).not.toBe(before);
  });

  it('rescore with the human summary into a closed pipe exits quietly', async () => {
    const r = await runIntoClosedPipe(['rescore', '--input', input, '--data', data, '--workers', '0'], 0);
    expect(errorLines(r)).toEqual([]);
    expect(r.code).toBe(0);
  });

  it.each(['csv', 'ndjson', 'arrow'])('export --format %s --out - | head exits quietly once the reader has enough', async (format) => {
    // 3 customers fit one write: close before it so the write itself meets the closed pipe.
    const r = await runIntoClosedPipe(['export', '--data', data, '--format', format, '--out', '-'], 0);
    expect(errorLines(r)).toEqual([]);
    expect(r.code).toBe(0);
  });
});

describe('an output that cannot be written', () => {
  const data = join(dir, 'data-out');
  const input = join(dir, 'small.csv');
  let big = '';

  beforeAll(async () => {
    writeFileSync(input, SMALL);
    const r = await runCli(['rescore', '--input', input, '--data', data, '--workers', '0']);
    expect(r.code, r.stderr).toBe(0);
    big = join(dir, 'big.csv');
    await generate({ customers: 20_000, transactions: 60_000, format: 'csv', seed: 5, out: big });
  });

  it.each(['csv', 'arrow'])('export --format %s to a missing parent folder says so in one coded line', async (format) => {
    const out = join(dir, 'no', 'such', `x.${format}`);
    const r = await runCli(['export', '--data', data, '--format', format, '--out', out]);
    expect(r.code).toBe(1);
    expectOneLine(r, 'SEG_ERR_OUTPUT_UNWRITABLE', /cannot write --out .*: a parent folder does not exist \(ENOENT\)/);
  });

  it('rescore into a data folder under a file says so in one coded line', async () => {
    const r = await runCli(['rescore', '--input', input, '--data', join(input, 'data'), '--workers', '0']);
    expect(r.code).toBe(1);
    expectOneLine(r, 'SEG_ERR_OUTPUT_UNWRITABLE', /cannot write the data folder .*: a parent is not a folder \(ENOTDIR\)/);
  });

  it('rescore and export on a read-only file system fail in one coded line (EROFS)', async () => {
    const ro = mountTmpfs('ro', 64, true);
    const rescore = await runCli(['rescore', '--input', input, '--data', join(ro, 'data'), '--workers', '0']);
    expect(rescore.code).toBe(1);
    expectOneLine(rescore, 'SEG_ERR_OUTPUT_UNWRITABLE', /cannot write the data folder .*: read-only file system \(EROFS\)/);
    for (const format of ['csv', 'arrow']) {
      const out = await runCli(['export', '--data', data, '--format', format, '--out', join(ro, `x.${format}`)]);
      expect(out.code).toBe(1);
      expectOneLine(out, 'SEG_ERR_OUTPUT_UNWRITABLE', /cannot write --out .*: read-only file system \(EROFS\)/);
    }
  });

  it('a full disk fails the publish in one line, keeps the previous snapshot live and leaves nothing behind (ENOSPC)', async () => {
    const full = mountTmpfs('full', 512, false);
    const small = join(full, 'data');
    expect((await runCli(['rescore', '--input', input, '--data', small, '--workers', '0'])).code).toBe(0);
    const live = readFileSync(join(small, 'CURRENT'), 'utf8').trim();
    const r = await runCli(['rescore', '--input', big, '--data', small, '--workers', '0']);
    expect(r.code).toBe(1);
    expectOneLine(r, 'SEG_ERR_OUTPUT_UNWRITABLE', new RegExp(`no space left on device \\(ENOSPC\\); snapshot ${live} stays live`));
    expect(readFileSync(join(small, 'CURRENT'), 'utf8').trim()).toBe(live);
    expect(leftovers(small)).toEqual([]);
    expect(readdirSync(join(small, 'snapshots'))).toEqual([live]);
    await liveSnapshotOk(small);
    // An export that fills the disk fails the same way and leaves no partial file.
    const bigData = join(dir, 'data-big');
    expect((await runCli(['rescore', '--input', big, '--data', bigData, '--workers', '0'])).code).toBe(0);
    const out = join(full, 'customers.csv');
    const exported = await runCli(['export', '--data', bigData, '--format', 'csv', '--out', out]);
    expect(exported.code).toBe(1);
    expectOneLine(exported, 'SEG_ERR_OUTPUT_UNWRITABLE', /cannot write --out .*: no space left on device \(ENOSPC\)/);
    expect(existsSync(out)).toBe(false);
  });
});
