import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parse } from 'csv-parse/sync';
import { CsvScanner } from '../../../engine/read/csv-scanner.js';
import { guessDelimiter, type CsvDelimiter } from '../../../engine/read/csv-delimiter.js';

interface Scanned {
  header: string[] | null;
  rows: Array<Array<string | null>>;
  malformed: Array<{ index: number; detail: string }>;
}

/** Runs the scanner over `bytes` cut at `cuts`, keeping fields `keep`, and gathers rows one `take` at a time. */
function scan(bytes: Buffer, keep: (header: readonly string[]) => number[], cuts: number[] = [], delimiter?: CsvDelimiter): Scanned {
  const scanner = new CsvScanner({ onHeader: keep, ...(delimiter === undefined ? {} : { delimiter }) });
  const out: Scanned = { header: null, rows: [], malformed: [] };
  const drain = (): void => {
    while (scanner.rowCount > 0) {
      const taken = scanner.take(3); // small takes exercise the split bookkeeping
      for (const m of taken.malformed) out.malformed.push({ index: out.rows.length + m.index, detail: m.detail });
      for (let i = 0; i < taken.length; i++) out.rows.push(taken.columns.map((c) => c[i]!));
    }
  };
  let from = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    scanner.push(bytes.subarray(from, cut));
    from = cut;
    drain();
  }
  scanner.push(bytes.subarray(from));
  scanner.end();
  drain();
  out.header = scanner.header;
  return out;
}

/** What csv-parse says the same rows are, with our conventions: empty unquoted → null, wrong count → all null. */
function oracle(text: string, keep: (header: readonly string[]) => number[], delimiter = ','): Scanned {
  const records = parse(text, {
    bom: true,
    delimiter,
    relax_column_count: true,
    skip_empty_lines: true,
    cast: (value: string, ctx: { quoting: boolean }) => (value === '' && !ctx.quoting ? null : value),
  }) as Array<Array<string | null>>;
  const [head, ...body] = records;
  if (head === undefined) return { header: null, rows: [], malformed: [] };
  const header = head.map((h) => h ?? '');
  const fields = keep(header);
  const out: Scanned = { header, rows: [], malformed: [] };
  body.forEach((record, i) => {
    if (record.length === header.length) out.rows.push(fields.map((f) => record[f]!));
    else {
      out.rows.push(fields.map(() => null));
      out.malformed.push({ index: i, detail: `expected ${header.length} fields, got ${record.length}` });
    }
  });
  return out;
}

const PIECES = ['a', 'b', 'Z', '1', '-', ' ', 'é', '€', '😀', ',', ';', '\t', '"', '\n', '\r\n', '\r', ''];

/** One CSV field as text: quoted when it must be, and sometimes when it need not be. */
function field(delimiter: string): fc.Arbitrary<string> {
  return fc
    .tuple(fc.array(fc.constantFrom(...PIECES), { maxLength: 6 }), fc.boolean())
    .map(([parts, quoteAnyway]) => {
      const value = parts.join('');
      const special = /["\r\n]/.test(value) || value.includes(delimiter);
      return special || quoteAnyway ? `"${value.replaceAll('"', '""')}"` : value;
    });
}

function csvText(delimiter: string): fc.Arbitrary<{ text: string; width: number; keep: number[] }> {
  return fc.integer({ min: 2, max: 5 }).chain((width) =>
    fc.record({
      width: fc.constant(width),
      eol: fc.constantFrom('\n', '\r\n'),
      bom: fc.boolean(),
      trailing: fc.boolean(),
      rows: fc.array(
        fc.oneof(
          { weight: 5, arbitrary: fc.array(field(delimiter), { minLength: width, maxLength: width }) },
          { weight: 1, arbitrary: fc.array(field(delimiter), { minLength: 1, maxLength: width + 2 }) },
        ),
        { maxLength: 12 },
      ),
      keep: fc.subarray([...Array(width).keys()]),
    }).map(({ width, eol, bom, trailing, rows, keep }) => {
      const header = Array.from({ length: width }, (_, i) => `col${i}`);
      const lines = [header, ...rows].map((r) => r.join(delimiter));
      const text = (bom ? '\uFEFF' : '') + lines.join(eol) + (trailing ? eol : '');
      return { text, width, keep };
    }),
  );
}

describe('CsvScanner', () => {
  it.each([',', ';', '\t'] as const)('agrees with csv-parse on random CSV split into random chunks (delimiter %j)', (delimiter) => {
    fc.assert(
      fc.property(csvText(delimiter), fc.array(fc.nat(), { maxLength: 6 }), ({ text, keep }, rawCuts) => {
        const bytes = Buffer.from(text);
        const cuts = rawCuts.map((c) => c % (bytes.length + 1));
        const got = scan(bytes, () => keep, cuts, delimiter);
        expect(got).toEqual(oracle(text, () => keep, delimiter));
      }),
      { numRuns: 400 },
    );
  });

  it('gives the same rows whatever single byte position the input is split at', () => {
    const text = '\uFEFFid,"na""me",v\r\n1,"a,b\r\nc",é€\r\n2,,""\r\n"3","x""",\r\n4,5\r\n"5","",z';
    const bytes = Buffer.from(text);
    const keepAll = (h: readonly string[]): number[] => [...h.keys()];
    const whole = scan(bytes, keepAll);
    expect(whole).toEqual(oracle(text, keepAll));
    expect(whole.header).toEqual(['id', 'na"me', 'v']);
    expect(whole.rows).toEqual([
      ['1', 'a,b\r\nc', 'é€'],
      ['2', null, ''],
      ['3', 'x"', null],
      [null, null, null],
      ['5', '', 'z'],
    ]);
    for (let cut = 0; cut <= bytes.length; cut++) expect(scan(bytes, keepAll, [cut])).toEqual(whole);
    const everyByte = [...Array(bytes.length).keys()];
    expect(scan(bytes, keepAll, everyByte)).toEqual(whole);
  });

  it('turns a record with the wrong field count into a malformed row that keeps its slot', () => {
    const got = scan(Buffer.from('a,b,c,d\n1,2,3,4\n1,2,3\n1,2,3,4,5\n5,6,7,8\n'), () => [0, 3]);
    expect(got.rows).toEqual([['1', '4'], [null, null], [null, null], ['5', '8']]);
    expect(got.malformed).toEqual([
      { index: 1, detail: 'expected 4 fields, got 3' },
      { index: 2, detail: 'expected 4 fields, got 5' },
    ]);
  });

  it('flags text after a closing quote and an unterminated quote as malformed', () => {
    const got = scan(Buffer.from('a,b\n"x"y,1\n2,"open'), (h) => [...h.keys()]);
    expect(got.rows).toEqual([[null, null], [null, null]]);
    expect(got.malformed.map((m) => m.detail)).toEqual([
      'unexpected character after the closing quote of field 1',
      'unterminated quoted field',
    ]);
  });

  it('skips blank lines without counting them and reads a file with only a header as no rows', () => {
    expect(scan(Buffer.from('\n\na,b\n\n1,2\r\n\r\n3,4\n\n'), () => [1]).rows).toEqual([['2'], ['4']]);
    const headerOnly = scan(Buffer.from('a,b'), () => [0]);
    expect(headerOnly).toEqual({ header: ['a', 'b'], rows: [], malformed: [] });
    expect(scan(Buffer.alloc(0), () => [0])).toEqual({ header: null, rows: [], malformed: [] });
  });

  it('detects the delimiter from the header line, ignoring quoted text', () => {
    expect(guessDelimiter(Buffer.from('a;b;"c,d,e"\n1,2'))).toBe(';');
    expect(guessDelimiter(Buffer.from('a\tb\tc'))).toBe('\t');
    expect(guessDelimiter(Buffer.from('a,b;c'))).toBe(',');
    expect(scan(Buffer.from('a;b\n1;2\n'), (h) => [...h.keys()]).rows).toEqual([['1', '2']]);
  });
});
