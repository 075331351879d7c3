import { describe, expect, it } from 'vitest';
import { decimalVote } from '../../../engine/parse/money-text.js';
import { MAX_MONEY, numberFromCommaText, numberFromText } from '../../../engine/parse/parse-values.js';

describe('money from text', () => {
  it.each([
    ['12.34', 12.34],
    ['£15.30', 15.3],
    ['15.30 €', 15.3],
    ['-£15.30', -15.3],
    ['£-15.30', -15.3],
    ['$ 1,234.50', 1234.5],
    ['1,234,567.5', 1234567.5],
    ['1 234.50', 1234.5],
    ['1\u00a0234.50\u00a0₹', 1234.5],
    ['1\u202f234', 1234],
    ['\u2212 3', -3],
    ['¥500', 500],
    ['+7', 7],
    ['.5', 0.5],
  ])('under the decimal point reads %j as %d', (s, want) => {
    expect(numberFromText(s)).toBe(want);
  });

  it.each([
    ['5,30', 5.3],
    ['€ 1.234,50', 1234.5],
    ['1.234.567,89 €', 1234567.89],
    ['-2,5', -2.5],
    ['1 234,50', 1234.5],
    ['7', 7],
    ['1.234', 1234],
    [',5', 0.5],
  ])('under the decimal comma reads %j as %d', (s, want) => {
    expect(numberFromCommaText(s)).toBe(want);
  });

  it.each([
    'Infinity',
    '-Infinity',
    'NaN',
    '1e400',
    String(MAX_MONEY * 2),
    '12,34', // a comma that is no grouping of three
    '1.234,50', // the other mark's grouping
    '1,23,456.00', // groups of two
    '€€5',
    '£5 €',
    '--5',
    '- £ - 5',
    '5 EUR', // letters are no currency sign
    '12 34',
    '£',
    '.',
    '',
  ])('under the decimal point rejects %j', (s) => {
    expect(numberFromText(s)).toBeNaN();
  });

  it.each(['12.34', '1,234.50', '1.23.4', 'NaN', '∞', '5,3,0', String(MAX_MONEY * 2).replace('.', ',')])('under the decimal comma rejects %j', (s) => {
    expect(numberFromCommaText(s)).toBeNaN();
  });

  it('reads a 100,000-digit field or a megabyte of spaces as no number (a backtracking regex took 51 s on the first)', () => {
    for (const s of ['1'.repeat(100_000) + 'x', `${' '.repeat(1_000_000)}x`, `€${' '.repeat(50)}1${' '.repeat(50)}x`, '1 '.repeat(50_000)]) {
      expect(numberFromText(s)).toBeNaN();
      expect(numberFromCommaText(s)).toBeNaN();
    }
  });

  it('votes for a mark only where a value cannot be read the other way', () => {
    expect(['5,30', '€ 1.234,50', '-2,5', '12.34', '1,234.5', '1,234', '1.234', '12', '1.234,567'].map(decimalVote)).toEqual([
      ',', ',', ',', '.', '.', null, null, null, null,
    ]);
  });
});
