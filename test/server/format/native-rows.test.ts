import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Data, Dictionary, Int16, makeData, makeVector, Table, Utf8, vectorFromArray } from 'apache-arrow';
import { describe, expect } from 'vitest';
import { IdHashIndex } from '../../../engine/live/id-hash-index.js';
import { LiveState } from '../../../engine/live/live-state.js';
import { SnapshotColumns } from '../../../engine/live/snapshot-columns.js';
import { rescore } from '../../../engine/rescore/rescore.js';
import { CUSTOMER_FIELDS, type CustomerField, arrowTypeOf } from '../../../engine/snapshot/customer-schema.js';
import { loadSnapshot } from '../../../engine/snapshot/snapshot-store.js';
import { CustomerJson } from '../../../server/format/customer-json.js';
import { CDNOW_DIR } from '../../engine/model/cdnow.js';
import { itNative } from '../../engine/kernels/kernel-sets.js';

// The addon's row writer (native/src/json_row) against the TypeScript writer, the reference: the
// same rows must give the same bytes, on random rows of every field kind and on a real snapshot.

/** A seeded xorshift stream, so a failure is reproducible. */
function random(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4_294_967_296;
  };
}

const bits = new Float64Array(1);
const words = new Uint32Array(bits.buffer);

/** Doubles of every class: any bit pattern, subnormals, thresholds of the exponent form, money, integers, -0, NaN, ±Infinity. */
function double(next: () => number): number {
  const special = [0, -0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e21, 1e21 - 65_536, 1e-7, 1e-6, 1e-6 - 2 ** -72, 5e-324, 2.2250738585072014e-308,
    1.7976931348623157e308, 2 ** 53, 2 ** 53 + 2, 2 ** 60, 0.1 + 0.2, 123_456_789.1234, -42.5, 1e9 + 0.5];
  const pick = next();
  if (pick < 0.15) return special[Math.floor(next() * special.length)]!;
  if (pick < 0.35) {
    words[0] = (next() * 2 ** 32) >>> 0;
    words[1] = (next() * 2 ** 32) >>> 0;
    return bits[0]!;
  }
  if (pick < 0.45) return (next() < 0.5 ? -1 : 1) * Math.floor(next() * 2 ** 20) * 5e-324;
  if (pick < 0.7) return Math.round((next() - 0.3) * 10 ** Math.floor(next() * 12)) / 10_000;
  if (pick < 0.85) return Math.floor((next() - 0.5) * 10 ** Math.floor(next() * 22));
  return (next() - 0.5) * 10 ** Math.floor(next() * 50 - 25);
}

/** Pieces of text of every escape class: quotes, backslashes, control characters, DEL, U+2028/9, non-ASCII and non-BMP. */
const PIECES = ['C', '0', 'Zoë', '"', '\\', '\b', '\f', '\n', '\r', '\t', '\u0000', '\u0001', '\u001f', '\u007f', '\u2028', '\u2029', '客户', '😀', '𝄞', ' ', '/'];
const enc = new TextEncoder();
/** Byte runs that are not UTF-8 (a stray continuation, an encoded surrogate, a cut sequence, an overlong form, 0xff). */
const BAD = [[0x80], [0xed, 0xa0, 0x80], [0xf0, 0x9f, 0x98], [0xc0, 0xaf], [0xff], [0xe2, 0x82]];

function textBytes(next: () => number): number[] {
  const out: number[] = [];
  const n = Math.floor(next() * 8);
  for (let i = 0; i < n; i++) {
    if (next() < 0.1) out.push(...BAD[Math.floor(next() * BAD.length)]!);
    else out.push(...enc.encode(PIECES[Math.floor(next() * PIECES.length)]!));
  }
  return out;
}

function bitmapOf(flags: boolean[]): Uint8Array {
  const b = new Uint8Array(Math.ceil(flags.length / 8));
  flags.forEach((on, i) => {
    if (on) b[i >> 3]! |= 1 << (i & 7);
  });
  return b;
}

/** A column of `n` random values of the field's kind, nulls in nullable fields. */
function column(f: CustomerField, n: number, next: () => number): Data {
  const type = arrowTypeOf(f.kind);
  const valid = Array.from({ length: n }, () => !f.nullable || next() > 0.2);
  const nullCount = valid.filter((v) => !v).length;
  const nulls = nullCount > 0 ? { nullCount, nullBitmap: bitmapOf(valid) } : { nullCount: 0 };
  switch (f.kind) {
    case 'text': {
      const bytes: number[] = [];
      const valueOffsets = new Int32Array(n + 1);
      for (let i = 0; i < n; i++) {
        bytes.push(...textBytes(next));
        valueOffsets[i + 1] = bytes.length;
      }
      return makeData({ type: new Utf8(), length: n, valueOffsets, data: Uint8Array.from(bytes), ...nulls });
    }
    case 'category': {
      const names = ['champions', 'at "risk"', 'new\\one', 'ünïcødé 客户 😀', 'tab\there', '\u2028'];
      const dictionary = vectorFromArray(names, new Utf8());
      const codes = Int16Array.from({ length: n }, () => Math.floor(next() * names.length));
      return makeData({ type: new Dictionary(new Utf8(), new Int16()), length: n, data: codes, dictionary, ...nulls });
    }
    case 'integer':
      return makeData({ type, length: n, data: Int32Array.from({ length: n }, () => (next() < 0.1 ? [-(2 ** 31), 2 ** 31 - 1, 0][Math.floor(next() * 3)]! : Math.floor((next() - 0.5) * 2 ** 32 * next()))), ...nulls } as never);
    case 'number':
      return makeData({ type, length: n, data: Float64Array.from({ length: n }, () => double(next)), ...nulls } as never);
    case 'timestamp': {
      // Far past and future, both ends of Date's range and beyond it, around 1970 and today.
      const edges = [-8.64e15, 8.64e15 - 1, 8.64e15, -8.64e15 - 1, -62_167_219_200_001, 253_402_300_800_000, -1, 0, 1e17];
      const data = BigInt64Array.from({ length: n }, () => {
        if (next() < 0.2) return BigInt(edges[Math.floor(next() * edges.length)]!);
        if (next() < 0.05) return -(2n ** 63n) + BigInt(Math.floor(next() * 1000));
        return BigInt(Math.floor((next() - 0.5) * 2 * 10 ** Math.floor(next() * 16)));
      });
      return makeData({ type, length: n, data, ...nulls } as never);
    }
    case 'score':
      return makeData({ type, length: n, data: Uint8Array.from({ length: n }, () => Math.floor(next() * 256)), ...nulls } as never);
    case 'band':
      return makeData({ type, length: n, data: Uint16Array.from({ length: n }, () => Math.floor(next() * 65_536)), ...nulls } as never);
    case 'flag':
      return makeData({ type, length: n, data: bitmapOf(Array.from({ length: n }, () => next() < 0.5)), ...nulls } as never);
  }
}

/** A stand-in live state over `size` snapshot rows whose keys are row numbers (beyond `size`: unknown), without an overlay. */
function rowsState(size: number): never {
  return { lookup: (key: number) => (key < size ? key : -1), find: () => null } as never;
}

/** Both writers of a table's rows. */
function writers(table: Table, state: never): { js: CustomerJson; native: CustomerJson } {
  const columns = new SnapshotColumns(table);
  return { js: new CustomerJson(state, columns, 'snap-"1"', '2026-06-30', 'js'), native: new CustomerJson(state, columns, 'snap-"1"', '2026-06-30', 'native') };
}

/** Every key's body from `several`, as one list. */
function severalOf(json: CustomerJson, keys: (number | string)[]): (string | null)[] {
  const bodies: (string | null)[] = new Array(keys.length).fill(null);
  json.several(keys, keys.length, bodies);
  return bodies;
}

describe('the native row writer', () => {
  itNative(`writes random rows of every field kind as the TypeScript writer does, byte for byte`, () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const next = random(seed * 7919);
      const n = 1500;
      const table = new Table(Object.fromEntries(CUSTOMER_FIELDS.map((f) => [f.name, makeVector(column(f, n, next))])));
      const { js, native } = writers(table, rowsState(n));
      expect(native.writesNatively).toBe(true);
      expect(js.writesNatively).toBe(false);
      // Rows in random order, repeats, and unknown keys among them; more than one chunk of 1,024.
      const keys = Array.from({ length: 2600 }, () => Math.floor(next() * (n + 100)));
      const asked = keys.map((k) => (k >= n ? `x${k}` : k));
      const a = js.batch(keys, asked).toString('utf8');
      const b = native.batch(keys, asked).toString('utf8');
      expect(b).toBe(a);
      // The rows hold every class of value the writers must agree on (else this test could not fail on it).
      for (const piece of ['\\u0000', '\\u001f', '\\"', '\\\\', '\\n', '\u007f', '\u2028', '😀', '\ufffd', 'e-7', 'e+21', 'e-324', '"-0', '"+0', ':null', ':true', ':false', '-2147483648']) {
        expect(b, piece).toContain(piece);
      }
      expect(JSON.parse(b).customers.length).toBe(keys.filter((k) => k < n).length);
      expect(severalOf(native, keys)).toEqual(severalOf(js, keys));
    }
  });

  itNative(`looks ids up as the TypeScript index does: text, integers by their digits, non-ASCII, lone surrogates, unknown`, () => {
    const next = random(4242);
    const n = 3000;
    const fields = CUSTOMER_FIELDS.map((f) => [f.name, makeVector(column(f, n, next))] as const);
    // Ids as a shop sends them, unique: integers' digits, prefixed text, non-ASCII, a leading zero.
    const idTexts = Array.from({ length: n }, (_, r) => [String(r * 7 - 50), `C${String(r).padStart(7, '0')}`, `Zoë-${r}-客户😀`, `0${r}`][r % 4]!);
    const table = new Table(Object.fromEntries([...fields.filter(([name]) => name !== 'customer_id'), ['customer_id', vectorFromArray(idTexts, new Utf8())]]));
    const columns = new SnapshotColumns(table);
    const index = IdHashIndex.buildSync(columns.vector('customer_id'));
    const state = { index, overlay: { size: 0 }, lookup: (key: string | number) => (typeof key === 'number' ? index.findInteger(key) : index.find(key)), find: () => null } as never;
    const js = new CustomerJson(state, columns, 's', '2026-06-30', 'js');
    const native = new CustomerJson(state, columns, 's', '2026-06-30', 'native');
    expect(native.findsNatively).toBe(true);
    expect(js.findsNatively).toBe(false);
    const keys: (string | number)[] = [];
    for (let i = 0; i < 2500; i++) {
      const r = Math.floor(next() * n);
      const pick = next();
      if (pick < 0.6) keys.push(r % 4 === 0 ? r * 7 - 50 : idTexts[r]!);
      else if (pick < 0.7) keys.push(idTexts[r]!.slice(0, -1));
      else if (pick < 0.8) keys.push(`\ud800${r}`);
      else if (pick < 0.9) keys.push(-r - 1e6);
      else keys.push(`${idTexts[r]!}x`);
    }
    const body = native.batch(keys, keys).toString('utf8');
    expect(body).toBe(js.batch(keys, keys).toString('utf8'));
    const found = JSON.parse(body).customers.length;
    expect(found).toBeGreaterThan(1000);
    expect(found).toBeLessThan(keys.length);
    expect(severalOf(native, keys)).toEqual(severalOf(js, keys));
  });

  itNative(`refuses with a coded error, never a crash, once a column it reads was detached`, () => {
    const next = random(99);
    const n = 200;
    const table = new Table(Object.fromEntries(CUSTOMER_FIELDS.map((f) => [f.name, makeVector(column(f, n, next))])));
    const { native } = writers(table, rowsState(n));
    expect(native.batch([1, 2], [1, 2]).length).toBeGreaterThan(100);
    const revenue = table.getChild('revenue')!.data[0]!.values as Float64Array;
    const buffer = revenue.buffer as ArrayBuffer;
    structuredClone(buffer, { transfer: [buffer] });
    expect(() => native.batch([1, 2], [1, 2])).toThrow(expect.objectContaining({ code: 'SEG_ERR_NATIVE' }));
  });

  itNative(`writes every customer of a real snapshot (the CDNOW sample rescored) as the TypeScript writer does`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'segstream-native-rows-'));
    try {
      const lines = readFileSync(join(CDNOW_DIR, 'CDNOW_sample.txt'), 'utf8').trim().split('\n');
      const rows = lines.map((line) => {
        const [, id, d, , dollars] = line.trim().split(/\s+/) as [string, string, string, string, string];
        return `C${id},${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)},${dollars}`;
      });
      const input = join(dir, 'cdnow.csv');
      writeFileSync(input, `customer_id,ts,amount\n${rows.join('\n')}\n`);
      await rescore({ input, dataDir: join(dir, 'data'), asOf: '1997-09-30' } as never);
      const snap = await loadSnapshot(join(dir, 'data'));
      const state = LiveState.openSync(snap);
      const js = new CustomerJson(state, state.columns, snap.id, snap.manifest.as_of, 'js');
      const native = new CustomerJson(state, state.columns, snap.id, snap.manifest.as_of, 'native');
      expect(native.writesNatively).toBe(true);
      expect(native.findsNatively).toBe(true);
      const ids = Array.from({ length: state.columns.size }, (_, r) => state.columns.id(r));
      expect(ids.length).toBe(2357);
      const keys = [...ids, 'nobody', ...ids.slice(0, 10)];
      expect(native.batch(keys, keys).toString('utf8')).toBe(js.batch(keys, keys).toString('utf8'));
      expect(severalOf(native, keys)).toEqual(severalOf(js, keys));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
