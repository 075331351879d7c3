import { describe, expect, it } from 'vitest';
import { scanJsonRows } from '../../../engine/live/json-rows.js';
import { jsonRowsBatch } from '../../../engine/live/tx-batches.js';

/** What the general path makes of a body: JSON.parse, then jsonRowsBatch. */
function general(text: string) {
  return jsonRowsBatch(JSON.parse(text) as unknown[], 'request');
}

function scan(text: string) {
  return scanJsonRows(Buffer.from(text, 'utf8'), 'request');
}

// A small deterministic generator (mulberry32), so a failure names its seed.
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NUMBER_TEXTS = ['0', '-0', '42', '-7', '59.9', '0.1', '0.2', '10.37', '123456789012345', '1234567890123456789', '9007199254740993', '0.30000000000000004', '1e3', '2.5E-3', '-1.25e+2', '1e400', '0.0000001', '3.14159265358979323846', '12.3400', '100000000000000000000000'];
const STRING_TEXTS = ['"C42"', '"2026-07-01T10:00:00Z"', '""', '"ünïcode €"', '"tab\\there"', '"quote \\" and \\\\"', '"\\u0041\\u00e9"', '"😀"', '"NA"', '"  42 "'];
const OTHER_TEXTS = ['null', 'true', 'false'];

function value(r: () => number): string {
  const pick = (list: readonly string[]) => list[Math.floor(r() * list.length)]!;
  const x = r();
  return x < 0.5 ? pick(NUMBER_TEXTS) : x < 0.85 ? pick(STRING_TEXTS) : pick(OTHER_TEXTS);
}

function body(seed: number): string {
  const r = rng(seed);
  const keys = ['customer_id', 'ts', 'amount', 'margin', 'event_id', 'quantity', 'price', 'order_id', 'note', 'amount'];
  const rows: string[] = [];
  const n = Math.floor(r() * 8);
  for (let i = 0; i < n; i++) {
    const parts: string[] = [];
    for (const k of keys) if (r() < 0.6) parts.push(`${r() < 0.5 ? ' ' : ''}"${k}"${r() < 0.3 ? ' ' : ''}:${r() < 0.3 ? '\n' : ''}${value(r)}`);
    rows.push(`{${parts.join(',')}}`);
  }
  return `${r() < 0.5 ? ' ' : ''}[${rows.join(r() < 0.5 ? ',' : ' ,\n ')}]${r() < 0.5 ? '\n' : ''}`;
}

describe('scanJsonRows', () => {
  it('reads the common shape into the same columns as JSON.parse and jsonRowsBatch', () => {
    const text = JSON.stringify([
      { customer_id: 42, ts: '2026-07-01T10:00:00Z', amount: 59.9 },
      { customer_id: 'C7', ts: '2026-07-01T11:00:00Z', amount: -0.1, margin: 0.05, event_id: 'e-1' },
      { customer_id: 8, ts: 1782900000000, quantity: 3, price: 0.1, order_id: 536365 },
    ]);
    const scanned = scan(text);
    expect(scanned).not.toBeNull();
    expect(scanned!.rows).toBe(3);
    expect(scanned!.raw).toEqual(general(text));
  });

  it.each(Array.from({ length: 300 }, (_, seed) => seed))('agrees with the general path on generated body %i (escapes, UTF-8, every JSON number, missing, repeated and unknown keys)', (seed) => {
    const text = body(seed);
    const scanned = scan(text);
    expect(scanned, text).not.toBeNull();
    expect(scanned!.raw, text).toEqual(general(text));
    // Every number is JSON.parse's double, bit for bit (toEqual would take -0 for 0).
    for (const [name, col] of Object.entries(scanned!.raw.columns)) {
      const want = (general(text).columns as Record<string, { values: unknown[] }>)[name]!.values;
      const got = (col as unknown as { values: unknown[] }).values;
      for (let i = 0; i < got.length; i++) expect(Object.is(got[i], want[i]), `${name}[${i}] ${text}`).toBe(true);
    }
  });

  it('leaves every other shape to the general path, which accepts or refuses it as before', () => {
    for (const text of [
      '{"customer_id": 1}',
      '[1, 2]',
      '[{"customer_id": 1, "meta": {"a": 1}}]',
      '[{"customer_id": [1]}]',
      '[{"__proto__": {"x": 1}}]',
      '[{"constructor": {"prototype": {}}}]',
      '[{"cust\\u006fmer_id": 1}]',
      '[{"customer_id": 01}]',
      '[{"customer_id": 1.}]',
      '[{"customer_id": "a\tb"}]',
      '[{"customer_id": 1},]',
      '[{"customer_id": 1}] x',
      '[{"customer_id": tru}]',
      '',
      '[',
    ]) {
      expect(scan(text), text).toBeNull();
    }
  });
});
