import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { parseConfig } from '../../../engine/config/load-config.js';
import { scoreBase } from '../../../engine/rescore/score-base.js';
import type { Predictions, ScoredBase } from '../../../engine/segment/scored-base.js';
import { buildCustomersTable, buildCustomerVectors, encodeCustomerChunks, stageCustomers } from '../../../engine/snapshot/customers-file.js';
import { publishSnapshot } from '../../../engine/snapshot/snapshot-publisher.js';
import { PREDICTION_COLUMNS } from '../../../engine/segment/scored-base.js';
import { StagedFile } from '../../../engine/snapshot/staged-file.js';
import { aggregate, type Row } from '../../helpers/rows.js';
import { expectSameBytes } from '../kernels/kernel-sets.js';

// customers.arrow written in two rounds around the models' fit: whatever the predictions turn
// out to be, the file is the bytes of one write of the whole table.
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'segstream-staged-'));
  dirs.push(d);
  return d;
}

const DAY = 86_400_000;
const START = Date.parse('2024-01-01T00:00:00Z');

/** A scored base of `n` customers (some with only returns), without predictions. */
function scored(n: number): ScoredBase {
  const rows: Row[] = [];
  for (let c = 0; c < n; c++) {
    const visits = 1 + (c % 4);
    for (let v = 0; v < visits; v++) rows.push({ customer_id: `C${c}`, ts: new Date(START + ((c * 37 + v * 101) % 500) * DAY).toISOString(), amount: c % 29 === 0 ? -5.25 : 3.5 + ((c * 13 + v) % 200) / 4 });
  }
  const { table } = aggregate(rows, '2025-06-30');
  return scoreBase(table, parseConfig({}), null, null);
}

function predictions(n: number, value: (c: number) => number): Predictions {
  const col = (k: number) => Float64Array.from({ length: n }, (_, c) => value(c) * (k + 1));
  return { p_alive: col(0), expected_purchases_90d: col(1), expected_aov: col(2), clv_365d: col(3) };
}

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  return Buffer.concat(chunks.map((c) => Buffer.from(c.buffer, c.byteOffset, c.byteLength)));
}

it.each([
  ['some nulls', (c: number) => (c % 7 === 0 ? Number.NaN : 0.5 + c / 1e4)],
  ['no null', (c: number) => 0.25 + c],
  ['all null', () => Number.NaN],
])('finishes as the bytes of one write of the scored table when the predictions have %s', async (_, value) => {
  const base = scored(3000);
  const early = buildCustomerVectors(base, (name) => !PREDICTION_COLUMNS.has(name));
  const path = StagedFile.pathIn(tmp());
  const staged = await stageCustomers(path, base, early);
  // Everything but the batch header, the predictions and the footer is on disk before the fit ends.
  const before = readFileSync(path);
  const real = { ...base, predictions: predictions(base.table.size, value) };
  const chunks = await encodeCustomerChunks(buildCustomersTable(real, early));
  const want = concat(chunks);
  let written = 0;
  for (let i = 0; i < before.length; i++) if (before[i] === want[i]) written++;
  expect(written).toBeGreaterThan(want.length - 5 * 8 * base.table.size);
  await staged.finish(chunks);
  expectSameBytes(readFileSync(path), want, 'customers.arrow');
});

it('rewrites every chunk it did not write itself, and cuts the file to its length, so any table finishes it exactly', async () => {
  const base = scored(2000);
  const staged = await stageCustomers(StagedFile.pathIn(tmp()), base, buildCustomerVectors(base, (name) => !PREDICTION_COLUMNS.has(name)));
  // Another, smaller table: no chunk of it is one the stand-ins shared.
  const other = scored(300);
  const chunks = await encodeCustomerChunks(buildCustomersTable({ ...other, predictions: predictions(300, (c) => c) }));
  await staged.finish(chunks);
  expectSameBytes(readFileSync(staged.path), concat(chunks), 'customers.arrow');
});

it('moves a staged file into the published snapshot, and a publish removes only staged files older than any fit', async () => {
  const data = tmp();
  const base = scored(500);
  const early = buildCustomerVectors(base, (name) => !PREDICTION_COLUMNS.has(name));
  const snapshots = join(data, 'snapshots');
  await publishSnapshot(data, 'a', { 'manifest.json': '{}', 'customers.arrow': new Uint8Array(8), 'rejects.ndjson': '' }, 5);
  const crashed = StagedFile.pathIn(snapshots);
  writeFileSync(crashed, 'left by a crashed run');
  utimesSync(crashed, new Date(Date.now() - 7 * 3_600_000), new Date(Date.now() - 7 * 3_600_000));
  const staged = await stageCustomers(StagedFile.pathIn(snapshots), base, early);
  const chunks = await encodeCustomerChunks(buildCustomersTable({ ...base, predictions: predictions(500, (c) => c) }, early));
  await staged.finish(chunks);
  await publishSnapshot(data, 'b', { 'manifest.json': '{}', 'customers.arrow': { path: staged.path }, 'rejects.ndjson': '' }, 5);
  expectSameBytes(readFileSync(join(snapshots, 'b', 'customers.arrow')), concat(chunks), 'published customers.arrow');
  expect(readdirSync(snapshots).sort()).toEqual(['a', 'b']);
  expect(statSync(join(snapshots, 'b', 'customers.arrow')).size).toBe(concat(chunks).length);
});

it('discards a staged file of a run that failed', async () => {
  const base = scored(100);
  const staged = await stageCustomers(StagedFile.pathIn(tmp()), base, {});
  await staged.discard();
  expect(() => statSync(staged.path)).toThrow(expect.objectContaining({ code: 'ENOENT' }));
});
