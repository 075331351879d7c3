/**
 * Properties of the parsers every input goes through, checked by fast-check on generated and
 * mutated values: timestamps, money, customer ids (canonical keys and their shard hash), and the
 * CSV scanner against csv-parse on mutated CSV. The seed is SEGSTREAM_FUZZ_SEED.
 */
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputUnreadableError } from '../../engine/errors.js';
import { hashBytes, hashKey } from '../../engine/kernels/id-hash.js';
import { MAX_TIMESTAMP_MS, MIN_TIMESTAMP_MS, parseTimestamp } from '../../engine/parse/parse-timestamp.js';
import { customerKeyFromText, customerKeyFromValue, MAX_ID_BYTES, MAX_MONEY, numberFromText, numberFromValue, timestampFromText, timestampFromValue } from '../../engine/parse/parse-values.js';
import { CsvScanner } from '../../engine/read/csv-scanner.js';
import { FUZZ_SEED } from './fuzz-generators.js';

const params = { seed: FUZZ_SEED, numRuns: 2000 };

/** Text with the characters parsers trip on: digits, signs, separators, letters, NUL, lone surrogates. */
const nasty = fc.oneof(
  fc.string({ unit: fc.constantFrom(...'0123456789+-.eE:TZ ,;"\'\n\r\t\u0000x€\ud800'.split('')), maxLength: 30 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
);

describe(`parser properties (seed ${FUZZ_SEED})`, () => {
  it('reads an epoch-ms integer as itself inside the Date range and as NaN beyond it', () => {
    fc.assert(
      fc.property(fc.oneof(
          fc.maxSafeInteger(),
          fc.integer({ min: -9_000_000_000_000_000, max: 9_000_000_000_000_000 }),
          fc.constantFrom(MAX_TIMESTAMP_MS, MAX_TIMESTAMP_MS + 1, MIN_TIMESTAMP_MS, MIN_TIMESTAMP_MS - 1),
        ), (n) => {
        const inside = n >= MIN_TIMESTAMP_MS && n <= MAX_TIMESTAMP_MS;
        for (const t of [parseTimestamp(String(n)), timestampFromValue(n), timestampFromValue(BigInt(n))]) {
          if (inside) expect(t).toBe(n);
          else expect(t).toBeNaN();
        }
      }),
      params,
    );
  });

  it('reads the ISO text of any instant of years 0000-9999 back to that instant', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('0000-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true }), (d) => {
        expect(parseTimestamp(d.toISOString())).toBe(d.getTime());
        expect(timestampFromValue(d)).toBe(d.getTime());
      }),
      params,
    );
  });

  it('never throws on text and never returns a timestamp outside the Date range', () => {
    fc.assert(
      fc.property(nasty, (s) => {
        const t = timestampFromText(s);
        expect(Number.isNaN(t) || (Number.isInteger(t) && t >= MIN_TIMESTAMP_MS && t <= MAX_TIMESTAMP_MS)).toBe(true);
        expect(Number.isNaN(t) || !Number.isNaN(new Date(t).getTime())).toBe(true);
      }),
      params,
    );
  });

  it('takes a double as money exactly when |x| * 10^4 stays within 2^53', () => {
    fc.assert(
      fc.property(fc.double(), (x) => {
        const ok = Number.isFinite(x) && Math.abs(x) <= MAX_MONEY;
        expect(Math.abs(MAX_MONEY * 10_000)).toBeLessThanOrEqual(2 ** 53);
        for (const v of [numberFromValue(x), numberFromText(String(x))]) {
          if (ok) expect(v === x).toBe(true); // -0 reads as 0: the same money
          else expect(v).toBeNaN();
        }
      }),
      params,
    );
  });

  it('never reads text as money beyond exact units', () => {
    fc.assert(
      fc.property(nasty, (s) => {
        const v = numberFromText(s);
        expect(Number.isNaN(v) || Math.abs(v) <= MAX_MONEY).toBe(true);
      }),
      params,
    );
  });

  it('gives an integer id and its canonical text one key and one shard hash', () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), (n) => {
        const key = n === 0 ? 0 : n; // -0 is 0
        expect(customerKeyFromText(String(n))).toBe(key);
        expect(customerKeyFromValue(n)).toBe(key);
        expect(customerKeyFromValue(BigInt(n))).toBe(key);
        expect(hashKey(customerKeyFromText(String(n)) as number)).toBe(hashBytes(Buffer.from(String(n))));
      }),
      params,
    );
  });

  it('keeps any other text id as it is, up to MAX_ID_BYTES UTF-8 bytes, and none beyond', () => {
    fc.assert(
      fc.property(fc.oneof(nasty, fc.string({ unit: 'grapheme', minLength: 300, maxLength: 700 })), (s) => {
        const key = customerKeyFromText(s);
        if (s === '') expect(key).toBeUndefined();
        else if (Buffer.byteLength(s) > MAX_ID_BYTES) expect(key).toBeNull();
        else if (typeof key === 'number') expect(String(key)).toBe(s);
        else expect(key).toBe(s);
      }),
      params,
    );
  });

  it('agrees with csv-parse on mutated CSV wherever csv-parse accepts it, and never fails uncoded', () => {
    const alphabet = ['a', 'b', '1', ' ', 'é', ',', '"', '\n', '""'];
    const cell = fc.array(fc.constantFrom(...alphabet), { maxLength: 4 }).map((p) => p.join(''));
    const quoted = cell.map((c) => `"${c.replaceAll('"', '""')}"`);
    const csv = fc.array(fc.array(fc.oneof(cell.filter((c) => !/[",\n]/.test(c)), quoted), { minLength: 3, maxLength: 3 }), { minLength: 1, maxLength: 8 });
    const edit = fc.tuple(fc.nat(), fc.constantFrom(...alphabet, ''), fc.boolean());
    let compared = 0;
    fc.assert(
      fc.property(csv, fc.array(edit, { maxLength: 3 }), (rows, edits) => {
        let text = `a,b,c\n${rows.map((r) => r.join(',')).join('\n')}\n`;
        for (const [at, piece, replace] of edits) {
          const i = at % (text.length + 1);
          text = text.slice(0, i) + piece + text.slice(replace ? i + 1 : i);
        }
        let got: Array<Array<string | null>>;
        try {
          got = scanAll(text);
        } catch (err) {
          expect(err).toBeInstanceOf(InputUnreadableError);
          return;
        }
        let want: Array<Array<string | null>> | null;
        try {
          want = oracle(text);
        } catch {
          want = null; // csv-parse refuses what we read as malformed rows: nothing to compare
        }
        if (want !== null) {
          compared++;
          expect(got).toEqual(want);
        }
      }),
      params,
    );
    // Most mutated inputs stay within what csv-parse accepts: the comparison is not vacuous.
    expect(compared).toBeGreaterThan(params.numRuns / 4);
  });
});

function scanAll(text: string): Array<Array<string | null>> {
  const scanner = new CsvScanner({ delimiter: ',', onHeader: (h) => [...h.keys()] });
  scanner.push(Buffer.from(text));
  scanner.end();
  const taken = scanner.take(scanner.rowCount);
  const bad = new Set(taken.malformed.map((m) => m.index));
  const width = scanner.header?.length ?? 0;
  return Array.from({ length: taken.length }, (_, i) => (bad.has(i) ? Array(width).fill(null) : taken.columns.map((c) => c[i]!)));
}

/** csv-parse's rows in the scanner's conventions: empty unquoted is null, a wrong field count is a row of nulls. */
function oracle(text: string): Array<Array<string | null>> {
  const records = parse(text, {
    delimiter: ',',
    relax_column_count: true,
    skip_empty_lines: true,
    cast: (value: string, ctx: { quoting: boolean }) => (value === '' && !ctx.quoting ? null : value),
  }) as Array<Array<string | null>>;
  const [head, ...body] = records;
  if (head === undefined) return [];
  return body.map((r) => (r.length === head.length ? r : Array(head.length).fill(null)));
}
