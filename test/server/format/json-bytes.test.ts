import { describe, expect, it } from 'vitest';
import { JsonBytes } from '../../../server/format/json-bytes.js';

/** What one writer call appends, as text. */
function written(write: (out: JsonBytes) => void): string {
  const out = new JsonBytes(8);
  write(out);
  return out.take().toString('utf8');
}

/** A deterministic stream of doubles (xorshift), so a failure names a reproducible value. */
function* doubles(n: number): Generator<number> {
  let s = 0x9e3779b9;
  const next = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4_294_967_296;
  };
  for (let i = 0; i < n; i++) {
    const r = next();
    yield (next() - 0.5) * 10 ** Math.floor(r * 24 - 12);
    yield Math.round((next() - 0.3) * 10 ** Math.floor(r * 10) * 10_000) / 10_000;
    yield Math.round(next() * 1e6) / 100;
  }
}

describe('JsonBytes writes what JSON.stringify writes', () => {
  it('writes numbers as String(n): integers, money to four decimals, ratios, tiny and huge values, non-finite as null', () => {
    const special = [0, -0, 1, -1, 0.1, 0.2, 0.1 + 0.2, 0.3, -42.5, 1131.26, 62.84777777777778, 1e-7, 1.5e-7, 4.17420404864713e-12, 0.0001, 0.00005, -0.0001,
      999_999_999.9999, 1e9 + 0.5, 123_456_789.1234, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), 1e21, 1.7976931348623157e308, 5e-324, Number.MAX_SAFE_INTEGER, 2_147_483_648, 0.1 * 3];
    for (const x of [...special, ...doubles(20_000)]) expect(written((o) => o.number(x))).toBe(String(x));
    for (const x of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) expect(written((o) => o.number(x))).toBe('null');
  });

  it('writes safe integers digit by digit', () => {
    for (const v of [0, 7, 10, 99, 100, 65_535, -1, -10, 2_147_483_647, -2_147_483_648, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER]) {
      expect(written((o) => o.integer(v))).toBe(String(v));
    }
  });

  it('writes instants as toISOString does, before 1970, at day ends and beyond year 9999', () => {
    const instants = [0, -1, 1, -14_182_940_000 + 250, 86_399_999, 86_400_000, 1_723_000_000_123, 253_402_300_799_999, 253_402_300_800_000, -62_167_219_200_000, -62_167_219_200_001, 8.64e15, -8.64e15, 1.9];
    for (const ms of instants) expect(written((o) => o.timestamp(ms))).toBe(JSON.stringify(new Date(Math.trunc(ms)).toISOString()));
  });

  it('copies plain UTF-8 text between quotes and escapes quotes, backslashes, control characters and non-ASCII text as JSON.stringify does', () => {
    const enc = new TextEncoder();
    for (const text of ['C0000123', '', 'O"Brien', 'back\\slash', 'tab\there', 'line\nbreak', '\u0000\u001f', 'Zoë', 'ünïcødé-客户', '😀', '\u007f']) {
      const bytes = enc.encode(`xx${text}yy`);
      expect(written((o) => o.utf8Text(bytes, 2, bytes.length - 2))).toBe(JSON.stringify(text));
    }
    // Bytes that are not UTF-8 are sent as a decoder reads them (replacement characters).
    const bad = Uint8Array.of(0x41, 0xff, 0x42);
    expect(written((o) => o.utf8Text(bad, 0, 3))).toBe(JSON.stringify(new TextDecoder().decode(bad)));
  });

  it('grows its buffer for long answers and hands each answer over as a Buffer of its own or as text', () => {
    const out = new JsonBytes(8);
    const long = 'x'.repeat(100_000);
    out.string(long);
    const first = out.take();
    out.string('short');
    const second = out.take();
    expect(first.toString()).toBe(JSON.stringify(long));
    expect(second.toString()).toBe('"short"');
    expect(first.toString()).toBe(JSON.stringify(long));
    out.string('Zoë 客户');
    expect(out.takeText()).toBe('"Zoë 客户"');
    out.ascii('{}');
    expect(out.takeText()).toBe('{}');
  });

  it('writes a large answer into a buffer given back only after that buffer was given back, never into one still held', () => {
    const out = new JsonBytes(8);
    const answer = (c: string) => {
      out.string(c.repeat(200_000));
      return out.take();
    };
    const a = answer('a');
    const b = answer('b');
    const c = answer('c');
    // Not given back: three answers, three buffers, each intact.
    expect(new Set([a.buffer, b.buffer, c.buffer]).size).toBe(3);
    expect([a, b, c].map((x) => x.toString())).toEqual(['a', 'b', 'c'].map((x) => JSON.stringify(x.repeat(200_000))));
    out.giveBack(a);
    out.giveBack(a);
    // The writer already holds a fresh buffer: the next answer goes there, the one after into a's.
    const d = answer('d');
    const e = answer('e');
    expect(e.buffer).toBe(a.buffer);
    expect(d.buffer).not.toBe(a.buffer);
    expect([b, c, d, e].map((x) => x.toString())).toEqual(['b', 'c', 'd', 'e'].map((x) => JSON.stringify(x.repeat(200_000))));
    // A small answer is a copy: giving it back keeps nothing.
    out.string('small');
    const small = out.take();
    out.giveBack(small);
    const f = answer('f');
    expect([a.buffer, b.buffer, c.buffer, d.buffer]).not.toContain(f.buffer);
    expect(e.toString()).toBe(JSON.stringify('e'.repeat(200_000)));
  });
});
