/**
 * Real exports through the real CLI (dist/): the shapes shops actually export, each with the
 * per-customer numbers worked out here by a few lines of independent arithmetic on the rows the
 * test itself wrote (integer cents, plain sets), never copied from segstream's output.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Float64, Int32, Table, Utf8, tableToIPC, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { parquetBytes, tempDir, write } from '../engine/read/fixtures.js';
import { runCli } from '../helpers/cli.js';
import { type Line, lineItems, LINE_ITEM_MAP, perCustomer, uciCsv } from './real-exports-fixtures.js';

const dir = tempDir();
const DAY = 86_400_000;

type Row = Record<string, unknown>;

/** Rescore `input` into a fresh data dir, then export it; the summary, the manifest and the customers by id. */
async function run(name: string, input: string, args: readonly string[] = []): Promise<{ summary: Row; manifest: Row; customers: Map<string, Row>; exported: string }> {
  const data = join(dir, `data-${name}`);
  const r = await runCli(['rescore', '--input', input, '--data', data, '--json', ...args]);
  expect(r.code, r.stderr).toBe(0);
  const summary = JSON.parse(r.stdout) as Row;
  const out = join(dir, `${name}.ndjson`);
  const e = await runCli(['export', '--data', data, '--format', 'ndjson', '--out', out]);
  expect(e.code, e.stderr).toBe(0);
  const exported = readFileSync(out, 'utf8');
  const customers = new Map(exported.trim().split('\n').map((l) => JSON.parse(l) as Row).map((c) => [String(c['customer_id']), c]));
  const manifest = JSON.parse(readFileSync(join(data, 'snapshots', String(summary['snapshot']), 'manifest.json'), 'utf8')) as Row;
  return { summary, manifest, customers, exported };
}

function expectCustomers(customers: Map<string, Row>, lines: readonly Line[]): void {
  const want = perCustomer(lines);
  expect([...customers.keys()].sort()).toEqual([...want.keys()].sort());
  for (const [id, w] of want) {
    const got = customers.get(id)!;
    expect(
      { orders: got['orders'], returns: got['returns'], revenue: got['revenue'], returned_amount: got['returned_amount'], purchase_days: got['purchase_days'], first_purchase_at: got['first_purchase_at'], last_purchase_at: got['last_purchase_at'], recency_days: got['recency_days'] },
      id,
    ).toEqual(w);
  }
}

describe('a UCI-style line-item export (invoices, C cancellations, blank ids, zero prices, 12/1/2010 8:26 dates)', () => {
  const lines = lineItems();
  const csvPath = write(dir, 'online-retail.csv', uciCsv(lines));

  it('gives per-customer orders (distinct invoices), returns, revenue (quantity × price) and dates as recomputed here', async () => {
    const { summary, manifest, customers } = await run('uci', csvPath, ['--map', LINE_ITEM_MAP]);
    expectCustomers(customers, lines);
    const anonymous = lines.filter((l) => l.customer === null).length;
    expect(summary['rows']).toMatchObject({ read: lines.length, rejected: anonymous });
    expect(summary['anonymous_share']).toBeCloseTo(anonymous / lines.length, 12);
    expect(summary['reject_share']).toBe(0);
    const cents = lines.filter((l) => l.customer !== null).reduce((s, l) => s + l.quantity * l.priceCents, 0);
    expect(summary['revenue']).toBeCloseTo(cents / 100, 6);
    const decisions = (manifest['input'] as { decisions: Row }).decisions;
    expect(decisions).toMatchObject({ amount: 'quantity*price', order_id: true, ts: { kind: 'pattern', pattern: '%m/%d/%Y %H:%M', source: 'sniffed' }, decimal: { mark: '.' } });
  });

  it('prints total revenue, the reject share and how the input was read for a person', async () => {
    const r = await runCli(['rescore', '--input', csvPath, '--data', join(dir, 'data-uci-human'), '--map', LINE_ITEM_MAP, '--workers', '0']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/total revenue [\d,]+\.\d\d; reject share 0\.0%/);
    expect(r.stdout).toContain('ts pattern %m/%d/%Y %H:%M (sniffed)');
    expect(r.stdout).toContain('amount = quantity * price');
  });

  it('reads the same export through a config input block, gzip, and a folder with a README.txt beside it', async () => {
    const base = await run('uci-base', csvPath, ['--map', LINE_ITEM_MAP, '--as-of', '2011-04-30']);
    const config = write(dir, 'retail-config.json', JSON.stringify({ input: { columns: { customer_id: 'CustomerID', ts: 'InvoiceDate', order_id: 'InvoiceNo', amount: 'Quantity*UnitPrice' }, ts_format: '%m/%d/%Y %H:%M' } }));
    const viaConfig = await run('uci-config', csvPath, ['--config', config, '--as-of', '2011-04-30']);
    expect(viaConfig.exported).toBe(base.exported);
    expect((viaConfig.manifest['input'] as { decisions: Row }).decisions['ts']).toEqual({ kind: 'pattern', pattern: '%m/%d/%Y %H:%M', source: 'given' });

    const gz = write(dir, 'online-retail.csv.gz', gzipSync(readFileSync(csvPath)));
    const viaGzip = await run('uci-gz', gz, ['--map', LINE_ITEM_MAP, '--as-of', '2011-04-30']);
    expect(viaGzip.exported).toBe(base.exported);
    expect((viaGzip.manifest['input'] as { decisions: Row }).decisions['gzip']).toEqual([gz]);

    const folder = join(dir, 'export-folder');
    write(folder, 'online-retail.csv.gz', gzipSync(readFileSync(csvPath)));
    write(folder, 'README.txt', 'Online retail export, December 2010 to March 2011.\nOne line per invoice line.\n');
    write(folder, 'export-log.pdf', '%PDF-1.4 not data');
    for (const workers of ['0', '2']) {
      const viaFolder = await run(`uci-folder-${workers}`, folder, ['--map', LINE_ITEM_MAP, '--as-of', '2011-04-30', '--workers', workers]);
      expect(viaFolder.exported).toBe(base.exported);
      const skipped = (viaFolder.manifest['input'] as { decisions: { skipped: Row[] } }).decisions.skipped.map((s) => s['path']);
      expect(skipped.sort()).toEqual([join(folder, 'README.txt'), join(folder, 'export-log.pdf')].sort());
      expect((viaFolder.summary['warnings'] as string[]).join('\n')).toMatch(/skipped 2 files of the input folder that are not data: .*README\.txt/);
    }
  });

  it('gives identical snapshots from the same line items as CSV, NDJSON, Arrow and Parquet, on one thread and on the pool', async () => {
    const known = lines;
    const ndjson = known.map((l) => JSON.stringify({ InvoiceNo: l.invoice, StockCode: l.stock, Quantity: l.quantity, InvoiceDate: l.date, UnitPrice: l.priceCents / 100, CustomerID: l.customer === null ? null : Number(l.customer), Country: 'United Kingdom' })).join('\n');
    const table = new Table({
      InvoiceNo: vectorFromArray(known.map((l) => l.invoice), new Utf8()),
      Quantity: vectorFromArray(known.map((l) => l.quantity), new Int32()),
      InvoiceDate: vectorFromArray(known.map((l) => l.date), new Utf8()),
      UnitPrice: vectorFromArray(known.map((l) => l.priceCents / 100), new Float64()),
      CustomerID: vectorFromArray(known.map((l) => (l.customer === null ? null : Number(l.customer))), new Float64()),
    });
    const inputs = {
      csv: csvPath,
      ndjson: write(dir, 'online-retail.ndjson', `${ndjson}\n`),
      arrow: write(dir, 'online-retail.arrow', tableToIPC(table, 'file')),
      parquet: write(dir, 'online-retail.parquet', parquetBytes(table, 100)),
    };
    let first: { exported: string; summary: Row } | null = null;
    for (const [format, input] of Object.entries(inputs)) {
      for (const workers of ['0', '2']) {
        const r = await run(`same-${format}-${workers}`, input, ['--map', LINE_ITEM_MAP, '--workers', workers]);
        const summary = { as_of: r.summary['as_of'], rows: r.summary['rows'], rejects: r.summary['rejects'], customers: r.summary['customers'], revenue: r.summary['revenue'], segments: r.summary['segments'] };
        if (first === null) {
          first = { exported: r.exported, summary };
          expectCustomers(r.customers, lines);
        }
        expect(r.exported, `${format} on ${workers} workers`).toBe(first.exported);
        expect(summary, `${format} on ${workers} workers`).toEqual(first.summary);
      }
    }
  });
});

describe('exports of other shapes', () => {
  it('reads an Excel-EU export: semicolons, decimal commas, € 1.234,50, a BOM and CRLF', async () => {
    const rows: Array<[string, string, string, number]> = [
      // id, date (dd.mm.yyyy), amount as Excel writes it, amount in cents
      ['K-100', '03.01.2021', '12,50', 1250],
      ['K-100', '15.02.2021', '€ 1.234,50', 123450],
      ['K-200', '28.02.2021', '7,05 €', 705],
      ['K-200', '01.03.2021', '-5,00', -500],
      ['K-300', '13.03.2021', '€ 99,99', 9999],
      ['K-300', '13.03.2021', '0,40', 40],
    ];
    const text = `\uFEFFKundennummer;Datum;Betrag\r\n${rows.map((r) => r.slice(0, 3).join(';')).join('\r\n')}\r\n`;
    const input = write(dir, 'umsatz.csv', text);
    const { customers, manifest } = await run('excel-eu', input, ['--map', 'customer_id=Kundennummer,ts=Datum,amount=Betrag']);
    const cents = (id: string) => rows.filter((r) => r[0] === id).reduce((s, r) => s + r[3], 0);
    expect(customers.get('K-100')).toMatchObject({ orders: 2, revenue: cents('K-100') / 100, first_purchase_at: '2021-01-03T00:00:00.000Z', last_purchase_at: '2021-02-15T00:00:00.000Z' });
    expect(customers.get('K-200')).toMatchObject({ orders: 1, returns: 1, revenue: cents('K-200') / 100, returned_amount: 5 });
    expect(customers.get('K-300')).toMatchObject({ orders: 2, purchase_days: 1, revenue: cents('K-300') / 100, recency_days: 0 });
    const decisions = (manifest['input'] as { decisions: Row }).decisions;
    expect(decisions).toMatchObject({ decimal: { mark: ',', source: 'sniffed' }, ts: { kind: 'pattern', pattern: '%d.%m.%Y' } });
  });

  it('reads a pandas export: 13085.0 and 13085 are one customer, NA, nan and blanks are missing ids, NaN is a bad amount', async () => {
    const lines = [
      'customer_id,ts,amount',
      '13085.0,2021-03-01 10:00:00,15.30',
      '13085,2021-03-05 11:00:00,4.70',
      '13085.0,2021-03-05 18:00:00,-2.00',
      'NA,2021-03-02 09:00:00,8.00',
      'nan,2021-03-02 09:00:00,8.00',
      ',2021-03-02 09:00:00,8.00',
      'NULL,2021-03-02 09:00:00,8.00',
      ...Array.from({ length: 25 }, (_, i) => `${12000 + (i % 5)}.0,2021-03-${String(1 + i).padStart(2, '0')} 12:00:00,${10 + i}.25`),
      '12000.0,2021-03-07 12:00:00,NaN',
    ];
    const input = write(dir, 'pandas.csv', `${lines.join('\n')}\n`);
    const { customers, summary } = await run('pandas', input);
    expect(customers.get('13085')).toMatchObject({ orders: 2, returns: 1, revenue: 18, purchase_days: 2 });
    for (const token of ['NA', 'nan', 'NULL', '']) expect(customers.has(token), token).toBe(false);
    let cents12000 = 0;
    for (let i = 0; i < 25; i += 5) cents12000 += (10 + i) * 100 + 25;
    expect(customers.get('12000')).toMatchObject({ orders: 5, revenue: cents12000 / 100 });
    expect(customers.size).toBe(6);
    expect(summary['rejects']).toEqual({ missing_customer_id: 4, bad_amount: 1 });
  });

  it('reads YYYYMMDD integers (the CDNOW master file) as dates, never as 1970', async () => {
    const input = write(dir, 'cdnow.csv', 'customer_id,ts,amount\n1,19970101,29.33\n1,19970118,29.73\n2,19970102,63.34\n2,19970312,11.77\n3,19970215,6.79\n');
    const { customers, manifest, summary } = await run('yyyymmdd', input);
    expect(customers.get('1')).toMatchObject({ first_purchase_at: '1997-01-01T00:00:00.000Z', last_purchase_at: '1997-01-18T00:00:00.000Z', revenue: 59.06 });
    expect(customers.get('2')).toMatchObject({ last_purchase_at: '1997-03-12T00:00:00.000Z', recency_days: 0 });
    expect(summary['as_of']).toBe('1997-03-12T23:59:59.999Z');
    expect((manifest['input'] as { decisions: Row }).decisions).toMatchObject({ ts: { kind: 'yyyymmdd', source: 'sniffed' }, ts_integer_kind: 'yyyymmdd' });
  });

  it('reads epoch seconds as seconds', async () => {
    const t = [1609459200, 1609545600 + 3600, 1612137600];
    const input = write(dir, 'epoch-s.csv', `customer_id,ts,amount\na,${t[0]},10\na,${t[1]},5\nb,${t[2]},3\n`);
    const { customers, manifest } = await run('epoch-s', input);
    expect(customers.get('a')).toMatchObject({ first_purchase_at: new Date(t[0]! * 1000).toISOString(), last_purchase_at: new Date(t[1]! * 1000).toISOString(), purchase_days: 2 });
    expect(customers.get('b')).toMatchObject({ last_purchase_at: '2021-02-01T00:00:00.000Z', recency_days: 0 });
    expect((manifest['input'] as { decisions: Row }).decisions).toMatchObject({ ts_integer_kind: 'epoch_s' });
  });

  it('fails an ambiguous 03/04/2021 file with one line asking for --ts-format, and reads it day-first when told', async () => {
    const input = write(dir, 'ambiguous.csv', 'customer_id,ts,amount\n1,03/04/2021,10\n2,05/06/2021,20\n1,11/12/2021,5\n');
    for (const workers of ['0', '2']) {
      const r = await runCli(['rescore', '--input', input, '--data', join(dir, 'data-ambiguous'), '--workers', workers]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain('--ts-format');
      expect(r.stderr).toContain('[SEG_ERR_ARGUMENT]');
    }
    const { customers } = await run('ambiguous-dayfirst', input, ['--ts-format', '%d/%m/%Y']);
    expect(customers.get('1')).toMatchObject({ first_purchase_at: '2021-04-03T00:00:00.000Z', last_purchase_at: '2021-12-11T00:00:00.000Z' });
  });

  it('keeps as_of at today when one row is dated 2099, counting it as a future row with a warning', async () => {
    const rows = ['customer_id,ts,amount'];
    for (let i = 0; i < 20; i++) rows.push(`${i % 4},${new Date(Date.UTC(2024, 0, 1) + i * 9 * DAY).toISOString().slice(0, 10)},${10 + i}`);
    rows.push('9,2099-01-01,50');
    const { summary, customers } = await run('future-row', write(dir, 'future.csv', `${rows.join('\n')}\n`));
    const latest = new Date(Date.UTC(2024, 0, 1) + 19 * 9 * DAY).toISOString().slice(0, 10);
    expect(summary['as_of']).toBe(`${latest}T23:59:59.999Z`);
    expect(summary['rows']).toMatchObject({ future: 1 });
    expect((summary['warnings'] as string[]).join('\n')).toMatch(/1 valid row is dated after today .*future rows/);
    expect(customers.has('9')).toBe(false);
    expect(customers.get(String(19 % 4))).toMatchObject({ recency_days: 0 });
    expect(customers.get('0')).toMatchObject({ recency_days: (19 - 16) * 9 });
  });

  it('refuses an Excel workbook and R data in one line that says what they look like, and names every missing column at once', async () => {
    const xlsx = write(dir, 'Online Retail.xlsx', Buffer.concat([Buffer.from('PK\x03\x04\x14\x00\x06\x00', 'latin1'), Buffer.from('[Content_Types].xml secret-cell-text')]));
    const rda = write(dir, 'retail.rda', gzipSync(Buffer.concat([Buffer.from('RDX3\nX\n'), Buffer.from([0, 0, 0, 3]), Buffer.from('secret-r-bytes')])));
    for (const [file, what] of [[xlsx, 'Excel workbook'], [rda, 'R data']] as const) {
      const r = await runCli(['rescore', '--input', file, '--data', join(dir, 'data-refused')]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(what);
      expect(r.stderr).toContain('[SEG_ERR_INPUT_UNREADABLE]');
      expect(r.stderr).not.toContain('secret');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    const wrong = write(dir, 'wrong-columns.csv', 'InvoiceNo,Quantity,InvoiceDate,UnitPrice,CustomerID\n1,2,12/1/2010 8:26,3.5,17850\n');
    const r = await runCli(['rescore', '--input', wrong, '--data', join(dir, 'data-refused')]);
    expect(r.stderr).toContain('required columns "customer_id", "ts", "amount"');
    expect(r.stderr).toContain('"InvoiceNo", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID"');
    expect(r.stderr).toContain('--map');
  });
});
