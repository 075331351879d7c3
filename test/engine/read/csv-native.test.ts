/**
 * The native CSV scanner against the TypeScript scanner and parser, the reference: the same bytes
 * through both give the same raw batches (rows, row numbers, malformed rows), the same parsed
 * batches, the same rejects with the same details, and the same dialect decisions — on fixed
 * cases, on real-export shapes that need the TypeScript parser, on randomized files cut into
 * random chunks, and on the reliability suite's CSV fuzz inputs.
 */
import { describe, expect, it } from 'vitest';
import { SegError } from '../../../engine/errors.js';
import { InputDialect, type InputOptions } from '../../../engine/parse/input-dialect.js';
import { parseBatch } from '../../../engine/parse/parse-batch.js';
import { RejectLog } from '../../../engine/parse/reject-log.js';
import { nativeCsvBinding } from '../../../engine/read/csv-native.js';
import { readCsv } from '../../../engine/read/csv-reader.js';
import { type ColumnMap, DEFAULT_COLUMN_MAP, type RawBatch } from '../../../engine/read/raw-batch.js';
import { fuzzCases } from '../../reliability/fuzz-generators.js';
import { lineItems, uciCsv } from '../../integration/real-exports-fixtures.js';

const native = nativeCsvBinding();
const encoder = new TextEncoder();

interface Run {
  /** Per batch: row numbers, length, malformed rows, and which columns came as typed Arrow vectors. */
  raws: unknown[];
  typed: string[];
  parsed: unknown[];
  rejects: unknown;
  decisions: unknown;
  error: string | null;
}

interface Case {
  readonly columns?: ColumnMap;
  readonly batchSize?: number;
  /** Bytes per chunk of the stream (default: all at once). */
  readonly chunk?: number;
  readonly input?: InputOptions;
}

async function* chunked(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, Math.min(bytes.length, at + size));
}

/** Reads and parses `text` with one scanner, as a rescore does: one dialect, decided by the first batches. */
async function through(text: string | Uint8Array, scanner: 'js' | 'native', c: Case = {}): Promise<Run> {
  const bytes = typeof text === 'string' ? encoder.encode(text) : text;
  const dialect = new InputDialect(c.input);
  const rejects = new RejectLog(10_000);
  const run: Run = { raws: [], typed: [], parsed: [], rejects: null, decisions: null, error: null };
  const src = { kind: 'stream', name: 'in.csv', chunks: chunked(bytes, c.chunk ?? Math.max(1, bytes.length)) } as const;
  try {
    for await (const raw of readCsv(src, { columns: c.columns ?? DEFAULT_COLUMN_MAP, batchSize: c.batchSize ?? 65_536, dialect, scanner })) {
      run.raws.push({ firstRow: raw.firstRow, length: raw.length, malformed: raw.malformed, names: Object.keys(raw.columns).sort() });
      run.typed.push(typedColumns(raw));
      const tx = parseBatch(raw, rejects, dialect);
      run.parsed.push({ ...tx, ts: [...tx.ts], amount: [...tx.amount], margin: tx.margin && [...tx.margin] });
    }
  } catch (err) {
    run.error = err instanceof SegError ? `${err.code}: ${err.message}` : `not a SegError: ${String(err)}`;
  }
  run.rejects = { total: rejects.total, counts: rejects.counts, kept: rejects.kept };
  run.decisions = dialect.decisions;
  return run;
}

function typedColumns(raw: RawBatch): string {
  return Object.entries(raw.columns)
    .filter(([, col]) => col.kind === 'arrow')
    .map(([name, col]) => `${name}:${col.kind === 'arrow' ? String(col.vector.type) : ''}`)
    .sort()
    .join(',');
}

/** Both scanners on the same input and case; returns the native run for further checks. */
async function same(text: string | Uint8Array, c: Case = {}): Promise<Run> {
  const [ts, rs] = [await through(text, 'js', c), await through(text, 'native', c)];
  expect(rs.error).toBe(ts.error);
  expect(rs.raws).toEqual(ts.raws);
  expect(rs.parsed).toEqual(ts.parsed);
  expect(rs.rejects).toEqual(ts.rejects);
  expect(rs.decisions).toEqual(ts.decisions);
  return rs;
}

const ISO_ROWS = 'customer_id,ts,amount,margin\n1,2024-01-01,10,1\n2,2024-01-02T10:00:00Z,-5.5,\nC3,2024-01-03T10:00:00+02:00,0.0001,0.5\n';

const FIXED: ReadonlyArray<[string, string, Case?]> = [
  ['ISO dates and date-times with and without offsets', ISO_ROWS + '4,2024-02-29 23:59:59.999,7,0\n5,2024-03-01T00:00:00-0130,1e3,2\n6,2024-03-01T01:02:03.123456,8,3\n'],
  ['epoch seconds (with fractions) by magnitude', 'customer_id,ts,amount\n1,1700000000,10\n2,1700000001.5,20\n3,1700000002.0015,30\n'],
  ['epoch milliseconds by magnitude', 'customer_id,ts,amount\n1,1700000000000,10\n2,1700000000001,20\n'],
  ['YYYYMMDD by magnitude, and a value outside the kind', 'customer_id,ts,amount\n1,20240101,10\n2,20240229,20\n3,20230229,5\n4,1700000000,1\n'],
  ['quotes, doubled quotes and newlines inside quotes', 'customer_id,ts,amount,note\n"1","2024-01-01","10","a ""b"", c"\n"C ""2""",2024-01-02,"-1","line\nbreak"\n'],
  ['CRLF line ends and a BOM', '\ufeffcustomer_id,ts,amount\r\n1,2024-01-01,10\r\n2,2024-01-02,20\r\n'],
  ['semicolons and a decimal comma', 'customer_id;ts;amount\n1;2024-01-01;10,50\n2;2024-01-02;1.234,5\n'],
  ['tabs', 'customer_id\tts\tamount\n1\t2024-01-01\t10\n2\t2024-01-02\t20\n'],
  ['pipes (not a delimiter the reader guesses: one column)', 'customer_id|ts|amount\n1|2024-01-01|10\n'],
  ['negative amounts and many decimals', 'customer_id,ts,amount\n1,2024-01-01,-0.000049\n1,2024-01-01,123.456789012345678\n2,2024-01-02,-0\n3,2024-01-03,.5\n4,2024-01-03,5.\n'],
  ['empty fields, quoted empty fields and missing ids', 'customer_id,ts,amount,margin\n,2024-01-01,10,\n"",2024-01-01,10,""\nNA,2024-01-01,1,1\n  ,2024-01-01,1,1\n1,,10,1\n1,"",10,1\n1,2024-01-01,,1\n1,2024-01-01,"",1\n'],
  ['text, integral-decimal and out-of-range integer ids', 'customer_id,ts,amount\n13085.0,2024-01-01,1\n042,2024-01-01,1\n-0,2024-01-01,1\n9007199254740993,2024-01-01,1\n-7,2024-01-01,1\n'],
  ['malformed rows: short, long, bytes after a closing quote, an unterminated quote', 'customer_id,ts,amount\n1,2024-01-01\n2,2024-01-01,1,extra\n"3"x,2024-01-01,1\n"4",2024-01-01,1\n5,"2024-01-01,1\n'],
  ['blank lines and a last line without a newline', '\n\ncustomer_id,ts,amount\n\n1,2024-01-01,10\n\r\n2,2024-01-02,20'],
  ['values only the TypeScript parser reads: spaces, currency signs, grouping', 'customer_id,ts,amount\n1, 2024-01-01 ,€ 10.50\n2,2024-01-02,"1,234.50"\n3,2024-01-03,$5\n4,2024-01-04, 7 \n'],
  ['bad values: the same reasons and details', 'customer_id,ts,amount\n1,2024-13-01,10\n2,2024-01-01,abc\n3,2024-01-01,1e400\n4,2024-01-01,900719925475\n5,nope,1\n'],
  ['a sniffed text-date pattern', 'customer_id,ts,amount\n1,12/1/2010 8:26,10\n2,12/13/2010 9:00,20\n'],
  ['a declared pattern', 'customer_id,ts,amount\n1,01.02.2024,10\n2,13.02.2024,20\n', { input: { tsFormat: '%d.%m.%Y', decimal: 'auto' } }],
  ['a declared ts kind and decimal mark', 'customer_id,ts,amount\n1,1700000000,10\n2,2024-01-01,20\n', { input: { tsFormat: 'epoch_s', decimal: '.' } }],
  ['line items with order ids', 'InvoiceNo,Quantity,InvoiceDate,UnitPrice,CustomerID\n536365,6,2010-12-01T08:26:00,2.55,17850.0\nC536379,-1,2010-12-01T09:41:00,27.50,14527.0\n536366,6,2010-12-01T08:28:00,1.85,\n', { columns: { customer_id: 'CustomerID', ts: 'InvoiceDate', order_id: 'InvoiceNo', quantity: 'Quantity', price: 'UnitPrice' } }],
  ['one source column feeding two contract columns', 'id,when,net\n1,2024-01-01,5\n', { columns: { customer_id: 'id', ts: 'when', amount: 'net', margin: 'net' } }],
  ['a header only', 'customer_id,ts,amount\n'],
  ['no input at all', ''],
  ['a missing column', 'customer_id,amount\n1,2\n'],
];

describe.runIf(native !== null)('the native CSV scanner against the TypeScript reference', () => {
  it.each(FIXED)('%s', async (_name, text, c) => {
    for (const batchSize of [65_536, 2, 1]) {
      for (const chunk of [undefined, 1, 7]) await same(text, { ...c, batchSize, ...(chunk ? { chunk } : {}) });
    }
  });

  it('hands over typed columns once the dialect is decided, text before', async () => {
    const rows = ['customer_id,ts,amount,margin'];
    for (let i = 0; i < 10; i++) rows.push(`${i},2024-01-0${1 + (i % 9)}T10:00:00Z,${i}.25,${i}`);
    const run = await same(`${rows.join('\n')}\n`, { batchSize: 4 });
    expect(run.typed).toEqual(['customer_id:Int64', 'amount:Float64,customer_id:Int64,margin:Float64,ts:Timestamp<MILLISECOND>', 'amount:Float64,customer_id:Int64,margin:Float64,ts:Timestamp<MILLISECOND>']);
    const text = await same('customer_id,ts,amount\nC1,2024-01-01,1\nC2,2024-01-02,2\nC3,2024-01-03,x\nC4,2024-01-04,4\n', { batchSize: 2 });
    // The bad amount sends that batch's amounts to the TypeScript parser; string ids stay Utf8.
    expect(text.typed).toEqual(['customer_id:Utf8', 'customer_id:Utf8,ts:Timestamp<MILLISECOND>']);
  });

  it('reads a UCI-style line-item export (sniffed US dates, 17850.0 ids, C invoices) like the TypeScript path', async () => {
    const csv = uciCsv(lineItems());
    const columns = { customer_id: 'CustomerID', ts: 'InvoiceDate', order_id: 'InvoiceNo', quantity: 'Quantity', price: 'UnitPrice' };
    for (const batchSize of [65_536, 37]) await same(csv, { columns, batchSize, chunk: 4096 });
  });

  it('hands a record longer than 64 MiB to the TypeScript scanner: an unclosed quote in an unmapped column is one malformed row, in a mapped one the same error', async () => {
    const huge = 'x'.repeat(65 << 20);
    // Batch boundaries may differ here (the native batch so far goes out first); the rows may not.
    const text = `customer_id,ts,amount,note\n1,2024-01-01,10,a\n2,2024-01-02,20,"${huge}\n3,2024-01-03,30,b\n`;
    const rows = (run: Run) => (run.parsed as { ids: unknown[]; ts: number[]; amount: number[] }[]).flatMap((b) => b.ids.map((id, i) => [id, b.ts[i], b.amount[i]]));
    const [tsRun, rsRun] = [await through(text, 'js', { chunk: 1 << 20 }), await through(text, 'native', { chunk: 1 << 20 })];
    expect(rows(rsRun)).toEqual(rows(tsRun));
    expect(rsRun.rejects).toEqual(tsRun.rejects);
    expect(rsRun.error).toBe(tsRun.error);
    expect((tsRun.rejects as { counts: unknown }).counts).toEqual({ malformed_row: 1 });
    const [ts, rs] = [await through(`customer_id,ts,amount\n1,2024-01-01,10\n2,2024-01-02,"${huge}\n`, 'js', { chunk: 1 << 20 }), await through(`customer_id,ts,amount\n1,2024-01-01,10\n2,2024-01-02,"${huge}\n`, 'native', { chunk: 1 << 20 })];
    expect(ts.error).toMatch(/^SEG_ERR_\w+: /);
    expect(rs.error?.split(':')[0]).toBe(ts.error?.split(':')[0]);
    const header = [await through(`"${huge}\n`, 'js', { chunk: 1 << 20 }), await through(`"${huge}\n`, 'native', { chunk: 1 << 20 })];
    expect(header[0]!.error).toMatch(/^SEG_ERR_\w+: /);
    expect(header[1]!.error).toBe(header[0]!.error);
  });

  it('reads randomized files cut into random chunks like the TypeScript path', async () => {
    let seed = 20261202;
    const rand = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    const pick = <T>(xs: readonly T[]): T => xs[rand(xs.length)]!;
    const ids = ['1', '42', 'C7', '13085.0', '', '""', 'NA', '007', '-3', '"x,y"', '9007199254740993', 'é'];
    const stamps = ['2024-05-01', '2024-05-01T12:30:00Z', '2024-05-01 12:30:00.5+01:00', '2024-02-30', '', '1714566600', 'x'];
    const amounts = ['10', '-2.5', '0.0001', '1e2', '', '"3.25"', '1,5', ' 4', '-0', '12.3456789'];
    const quote = (v: string): string => (rand(5) === 0 && !v.startsWith('"') ? `"${v.replaceAll('"', '""')}"` : v);
    for (let file = 0; file < 40; file++) {
      const eol = pick(['\n', '\r\n']);
      const lines = ['customer_id,ts,amount,margin'];
      const n = 1 + rand(300);
      for (let i = 0; i < n; i++) {
        const cells = [quote(pick(ids)), quote(pick(stamps)), quote(pick(amounts)), quote(pick(amounts))];
        if (rand(40) === 0) cells.pop();
        lines.push(cells.join(','));
      }
      const text = lines.join(eol) + (rand(2) === 0 ? eol : '');
      await same(text, { batchSize: 1 + rand(64), chunk: 1 + rand(200) });
      // With the kinds declared, the first batch is typed too.
      await same(text, { batchSize: 1 + rand(64), chunk: 1 + rand(200), input: { tsFormat: 'iso', decimal: '.' } });
    }
  });

  it('reads every CSV fuzz input of the reliability suite like the TypeScript path: same rows, rejects and error codes, no crash', async () => {
    for (const fuzz of fuzzCases('csv', 300)) {
      for (const input of [undefined, { tsFormat: 'iso', decimal: '.' } as const]) {
        try {
          await same(fuzz.bytes, { batchSize: 50, chunk: 997, ...(input ? { input } : {}) });
        } catch (err) {
          throw new Error(`fuzz input ${fuzz.index} (${fuzz.mutation}): ${String(err)}`);
        }
      }
    }
  });
});
