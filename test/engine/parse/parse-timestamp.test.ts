import { describe, expect, it } from 'vitest';
import { daysFromCivil, parseTimestamp } from '../../../engine/parse/parse-timestamp.js';

describe('parseTimestamp', () => {
  it.each([
    ['2026-03-01', '2026-03-01T00:00:00.000Z'],
    ['2026-03-01T12:34', '2026-03-01T12:34:00.000Z'],
    ['2026-03-01T12:34:56', '2026-03-01T12:34:56.000Z'],
    ['2026-03-01 12:34:56.7', '2026-03-01T12:34:56.700Z'],
    ['2026-03-01T12:34:56.123456789Z', '2026-03-01T12:34:56.123Z'],
    ['2026-03-01T01:00:00+02:00', '2026-02-28T23:00:00.000Z'],
    ['2026-03-01T23:00:00-0130', '2026-03-02T00:30:00.000Z'],
    ['2026-03-01T23:00:00-05', '2026-03-02T04:00:00.000Z'],
    ['2024-02-29', '2024-02-29T00:00:00.000Z'],
    ['1969-12-31T23:59:59.999Z', '1969-12-31T23:59:59.999Z'],
    [' 2026-03-01 ', '2026-03-01T00:00:00.000Z'],
  ])('reads %j as %s', (text, iso) => {
    expect(parseTimestamp(text)).toBe(Date.parse(iso));
  });

  it('reads an integer as epoch milliseconds', () => {
    expect(parseTimestamp('1700000000123')).toBe(1_700_000_000_123);
    expect(parseTimestamp('-5')).toBe(-5);
  });

  it.each(['', 'yesterday', '2026-02-30', '2025-02-29', '2026-13-01', '2026-03-01T24:00', '2026-03-01T12:60', '2026-03-01X12:00', '2026-03-01T12:00:00+25:00', '2026-03-01T12:00:00.', '1.5', '12e3', '2026/03/01'])(
    'rejects %j',
    (text) => {
      expect(parseTimestamp(text)).toBeNaN();
    },
  );

  it('agrees with Date.UTC on every day from 1900 to 2100', () => {
    for (let y = 1900; y <= 2100; y += 1) {
      for (const [m, d] of [[1, 1], [2, 28], [3, 1], [12, 31]] as const) {
        expect(daysFromCivil(y, m, d) * 86_400_000).toBe(Date.UTC(y, m - 1, d));
      }
    }
  });
});
