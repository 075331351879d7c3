import { makeVector, TimestampMillisecond, vectorFromArray, Int64, Utf8 } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { ArgumentError } from '../../../engine/errors.js';
import { checkTsFormat, DEFAULT_INPUT_OPTIONS, InputDialect } from '../../../engine/parse/input-dialect.js';
import { parseBatch } from '../../../engine/parse/parse-batch.js';
import { RejectLog } from '../../../engine/parse/reject-log.js';
import type { RawBatch, RawColumn } from '../../../engine/read/raw-batch.js';

const utc = Date.UTC;

function batch(ts: RawColumn, amounts?: readonly string[]): RawBatch {
  const n = ts.kind === 'arrow' ? ts.vector.length : ts.values.length;
  return {
    source: 'shop.csv',
    firstRow: 1,
    length: n,
    columns: {
      customer_id: { kind: 'text', values: Array.from({ length: n }, (_, i) => `c${i}`) },
      ts,
      amount: { kind: 'text', values: amounts ?? Array.from({ length: n }, () => '1') },
    },
    malformed: [],
    bytesRead: -1,
  };
}
const text = (values: readonly (string | null)[]): RawColumn => ({ kind: 'text', values });
const json = (values: readonly unknown[]): RawColumn => ({ kind: 'json', values });

/** Parses with a fresh auto dialect; the instants of the valid rows and the reject counts. */
function auto(ts: RawColumn, amounts?: readonly string[]) {
  const dialect = new InputDialect(DEFAULT_INPUT_OPTIONS);
  const rejects = new RejectLog();
  const tx = parseBatch(batch(ts, amounts), rejects, dialect);
  return { dialect, ts: [...tx.ts], amount: [...tx.amount], rejects: rejects.counts };
}

describe('InputDialect: timestamps under auto', () => {
  it('reads YYYYMMDD integers as dates (the CDNOW master file), never as milliseconds of 1970', () => {
    const r = auto(text(['19970101', '19970102', '19980630', '19970231', '123']));
    expect(r.dialect.decisions.ts).toEqual({ kind: 'yyyymmdd', source: 'sniffed' });
    expect(r.ts).toEqual([utc(1997, 0, 1), utc(1997, 0, 2), utc(1998, 5, 30)]);
    expect(r.rejects).toEqual({ bad_ts: 2 }); // 31 February, and an integer too small for any kind
  });

  it('reads epoch seconds as seconds, and a millisecond value in that column is bad_ts', () => {
    const r = auto(json([1_291_161_600, 1_291_161_660, 1_291_161_600_000, '1291161720']));
    expect(r.dialect.decisions.ts.kind).toBe('epoch_s');
    expect(r.ts).toEqual([utc(2010, 11, 1), utc(2010, 11, 1, 0, 1), utc(2010, 11, 1, 0, 2)]);
    expect(r.rejects).toEqual({ bad_ts: 1 });
  });

  it('reads epoch milliseconds as milliseconds and rejects small integers instead of placing them in 1970', () => {
    const r = auto(text(['1291161600000', '1291161600001', '5', '0']));
    expect(r.dialect.decisions.ts.kind).toBe('epoch_ms');
    expect(r.ts).toEqual([utc(2010, 11, 1), utc(2010, 11, 1) + 1]);
    expect(r.rejects).toEqual({ bad_ts: 2 });
  });

  it('decides the integer kind once, from the first batch', () => {
    const dialect = new InputDialect();
    const rejects = new RejectLog();
    parseBatch(batch(text(['20200101'])), rejects, dialect);
    const second = parseBatch(batch(text(['1577836800', '20200102'])), rejects, dialect);
    expect([...second.ts]).toEqual([utc(2020, 0, 2)]);
    expect(rejects.counts).toEqual({ bad_ts: 1 });
  });

  it('keeps ISO-8601 as ISO, and an integer in an ISO column is bad_ts', () => {
    const r = auto(text(['2026-01-01', '2026-01-02T10:00:00+01:00', '1291161600000']));
    expect(r.dialect.decisions.ts).toEqual({ kind: 'iso', source: 'sniffed' });
    expect(r.ts).toEqual([utc(2026, 0, 1), utc(2026, 0, 2, 9)]);
    expect(r.rejects).toEqual({ bad_ts: 1 });
  });

  it('sniffs the UCI line-item dates (12/1/2010 8:26) as month-first once a day above 12 shows', () => {
    const r = auto(text(['12/1/2010 8:26', '12/1/2010 8:28', null, '12/13/2010 17:05', '1/4/2011 10:00']));
    expect(r.dialect.decisions.ts).toEqual({ kind: 'pattern', pattern: '%m/%d/%Y %H:%M', source: 'sniffed' });
    expect(r.ts).toEqual([utc(2010, 11, 1, 8, 26), utc(2010, 11, 1, 8, 28), utc(2010, 11, 13, 17, 5), utc(2011, 0, 4, 10)]);
    expect(r.rejects).toEqual({ missing_ts: 1 });
  });

  it('sniffs day-first dotted dates (31.12.2020) and two-digit years', () => {
    expect(auto(text(['01.02.2020', '31.12.2020'])).dialect.decisions.ts.pattern).toBe('%d.%m.%Y');
    const r = auto(text(['25/12/20 10:00:00', '01/02/21 00:00:01']));
    expect(r.dialect.decisions.ts.pattern).toBe('%d/%m/%y %H:%M:%S');
    expect(r.ts).toEqual([utc(2020, 11, 25, 10), utc(2021, 1, 1, 0, 0, 1)]);
  });

  it('fails with one line asking for --ts-format when day-first and month-first both fit (03/04/2021)', () => {
    const dialect = new InputDialect();
    const b = batch(text(['03/04/2021', '05/06/2021', '12/12/2021']));
    let err: unknown;
    try {
      parseBatch(b, new RejectLog(), dialect);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ArgumentError);
    const message = (err as Error).message;
    expect(message).toContain("--ts-format '%d/%m/%Y'");
    expect(message).toContain("--ts-format '%m/%d/%Y'");
    expect(message).not.toContain('03/04/2021'); // no file content in messages
    expect(message.includes('\n')).toBe(false);
  });

  it('waits for more rows on a pre-scan, and decides when a later batch tells day from month', () => {
    const dialect = new InputDialect();
    dialect.observe(batch(text(['03/04/2021', '05/06/2021'])), false);
    expect(dialect.decisions.ts.kind).toBe('undecided');
    dialect.observe(batch(text(['28/04/2021'])), false);
    expect(dialect.decisions.ts).toEqual({ kind: 'pattern', pattern: '%d/%m/%Y', source: 'sniffed' });
    const tx = parseBatch(batch(text(['03/04/2021'])), new RejectLog(), dialect);
    expect([...tx.ts]).toEqual([utc(2021, 3, 3)]);
  });

  it('leaves an Arrow timestamp column native and sniffs Arrow integers and strings like text', () => {
    const native = makeVector({ type: new TimestampMillisecond(), data: new BigInt64Array([1_291_161_600_000n]) } as never);
    const r1 = auto({ kind: 'arrow', vector: native as never });
    expect(r1.dialect.decisions.ts.kind).toBe('native');
    expect(r1.ts).toEqual([utc(2010, 11, 1)]);
    const r2 = auto({ kind: 'arrow', vector: vectorFromArray([19970101n, 19970102n], new Int64()) });
    expect(r2.dialect.decisions.ts.kind).toBe('yyyymmdd');
    expect(r2.ts).toEqual([utc(1997, 0, 1), utc(1997, 0, 2)]);
    const r3 = auto({ kind: 'arrow', vector: vectorFromArray(['12/1/2010 8:26', '12/31/2010 8:26'], new Utf8()) });
    expect(r3.ts).toEqual([utc(2010, 11, 1, 8, 26), utc(2010, 11, 31, 8, 26)]);
  });
});

describe('InputDialect: given options and decisions', () => {
  it('reads by a given pattern without sniffing, numbers too (%Y%m%d on JSON integers)', () => {
    const dialect = new InputDialect({ tsFormat: '%Y%m%d', decimal: '.' });
    expect(dialect.undecided).toBe(false);
    const tx = parseBatch(batch(json([20200131, '20200201', 'x'])), new RejectLog(), dialect);
    expect([...tx.ts]).toEqual([utc(2020, 0, 31), utc(2020, 1, 1)]);
    expect(dialect.decisions).toEqual({ ts: { kind: 'pattern', pattern: '%Y%m%d', source: 'given' }, decimal: { mark: '.', source: 'given' } });
  });

  it('takes a given day-first pattern for an ambiguous file', () => {
    const dialect = new InputDialect({ tsFormat: '%d/%m/%Y', decimal: 'auto' });
    const tx = parseBatch(batch(text(['03/04/2021'])), new RejectLog(), dialect);
    expect([...tx.ts]).toEqual([utc(2021, 3, 3)]);
  });

  it('round-trips its decisions as JSON, so a worker reads as the main thread decided', () => {
    const main = new InputDialect();
    parseBatch(batch(text(['12/13/2010 8:26']), ['5,30']), new RejectLog(), main);
    const worker = new InputDialect(DEFAULT_INPUT_OPTIONS, JSON.parse(JSON.stringify(main.decisions)));
    expect(worker.undecided).toBe(false);
    const tx = parseBatch(batch(text(['1/2/2011 9:00']), ['1.234,50']), new RejectLog(), worker);
    expect([...tx.ts]).toEqual([utc(2011, 0, 2, 9)]);
    expect([...tx.amount]).toEqual([1234.5]);
  });

  it('checks a --ts-format value up front', () => {
    expect(() => checkTsFormat('auto')).not.toThrow();
    expect(() => checkTsFormat('epoch_s')).not.toThrow();
    expect(() => checkTsFormat('%d.%m.%Y')).not.toThrow();
    expect(() => checkTsFormat('%d.%m.%Q')).toThrow(ArgumentError);
  });
});

describe('InputDialect: the decimal mark under auto', () => {
  it('reads an Excel-EU column (5,30; € 1.234,50) with a decimal comma', () => {
    const r = auto(text(['2020-01-01', '2020-01-01', '2020-01-01', '2020-01-01']), ['5,30', '€ 1.234,50', '-2,5', '7']);
    expect(r.dialect.decisions.decimal).toEqual({ mark: ',', source: 'sniffed' });
    expect(r.amount).toEqual([5.3, 1234.5, -2.5, 7]);
  });

  it('keeps the decimal point when any amount shows one, and then a lone 5,30 is bad_amount', () => {
    const r = auto(text(['2020-01-01', '2020-01-01', '2020-01-01']), ['12.34', '5,30', '1,234.50']);
    expect(r.dialect.decisions.decimal).toEqual({ mark: '.', source: 'sniffed' });
    expect(r.amount).toEqual([12.34, 1234.5]);
    expect(r.rejects).toEqual({ bad_amount: 1 });
  });

  it('does not take 1,234 (three digits after the comma) as evidence of a decimal comma', () => {
    const r = auto(text(['2020-01-01', '2020-01-01']), ['1,234', '£15']);
    expect(r.dialect.decisions.decimal).toEqual({ mark: '.', source: 'default' });
    expect(r.amount).toEqual([1234, 15]);
  });
});
