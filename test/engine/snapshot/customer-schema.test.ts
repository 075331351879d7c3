import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../engine/config/load-config.js';
import { IdHashIndex } from '../../../engine/live/id-hash-index.js';
import { LiveState } from '../../../engine/live/live-state.js';
import { SnapshotColumns } from '../../../engine/live/snapshot-columns.js';
import { rescore } from '../../../engine/rescore/rescore.js';
import { utf8Vector } from '../../../engine/snapshot/arrow-columns.js';
import { CUSTOMER_COLUMNS, CUSTOMER_FIELDS, WHEN_FIELDS, arrowTypeOf, cellOf, isoTimestamp } from '../../../engine/snapshot/customer-schema.js';
import { writeTextRows } from '../../../engine/snapshot/export-snapshot.js';
import { type LoadedSnapshot, loadSnapshot } from '../../../engine/snapshot/snapshot-store.js';
import { viewsToTable } from '../../../server/format/customers-export.js';
import { CUSTOMER_SCHEMA } from '../../../server/schemas.js';

let dir: string;
let snap: LoadedSnapshot;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'segstream-schema-'));
  const lines = ['customer_id,ts,amount,margin'];
  for (let i = 1; i <= 120; i++) for (let k = 0; k <= i % 3; k++) lines.push(`${i % 7 === 0 ? `K${i}` : i},2026-0${1 + ((i + k) % 6)}-1${k}T1${k}:0${k}:00Z,${(i % 50) + k + 0.5},${i % 4 === 0 ? '' : (i % 9) + 0.25}`);
  lines.push('R9,2026-06-01,-10,-1', 'GONE,2024-01-05,50,', 'GONE,2024-01-20,-20,');
  await writeFile(join(dir, 'tx.csv'), `${lines.join('\n')}\n`);
  await rescore({ input: join(dir, 'tx.csv'), dataDir: join(dir, 'data'), asOf: '2026-06-30' });
  snap = await loadSnapshot(join(dir, 'data'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('the customer row schema', () => {
  it('is the column list of customers.arrow, with each kind’s Arrow type, customer_id first', () => {
    const fields = snap.customers.schema.fields;
    expect(fields.map((f) => f.name)).toEqual([...CUSTOMER_COLUMNS]);
    expect(CUSTOMER_COLUMNS[0]).toBe('customer_id');
    for (const [i, f] of CUSTOMER_FIELDS.entries()) expect(String(fields[i]!.type)).toBe(String(arrowTypeOf(f.kind)));
  });

  it('is the header of the CSV export and the keys of every NDJSON line, cells by the one converter', async () => {
    const csv: string[] = [];
    await writeTextRows(snap.customers, 'csv', async (t) => void csv.push(t));
    expect(csv.join('').split('\n')[0]).toBe(CUSTOMER_COLUMNS.join(','));
    const nd: string[] = [];
    await writeTextRows(snap.customers, 'ndjson', async (t) => void nd.push(t));
    const rows = nd.join('').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows).toHaveLength(snap.customers.numRows);
    for (const [r, row] of rows.entries()) {
      expect(Object.keys(row)).toEqual([...CUSTOMER_COLUMNS]);
      for (const f of CUSTOMER_FIELDS) expect(row[f.name]).toEqual(cellOf(f.kind, snap.customers.getChild(f.name)!.get(r)));
    }
    const r9 = rows.find((r) => r['customer_id'] === 'R9')!;
    expect(r9).toMatchObject({ orders: 0, first_purchase_at: null, margin: -1, r_score: 0, win_back: false });
    expect(rows.find((r) => r['customer_id'] === '1')!['last_purchase_at']).toBe('2026-03-11T11:01:00.000Z');
  });

  it('is the customer view of the OpenAPI document, nullable where the table says so', () => {
    expect(Object.keys(CUSTOMER_SCHEMA.properties)).toEqual([...CUSTOMER_COLUMNS, 'snapshot', 'as_of', 'live']);
    const props = CUSTOMER_SCHEMA.properties as Record<string, { type: unknown; format?: string }>;
    expect(props['customer_id']!.type).toBe('string');
    expect(props['first_purchase_at']).toMatchObject({ type: ['string', 'null'], format: 'date-time' });
    expect(props['win_back']!.type).toBe('boolean');
    expect(props['p_alive']!.type).toEqual(['number', 'null']);
  });

  it('names the fields a config may test in when, and refuses the others by their path', () => {
    expect(WHEN_FIELDS).toEqual(expect.arrayContaining(['revenue_365d', 'r_score', 'p_alive', 'first_purchase_at']));
    for (const field of WHEN_FIELDS) expect(() => parseConfig({ segments: [{ name: 'a', when: { [field]: { gte: 1 } } }] })).not.toThrow();
    for (const field of ['segment', 'spend_band', 'customer_id', 'rfm_cell']) {
      expect(() => parseConfig({ segments: [{ name: 'a', when: { [field]: { gte: 1 } } }] })).toThrow(`segments.0.when.${field} is not a numeric customer field`);
    }
  });

  it('reads every cell of a snapshot from its buffers as the converter reads Arrow’s own values', () => {
    const cols = new SnapshotColumns(snap.customers);
    expect(cols.readers.map((r) => r.field.name)).toEqual([...CUSTOMER_COLUMNS]);
    for (const { field, read } of cols.readers) {
      const v = snap.customers.getChild(field.name)!;
      for (let r = 0; r < cols.size; r++) expect(read(r)).toEqual(cellOf(field.kind, v.get(r)));
    }
  });

  it('rebuilds a listing’s views as a table with the snapshot’s types and the same cells', () => {
    const cols = new SnapshotColumns(snap.customers);
    const views = Array.from({ length: cols.size }, (_, r) => cols.row(r));
    const table = viewsToTable(views);
    expect(table.schema.fields.map((f) => `${f.name}:${String(f.type)}`)).toEqual(snap.customers.schema.fields.map((f) => `${f.name}:${String(f.type)}`));
    const again = new SnapshotColumns(table);
    for (let r = 0; r < cols.size; r++) expect(again.row(r)).toEqual(views[r]);
  });
});

describe('isoTimestamp', () => {
  it('writes what toISOString writes, across the Date range, before 1970 and beyond year 9999', () => {
    const samples = [0, -1, 1.9, -1.9, 951_782_400_000, 253_402_300_799_999, 253_402_300_800_000, -62_167_219_200_000, -62_167_219_200_001, 8.64e15, -8.64e15];
    let seed = 7;
    const rand = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    for (let i = 0; i < 20_000; i++) samples.push((rand() * 2 - 1) * (i % 2 === 0 ? 8.64e15 : 4e12));
    for (const ms of samples) expect(isoTimestamp(ms)).toBe(new Date(ms).toISOString());
  });
});

describe('the id index', () => {
  it('finds text ids by their bytes and integer ids by value, and nothing else', () => {
    const ids = ['42', '042', '-7', '9007199254740991', 'C0001', 'Zoë', '客户-1', 'O"Brien', ''];
    const index = IdHashIndex.buildSync(utf8Vector(ids));
    for (const [row, id] of ids.entries()) expect(index.find(id)).toBe(row);
    expect(index.findInteger(42)).toBe(0);
    expect(index.findInteger(-7)).toBe(2);
    expect(index.findInteger(9_007_199_254_740_991)).toBe(3);
    for (const miss of ['4', '0042', 'zoë', 'C0002', '42 ']) expect(index.find(miss)).toBe(-1);
    for (const miss of [0, 7, -42, 4]) expect(index.findInteger(miss)).toBe(-1);
    expect(index.extraBytes).toBeLessThanOrEqual(16 * ids.length + 64);
  });

  it('keeps the lookup side within 24 bytes per customer beyond the snapshot’s columns', () => {
    const state = LiveState.openSync(snap);
    expect(state.lookupBytes / state.columns.size).toBeLessThanOrEqual(24);
    const big = IdHashIndex.buildSync(utf8Vector(Array.from({ length: 300_000 }, (_, i) => `C${i}`)));
    expect(big.extraBytes / 300_000).toBeLessThanOrEqual(16);
    expect(big.find('C299999')).toBe(299_999);
    expect(big.findInteger(5)).toBe(-1);
  });
});
