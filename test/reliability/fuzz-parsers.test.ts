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
import { ArgumentError } from '../../engine/errors.js';
import { InputDialect } from '../../engine/parse/input-dialect.js';
import { lineAmount } from '../../engine/parse/line-amount.js';
import { toUnits } from '../../engine/aggregate/money.js';
import { numberFromMarkedText } from '../../engine/parse/money-text.js';
import { numberFromCommaText } from '../../engine/parse/parse-values.js';
import { compileTsPattern } from '../../engine/parse/ts-pattern.js';
import type { RawBatch } from '../../engine/read/raw-batch.js';
import { formatTs, truncateTo } from '../engine/parse/format-ts.js';
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

  it('keeps any other text id as it is, up to MAX_ID_BYTES UTF-8 bytes, and none beyond; blank and NA-like ids are missing', () => {
    const missingToken = fc
      .tuple(fc.constantFrom('NA', 'N/A', 'NULL', 'None', 'nan', ''), fc.array(fc.boolean(), { maxLength: 4 }), fc.constantFrom('', ' ', '\u00a0', '\t', '\u202f'))
      .map(([t, upper, pad]) => pad + [...t].map((c, i) => (upper[i] ? c.toUpperCase() : c.toLowerCase())).join('') + pad);
    const integral = fc.tuple(fc.integer({ min: -1e12, max: 1e12 }), fc.integer({ min: 1, max: 3 })).map(([n, z]) => `${n}.${'0'.repeat(z)}`);
    fc.assert(
      fc.property(fc.oneof(nasty, missingToken, integral, fc.string({ unit: 'grapheme', minLength: 300, maxLength: 700 })), (s) => {
        const key = customerKeyFromText(s);
        const t = s.trim();
        const integer = /^-?(0|[1-9]\d*)(\.0+)?$/.exec(s);
        if (Buffer.byteLength(s) > MAX_ID_BYTES) expect(key).toBeNull();
        else if (t === '' || /^(na|n\/a|null|none|nan)$/i.test(t)) expect(key).toBeUndefined();
        else if (integer && !s.startsWith('-0') && Number.isSafeInteger(Number(integer[0]))) expect(key).toBe(Number(integer[0]));
        else expect(key).toBe(s);
      }),
      params,
    );
  });

  it('reads an integral decimal id (13085.0) as the integer, with its key and shard hash', () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), fc.integer({ min: 1, max: 4 }), (n, zeros) => {
        fc.pre(n !== 0 || zeros > 0);
        const text = `${n === 0 ? 0 : n}.${'0'.repeat(zeros)}`;
        const key = customerKeyFromText(text);
        expect(key).toBe(n === 0 ? 0 : n);
        expect(hashKey(key as number)).toBe(hashBytes(Buffer.from(String(n === 0 ? 0 : n))));
      }),
      params,
    );
  });

  it('reads an instant formatted by a pattern back to that instant (to the pattern\'s precision, at its offset)', () => {
    const patterns = ['%m/%d/%Y %H:%M', '%d.%m.%Y', '%Y%m%d', '%d/%m/%y %H:%M:%S', '%d %b %Y %I:%M:%S %p', '%Y-%m-%dT%H:%M:%S.%f%z', '%e.%m.%Y %H:%M %z', '%B %d, %Y %H:%M'];
    fc.assert(
      fc.property(
        fc.constantFrom(...patterns),
        fc.date({ min: new Date('1969-01-01T00:00:00Z'), max: new Date('2068-12-31T00:00:00Z'), noInvalidDate: true }),
        fc.integer({ min: -48, max: 56 }).map((q) => q * 15),
        (pattern, d, offsetMin) => {
          const off = pattern.includes('%z') ? offsetMin : 0;
          const text = formatTs(d.getTime(), pattern, off);
          const want = truncateTo(d.getTime() + off * 60_000, pattern) - off * 60_000;
          expect(compileTsPattern(pattern).parse(text)).toBe(want);
        },
      ),
      params,
    );
  });

  it('asks for --ts-format exactly when every day sniffed is 12 or less, and reads day-first dates right otherwise', () => {
    const day = fc.date({ min: new Date('1990-01-01T00:00:00Z'), max: new Date('2030-12-31T00:00:00Z'), noInvalidDate: true });
    fc.assert(
      fc.property(fc.array(day, { minLength: 1, maxLength: 30 }), fc.boolean(), (dates, withTime) => {
        const pattern = withTime ? '%d/%m/%Y %H:%M' : '%d/%m/%Y';
        const texts = dates.map((d) => formatTs(d.getTime(), pattern));
        const dialect = new InputDialect();
        const ambiguous = dates.every((d) => d.getUTCDate() <= 12);
        if (ambiguous) {
          expect(() => dialect.observe(tsBatch(texts))).toThrow(ArgumentError);
        } else {
          dialect.observe(tsBatch(texts));
          expect(dialect.decisions.ts).toEqual({ kind: 'pattern', pattern, source: 'sniffed' });
          for (const d of dates) expect(dialect.pattern!.parse(formatTs(d.getTime(), pattern))).toBe(truncateTo(d.getTime(), pattern));
        }
      }),
      params,
    );
  });

  it('reads money written with a decimal comma, dot grouping, spaces and a currency sign back to its value', () => {
    const cents = fc.integer({ min: -9_000_000_000_000, max: 9_000_000_000_000 });
    fc.assert(
      fc.property(cents, fc.constantFrom('', '€', '£', '$', '₹', 'zł'), fc.boolean(), fc.boolean(), fc.constantFrom(' ', '\u00a0', '\u202f', ''), (c, cur, group, after, sp) => {
        const abs = Math.abs(c);
        const whole = String(Math.floor(abs / 100));
        const grouped = group ? whole.replace(/\B(?=(\d{3})+$)/g, '.') : whole;
        const body = `${grouped},${String(abs % 100).padStart(2, '0')}`;
        const sign = c < 0 ? '-' : '';
        const text = cur === '' ? sign + body : after ? `${sign}${body}${sp}${cur}` : `${sign}${cur}${sp}${body}`;
        const want = c / 100;
        if (cur === 'zł') expect(numberFromCommaText(text)).toBeNaN(); // letters, not a currency sign (\p{Sc})
        else {
          expect(numberFromCommaText(text)).toBe(want === 0 ? 0 : want);
          // The same text under the decimal point: never a different number; NaN unless it cannot be confused.
          const dot = numberFromMarkedText(text, '.');
          expect(Number.isNaN(dot) || dot === Math.abs(c) * (c < 0 ? -1 : 1) || (!text.includes(',') && dot === want)).toBe(true);
        }
      }),
      params,
    );
  });

  it('computes quantity * price exactly to 0.0001, half away from zero, as BigInt arithmetic on the decimal texts does', () => {
    const decimal = fc.tuple(fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }), fc.integer({ min: 0, max: 6 }));
    fc.assert(
      fc.property(decimal, decimal, ([qi, qk], [pi, pk]) => {
        const q = Number(`${qi}e-${qk}`);
        const p = Number(`${pi}e-${pk}`);
        fc.pre(Math.abs(q) <= MAX_MONEY && Math.abs(p) <= MAX_MONEY);
        // Exact: qi * pi at scale 10^(qk+pk), to scale 10^4, half away from zero.
        const prod = qi * pi;
        const shift = qk + pk - 4;
        let units: bigint;
        if (shift <= 0) units = prod * 10n ** BigInt(-shift);
        else {
          const d = 10n ** BigInt(shift);
          const abs = prod < 0n ? -prod : prod;
          const r = (abs / d) + (2n * (abs % d) >= d ? 1n : 0n);
          units = prod < 0n ? -r : r;
        }
        const got = lineAmount(q, p);
        const safe = units <= BigInt(Number.MAX_SAFE_INTEGER) && units >= -BigInt(Number.MAX_SAFE_INTEGER);
        // The amount is a double summed as toUnits(amount): the line is kept only where that gives the units back.
        if (safe && toUnits(Number(units) / 10_000) === Number(units)) expect(toUnits(got)).toBe(Number(units));
        else expect(got).toBeNaN();
        if (units > -(10n ** 15n) && units < 10n ** 15n) expect(got).not.toBeNaN(); // |amount| < 1e11 always fits
      }),
      params,
    );
  });

  it('never throws on text and never returns money beyond exact units under either decimal mark', () => {
    const money = fc.string({ unit: fc.constantFrom(...'0123456789+-.,  \u00a0\u202f€$£¥-eEINFaty'.split('')), maxLength: 24 });
    fc.assert(
      fc.property(fc.oneof(nasty, money), (s) => {
        for (const v of [numberFromCommaText(s), numberFromText(s)]) expect(Number.isNaN(v) || Math.abs(v) <= MAX_MONEY).toBe(true);
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

function tsBatch(ts: string[]): RawBatch {
  return { source: 'fuzz', firstRow: 1, length: ts.length, columns: { ts: { kind: 'text', values: ts } }, malformed: [], bytesRead: -1 };
}

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
