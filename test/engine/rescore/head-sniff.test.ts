import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Float64, Table as ArrowTable, TimestampMillisecond, tableToIPC, Utf8, vectorFromArray } from 'apache-arrow';
import { Table as WasmTable, WriterPropertiesBuilder, writeParquet } from 'parquet-wasm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { nativeBinding } from '../../../engine/kernels/native-binding.js';
import { InputDialect } from '../../../engine/parse/input-dialect.js';
import { type InputFile, readFile } from '../../../engine/read/open-input.js';
import { nativeParquetBinding } from '../../../engine/read/parquet-native.js';
import { nativeCsvBinding } from '../../../engine/read/csv-native.js';
import { DEFAULT_COLUMN_MAP, type RawBatch, type ReadOptions } from '../../../engine/read/raw-batch.js';
import { decideFromHead } from '../../../engine/rescore/input-decisions.js';
import { collect, columnValues, tempDir, write } from '../read/fixtures.js';

const PARQUET = join(import.meta.dirname, '../../fixtures/parquet');
const parquetFixtures = ['duckdb', 'parquet-wasm'].flatMap((d) => readdirSync(join(PARQUET, d)).map((f) => join(PARQUET, d, f)));

function inputFile(path: string): InputFile {
  return { path, size: statSync(path).size, format: path.endsWith('.csv') ? 'csv' : 'parquet' };
}

/** The dialect sniff as it was before head scans: every batch of a plain read, observed in order. */
async function sniffWhole(file: InputFile, options: ReadOptions): Promise<{ decisions: unknown; names: string[] } | { error: string }> {
  const dialect = new InputDialect();
  let rows = 0;
  let last: RawBatch | null = null;
  let names: string[] = [];
  try {
    for await (const raw of readFile(file, options)) {
      if (last === null) names = Object.keys(raw.columns);
      last = raw;
      rows += raw.length;
      dialect.observe(raw, false);
      if (!dialect.undecided || rows >= 1_000_000) break;
    }
    if (last !== null && dialect.decisions.ts.kind === 'undecided') dialect.observe(last, true);
  } catch (err) {
    return { error: (err as Error).message };
  }
  return { decisions: dialect.decisions, names };
}

async function sniffHead(file: InputFile, options: ReadOptions): Promise<{ decisions: unknown; names: string[] } | { error: string }> {
  const dialect = new InputDialect();
  try {
    const names = await decideFromHead(file, options, dialect);
    return { decisions: dialect.decisions, names: [...names] };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

/** A Parquet file of `rows` rows in row groups of `group`, pages of ~`page` bytes; `ts` as text when `textTs`. */
function parquetFile(dir: string, name: string, rows: number, group: number, page: number, textTs = false): string {
  const ms = Array.from({ length: rows }, (_, i) => Date.UTC(2024, 0, 1) + i * 3_600_000);
  const table = new ArrowTable({
    customer_id: vectorFromArray(Array.from({ length: rows }, (_, i) => `C${i % 97}`), new Utf8()),
    ts: textTs ? vectorFromArray(ms.map((t) => new Date(t).toISOString().slice(0, 10).split('-').reverse().join('/')), new Utf8()) : vectorFromArray(ms, new TimestampMillisecond()),
    amount: vectorFromArray(Array.from({ length: rows }, (_, i) => (i % 13) + 0.25), new Float64()),
  });
  const props = new WriterPropertiesBuilder().setMaxRowGroupSize(group).setDataPageSizeLimit(page).setDictionaryEnabled(false).build();
  return write(dir, name, writeParquet(WasmTable.fromIPCStream(tableToIPC(table, 'stream')), props));
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('the dialect sniff from a file head', () => {
  const dir = tempDir();
  const csv = (name: string, lines: string[]): string => write(dir, name, `${lines.join('\n')}\n`);
  const rows = (n: number, row: (i: number) => string): string[] => Array.from({ length: n }, (_, i) => row(i));
  const csvFiles = [
    csv('iso.csv', ['customer_id,ts,amount,margin', ...rows(3000, (i) => `${i % 50},2025-03-${String((i % 28) + 1).padStart(2, '0')}T10:00:00Z,${i % 9}.5,1.25`)]),
    csv('comma.csv', ['customer_id;ts;amount', ...rows(3000, (i) => `C${i % 40};${1_700_000_000 + i * 600};"${i % 7},${i % 10}0"`)]),
    // Every day 12 or less for the first 2,100 rows: the sniff reads past its first batch to tell day-first from month-first.
    csv('day-first.csv', ['customer_id,ts,amount', ...rows(2100, (i) => `${i},${String((i % 12) + 1).padStart(2, '0')}/0${(i % 9) + 1}/2024,3`), ...rows(900, (i) => `${i},25/0${(i % 9) + 1}/2024,3`)]),
    csv('epoch-ms.csv', ['customer_id,ts,amount', ...rows(2500, (i) => `${i},${1_700_000_000_000 + i},${i % 3 === 0 ? '' : '1.5'}`)]),
    csv('blank-head.csv', ['customer_id,ts,amount', ...rows(1200, (i) => `${i},,`), ...rows(1200, (i) => `${i},2024-01-0${(i % 9) + 1},"1,5"`)]),
    csv('ambiguous.csv', ['customer_id,ts,amount', ...rows(1500, (i) => `${i},0${(i % 9) + 1}/1${i % 3}/2024,2.5`)]),
  ];
  const parquetFiles = [
    parquetFile(dir, 'pages.parquet', 20_000, 9_000, 4_096),
    parquetFile(dir, 'text-dates.parquet', 6_000, 2_500, 2_048, true),
  ];
  const options: ReadOptions = { columns: DEFAULT_COLUMN_MAP, batchSize: 500 };

  it.each([...csvFiles, ...parquetFiles, ...parquetFixtures].map((f) => [f.split('/').slice(-2).join('/'), f]))('%s: the same decisions, column names and errors as a sniff of whole batches', async (_name, path) => {
    const file = inputFile(path);
    for (const columns of [DEFAULT_COLUMN_MAP, { ...DEFAULT_COLUMN_MAP, ts: 'ts_ms', amount: 'amount_f' }]) {
      const whole = await sniffWhole(file, { ...options, columns });
      expect(await sniffHead(file, { ...options, columns })).toEqual(whole);
    }
  });

  it.each([...csvFiles, ...parquetFiles, ...parquetFixtures.filter((f) => f.includes('6000'))].map((f) => [f.split('/').slice(-2).join('/'), f]))('%s: a head scan read to the end gives the same rows and values', async (_name, path) => {
    const file = inputFile(path);
    const plain = await collect(readFile(file, options));
    const head = await collect(readFile(file, { ...options, head: true }));
    expect(head.map((b) => [b.firstRow, b.length])).toEqual(plain.map((b) => [b.firstRow, b.length]));
    for (const name of Object.keys(plain[0]!.columns) as (keyof RawBatch['columns'])[]) {
      const strings = (v: unknown): unknown => (typeof v === 'bigint' ? String(v) : v);
      expect(columnValues(head, name as 'ts').map(strings)).toEqual(columnValues(plain, name as 'ts').map(strings));
    }
  });

  it.runIf(nativeParquetBinding() !== null)('decodes a Parquet row group only up to the pages of its first batch', async () => {
    const binding = nativeBinding()!;
    const decoded: number[] = [];
    const original = binding.parquetReadChunk!.bind(binding);
    vi.spyOn(binding, 'parquetReadChunk').mockImplementation((...args) => {
      const out = original(...args);
      decoded.push(typeof out[6] === 'number' ? out[6] : -1);
      return out;
    });
    const path = parquetFiles[0]!;
    const dialect = new InputDialect();
    await decideFromHead(inputFile(path), options, dialect);
    expect(dialect.decisions.ts.kind).toBe('native');
    // Three columns of the first 9,000-row group, each only the few pages its first 500 rows lie in.
    expect(decoded).toHaveLength(3);
    for (const rows of decoded) {
      expect(rows).toBeGreaterThanOrEqual(500);
      expect(rows).toBeLessThan(9_000);
    }
  });

  it.runIf(nativeCsvBinding() !== null)('keeps a CSV head as UTF-8 text, read cell by cell', async () => {
    const [first] = await collect(readFile(inputFile(csvFiles[0]!), { ...options, head: true }));
    expect(first!.columns.ts?.kind).toBe('arrow');
    expect(first!.columns.amount?.kind).toBe('arrow');
    const [plain] = await collect(readFile(inputFile(csvFiles[0]!), options));
    expect(plain!.columns.ts?.kind).toBe('text');
  });
});
