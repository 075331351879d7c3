import { describe, expect, it } from 'vitest';
import { IdKeyCache } from '../../../engine/live/id-key-cache.js';
import { customerKeyFromText } from '../../../engine/parse/parse-values.js';

const bytes = (text: string) => Buffer.from(text, 'latin1');

describe('IdKeyCache', () => {
  it('gives the key customerKeyFromText gives, and the same value again for the same bytes anywhere in a buffer', () => {
    const cache = new IdKeyCache();
    const texts = ['C0000042', '42', '042', '-7', '13085.0', 'NA', 'null', ' 42 ', '   ', 'x'.repeat(64), '9007199254740993', 'C1', 'C10', 'c1'];
    for (const t of texts) expect(cache.keyOf(bytes(t), 0, t.length), t).toBe(customerKeyFromText(t));
    const held = cache.size;
    // The same ids again, inside a larger buffer: found by their bytes, nothing added.
    const buf = bytes(`[${texts.join('|')}]`);
    let at = 1;
    for (const t of texts) {
      expect(cache.keyOf(buf, at, at + t.length), t).toBe(customerKeyFromText(t));
      at += t.length + 1;
    }
    expect(cache.size).toBe(held);
  });

  it('reads a span that runs backwards or past the bytes (damaged Arrow offsets) without keeping it, and stays right after', () => {
    const cache = new IdKeyCache();
    const buf = bytes('C1C22C333');
    expect(cache.keyOf(buf, 2, 4)).toBe('C2');
    for (let i = 0; i < 100; i++) {
      expect(cache.keyOf(buf, 6, 2)).toBeUndefined();
      expect(cache.lastEntry).toBe(-1);
    }
    expect(cache.keyOf(buf, 5, 40)).toBe('C333');
    expect(cache.lastEntry).toBe(-1);
    const held = cache.size;
    for (let i = 0; i < 1000; i++) expect(cache.keyOf(bytes(`X${i}`), 0, `X${i}`.length)).toBe(`X${i}`);
    expect(cache.size).toBe(held + 1000);
    expect(cache.keyOf(buf, 0, 2)).toBe('C1');
    expect(cache.keyOf(buf, 2, 4)).toBe('C2');
  });

  it('starts over when full and still answers every id right', () => {
    const cache = new IdKeyCache();
    const n = (1 << 18) + 5000;
    for (let i = 0; i < n; i++) {
      const t = `C${i}`;
      expect(cache.keyOf(bytes(t), 0, t.length)).toBe(t);
    }
    expect(cache.size).toBeLessThan(1 << 18);
    for (const i of [0, 1, 12345, n - 1]) expect(cache.keyOf(bytes(`C${i}`), 0, `C${i}`.length)).toBe(`C${i}`);
    expect(cache.keyOf(bytes('00042'), 0, 5)).toBe(customerKeyFromText('00042'));
  });
});
