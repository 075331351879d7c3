/** Test helper: a generated base with bad and future rows, written as CSV, NDJSON, Arrow and Parquet. */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RecordBatch, Table, tableToIPC, Utf8, vectorFromArray } from 'apache-arrow';
import { Table as WasmTable, WriterPropertiesBuilder, writeParquet } from 'parquet-wasm';
import { generate } from '../../../engine/generate/index.js';

/** The as_of the tests use: rows of the last days of the generated history are future rows. */
export const AS_OF = '2026-06-20';

const BAD_LINES = [
  ',2026-01-05T10:00:00Z,12.50,3.00', // missing id
  '77,not-a-date,12.50,3.00', // bad ts
  '78,2026-01-05T10:00:00Z,12,5x,1', // wrong field count
  '79,2026-01-05T10:00:00Z,abc,3.00', // bad amount
  '80,2026-01-05T10:00:00Z,,3.00', // missing amount
  'c-81,2026-02-05,40.00,oops', // bad margin, text id
  'c-82,2026-02-06T08:00:00Z,19.99,', // valid, text id, no margin
];

/** The paths of one base in every format, plus a folder of several CSV/NDJSON/Parquet files. */
export interface PoolFixture {
  readonly dir: string;
  readonly csv: string;
  readonly ndjson: string;
  readonly arrow: string;
  readonly parquet: string;
  readonly folder: string;
  cleanup(): void;
}

/** Generates `rows` rows for `customers` customers and writes every variant. */
export async function makeFixture(customers: number, rows: number): Promise<PoolFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'segstream-pool-'));
  const base = join(dir, 'base.csv');
  await generate({ customers, transactions: rows, format: 'csv', seed: 7, out: base });
  const [header, ...lines] = readFileSync(base, 'utf8').trimEnd().split('\n');
  // Bad rows spread over the file, so every share of every split sees some.
  const mixed: string[] = [];
  lines.forEach((line, i) => {
    mixed.push(line);
    if (i % 997 === 0) mixed.push(BAD_LINES[(i / 997) % BAD_LINES.length]!);
  });
  const csv = join(dir, 'base.csv');
  writeFileSync(csv, `${header}\n${mixed.join('\n')}\n`);
  const ndjson = join(dir, 'base.ndjson');
  writeFileSync(ndjson, mixed.map(toJsonLine).join('\n') + '\n');
  const table = textTable(mixed);
  const arrow = join(dir, 'base.arrow');
  writeFileSync(arrow, tableToIPC(rebatch(table, 1500), 'file'));
  const parquet = join(dir, 'base.parquet');
  const props = new WriterPropertiesBuilder().setMaxRowGroupSize(1200).build();
  writeFileSync(parquet, writeParquet(WasmTable.fromIPCStream(tableToIPC(table, 'stream')), props));
  const folder = join(dir, 'folder');
  mkdirSync(join(folder, 'b'), { recursive: true });
  const third = Math.floor(mixed.length / 3);
  writeFileSync(join(folder, 'a.csv'), `${header}\n${mixed.slice(0, third).join('\n')}\n`);
  writeFileSync(join(folder, 'b', 'c.ndjson'), mixed.slice(third, 2 * third).map(toJsonLine).join('\n') + '\n');
  writeFileSync(join(folder, 'd.parquet'), writeParquet(WasmTable.fromIPCStream(tableToIPC(textTable(mixed.slice(2 * third)), 'stream')), props));
  writeFileSync(join(folder, '_SUCCESS'), '');
  return { dir, csv, ndjson, arrow, parquet, folder, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

function toJsonLine(line: string): string {
  const f = line.split(',');
  if (f.length !== 4) return `{"customer_id": ${JSON.stringify(f[0])}, broken`; // malformed JSON
  const [id, ts, amount, margin] = f as [string, string, string, string];
  const o: Record<string, unknown> = { customer_id: /^\d+$/.test(id) ? Number(id) : id === '' ? null : id, ts };
  o['amount'] = amount === '' ? null : /^-?\d+(\.\d+)?$/.test(amount) ? Number(amount) : amount;
  if (margin !== '') o['margin'] = /^-?\d+(\.\d+)?$/.test(margin) ? Number(margin) : margin;
  return JSON.stringify(o);
}

/** Every column as text (Utf8), so bad values survive into Arrow and Parquet. */
function textTable(lines: readonly string[]): Table {
  const cols: (string | null)[][] = [[], [], [], []];
  for (const line of lines) {
    const f = line.split(',');
    for (let k = 0; k < 4; k++) cols[k]!.push(f.length === 4 && f[k] !== '' ? f[k]! : f.length === 4 ? null : k === 0 ? f[0]! : null);
  }
  const vec = (k: number) => vectorFromArray(cols[k]!, new Utf8());
  return new Table({ customer_id: vec(0), ts: vec(1), amount: vec(2), margin: vec(3) });
}

function rebatch(table: Table, rows: number): Table {
  const batches: RecordBatch[] = [];
  for (let i = 0; i < table.numRows; i += rows) batches.push(...table.slice(i, i + rows).batches);
  return new Table(batches);
}
