import { describe, expect, it } from 'vitest';
import { ArgumentError } from '../../../engine/errors.js';
import { compileTsPattern } from '../../../engine/parse/ts-pattern.js';

const utc = Date.UTC;

describe('compileTsPattern', () => {
  it.each([
    ['%m/%d/%Y %H:%M', '12/1/2010 8:26', utc(2010, 11, 1, 8, 26)],
    ['%m/%d/%Y %H:%M', '12/01/2010 08:26', utc(2010, 11, 1, 8, 26)],
    ['%d.%m.%Y', '31.12.1999', utc(1999, 11, 31)],
    ['%Y%m%d', '19970101', utc(1997, 0, 1)],
    ['%d/%m/%y %H:%M:%S', '03/04/21 23:59:58', utc(2021, 3, 3, 23, 59, 58)],
    ['%d/%m/%y', '01/01/69', utc(1969, 0, 1)],
    ['%d/%m/%y', '31/12/68', utc(2068, 11, 31)],
    ['%d %b %Y', '5 Sept 2020', utc(2020, 8, 5)],
    ['%B %d, %Y', 'february 29, 2024', utc(2024, 1, 29)],
    ['%m/%d/%Y %I:%M %p', '1/2/2020 12:05 AM', utc(2020, 0, 2, 0, 5)],
    ['%m/%d/%Y %I:%M %p', '1/2/2020 12:05 pm', utc(2020, 0, 2, 12, 5)],
    ['%m/%d/%Y %I:%M %p', '1/2/2020 1:05 PM', utc(2020, 0, 2, 13, 5)],
    ['%Y-%m-%d %H:%M:%S.%f', '2020-01-02 03:04:05.123456', utc(2020, 0, 2, 3, 4, 5, 123)],
    ['%Y-%m-%dT%H:%M:%S%z', '2020-01-02T03:04:05+02:30', utc(2020, 0, 2, 0, 34, 5)],
    ['%Y-%m-%dT%H:%M:%S%z', '2020-01-02T03:04:05-0100', utc(2020, 0, 2, 4, 4, 5)],
    ['%Y-%m-%dT%H:%M:%S%z', '2020-01-02T03:04:05Z', utc(2020, 0, 2, 3, 4, 5)],
    ['%e.%m.%Y', ' 7.03.2021', utc(2021, 2, 7)],
    ['%d.%m.%Y %H:%M', '  07.03.2021   10:00 ', utc(2021, 2, 7, 10)],
    ['100%% %Y/%m/%d', '100% 2021/03/07', utc(2021, 2, 7)],
  ])('%s reads %j as the instant it names, in UTC unless %%z', (pattern, text, want) => {
    expect(compileTsPattern(pattern).parse(text)).toBe(want);
  });

  it.each([
    ['%m/%d/%Y %H:%M', '13/1/2010 8:26'], // no month 13
    ['%m/%d/%Y %H:%M', '2/30/2010 8:26'], // no 30 February
    ['%m/%d/%Y %H:%M', '12/1/2010 24:00'],
    ['%m/%d/%Y %H:%M', '12/1/2010'], // the time is part of the pattern
    ['%m/%d/%Y %H:%M', '12/1/2010 8:26:01'], // trailing text
    ['%d.%m.%Y', '29.02.2023'],
    ['%Y%m%d', '2010121'], // adjacent fields take exactly their width
    ['%Y%m%d', '201012011'],
    ['%d/%m/%y', '01/01/2021'],
    ['%d %b %Y', '5 Foo 2020'],
    ['%m/%d/%Y %I:%M %p', '1/2/2020 13:05 PM'],
    ['%Y-%m-%dT%H:%M:%S%z', '2020-01-02T03:04:05+24:00'],
    ['%d.%m.%Y', ''],
    ['%d.%m.%Y', '1.2.-2021'],
  ])('%s rejects %j (NaN)', (pattern, text) => {
    expect(compileTsPattern(pattern).parse(text)).toBeNaN();
  });

  it('refuses unknown directives and patterns without a full date, with an ArgumentError naming the pattern', () => {
    expect(() => compileTsPattern('%Y-%m-%d %Q')).toThrow(ArgumentError);
    expect(() => compileTsPattern('%Y-%m-%d %Q')).toThrow(/unknown directive %Q/);
    expect(() => compileTsPattern('%m/%Y')).toThrow(/needs a year .* a month .* and a day/);
    expect(() => compileTsPattern('%d/%m/%Y %I:%M')).toThrow(/%I and %p go together/);
    expect(() => compileTsPattern('%d/%m/%Y %')).toThrow(ArgumentError);
  });

  it('knows its day-first/month-first twin', () => {
    expect(compileTsPattern('%d/%m/%Y').dayFirst).toBe(true);
    expect(compileTsPattern('%d/%m/%Y').swapped).toBe('%m/%d/%Y');
    expect(compileTsPattern('%m/%d/%Y %H:%M').dayFirst).toBe(false);
    expect(compileTsPattern('%d %b %Y').swapped).toBeNull();
  });
});
