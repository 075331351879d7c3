import { describe, expect, it } from 'vitest';
import { AsciiWriter } from '../../../engine/generate/ascii-writer.js';
import { Prng } from '../../../engine/generate/index.js';

function text(write: (out: AsciiWriter) => void): string {
  const out = new AsciiWriter(64);
  write(out);
  return Buffer.from(out.view()).toString('latin1');
}

describe('AsciiWriter', () => {
  it.each([0, 7, 10, 99, 100, 2_147_483_647, 9_007_199_254_740_991])('writes the integer %i in decimal', (n) => {
    expect(text((out) => out.uint(n))).toBe(String(n));
  });

  it.each([
    [0, '0.00'],
    [5, '0.05'],
    [-5, '-0.05'],
    [1230, '12.30'],
    [-123456, '-1234.56'],
    [100, '1.00'],
  ])('writes %i cents as %s', (cents, expected) => {
    expect(text((out) => out.cents(cents))).toBe(expected);
  });

  it('writes timestamps exactly as toISOString does', () => {
    const rng = new Prng(1);
    const out = new AsciiWriter(64);
    const wrong: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      // 1970 to ~2100, plus the edges of a day.
      const ms = i < 2 ? [0, 86_399_999][i]! : Math.floor(rng.uniform() * 4.1e12);
      out.reset();
      out.isoTime(ms);
      const written = Buffer.from(out.view()).toString('latin1');
      if (written !== new Date(ms).toISOString()) wrong.push(written);
    }
    expect(wrong).toEqual([]);
  });
});
