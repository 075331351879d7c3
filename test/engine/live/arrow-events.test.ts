import { Bool, Date_, DateUnit, Field, Float64, Int8, Int32, makeData, makeVector, Struct, TimestampMillisecond, TimestampNanosecond, Utf8, type Vector, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../engine/config/load-config.js';
import { arrowEventBatch } from '../../../engine/live/arrow-events.js';
import { IdKeyCache } from '../../../engine/live/id-key-cache.js';
import { parseBatch } from '../../../engine/parse/parse-batch.js';
import { RejectLog } from '../../../engine/parse/reject-log.js';
import type { RawBatch } from '../../../engine/read/raw-batch.js';
import type { Manifest } from '../../../engine/snapshot/manifest.js';
import { eventDialect } from '../../../server/event-dialect.js';

const CONFIG = parseConfig({});
const dialectOf = (b: RawBatch) => eventDialect(CONFIG, {} as Manifest, b);
const KEYS = new IdKeyCache();

function raw(columns: Record<string, Vector>): RawBatch {
  const length = Object.values(columns)[0]!.length;
  return { source: 'request', firstRow: 1, length, columns: Object.fromEntries(Object.entries(columns).map(([k, vector]) => [k, { kind: 'arrow' as const, vector }])), malformed: [], bytesRead: -1 };
}

/** The fast batch equals parseBatch's bit for bit, with nothing rejected; or the fast path declines. */
function check(b: RawBatch, mustRead: boolean): void {
  const fast = arrowEventBatch(b, dialectOf, KEYS);
  if (mustRead) expect(fast).not.toBeNull();
  if (fast === null) return;
  const rejects = new RejectLog(10);
  const want = parseBatch(b, rejects, dialectOf(b));
  expect(rejects.total).toBe(0);
  expect(fast.length).toBe(want.length);
  expect(fast.ids).toEqual(want.ids);
  for (let i = 0; i < want.length; i++) expect(Object.is(fast.ids[i], want.ids[i])).toBe(true);
  for (const name of ['ts', 'amount', 'margin'] as const) {
    expect(fast[name] === null).toBe(want[name] === null);
    for (let i = 0; i < want.length; i++) expect(Object.is(fast[name]?.[i], want[name]?.[i]), `${name}[${i}]`).toBe(true);
  }
  expect(fast.eventIds).toEqual(want.eventIds);
}

const n = 200;
const at = (i: number) => Date.UTC(2026, 6, 1) + i * 37_000;
const money = Float64Array.from({ length: n }, (_, i) => (i % 2 ? -1 : 1) * (i * 1.37 + 0.1));

describe('arrowEventBatch', () => {
  it('reads valid rows of every id, timestamp and money type as parseBatch does', () => {
    const idVectors: Vector[] = [
      makeVector(Int32Array.from({ length: n }, (_, i) => i - 5)),
      makeVector(BigInt64Array.from({ length: n }, (_, i) => BigInt(i) * 1_000_000_007n)),
      makeVector(Float64Array.from({ length: n }, (_, i) => i * 3)),
      vectorFromArray(Array.from({ length: n }, (_, i) => (i % 3 === 0 ? `C${i}` : i % 3 === 1 ? String(i) : ` 0${i}`)), new Utf8()),
      // Non-ASCII, long and integral-decimal text ids beside plain ones, and the same ids as a slice (a chunk with an offset).
      vectorFromArray(Array.from({ length: n }, (_, i) => [`ü${i}`, 'x'.repeat(70 + (i % 3)), `${i}.0`, `C${i % 7}`][i % 4]!), new Utf8()),
      vectorFromArray(Array.from({ length: n + 3 }, (_, i) => `K${i}`), new Utf8()).slice(3),
    ];
    const tsVectors: Vector[] = [
      makeVector(Float64Array.from({ length: n }, (_, i) => at(i))),
      makeVector(BigInt64Array.from({ length: n }, (_, i) => BigInt(Math.floor(at(i) / 1000)))),
      makeVector(Int32Array.from({ length: n }, (_, i) => 20260101 + (i % 28))),
      vectorFromArray(Array.from({ length: n }, (_, i) => at(i)), new TimestampMillisecond()),
      vectorFromArray(Array.from({ length: n }, (_, i) => at(i)), new TimestampNanosecond()),
      vectorFromArray(Array.from({ length: n }, (_, i) => new Date(at(i))), new Date_(DateUnit.DAY)),
    ];
    const marginVectors: (Vector | null)[] = [null, makeVector(money), vectorFromArray(Array.from({ length: n }, (_, i) => (i % 4 ? i / 8 : null)), new Float64())];
    for (const id of idVectors) {
      for (const ts of tsVectors) {
        for (const margin of marginVectors) {
          const cols: Record<string, Vector> = { customer_id: id, ts, amount: makeVector(money) };
          if (margin) cols['margin'] = margin;
          check(raw(cols), true);
        }
      }
    }
    check(raw({ customer_id: idVectors[0]!, ts: tsVectors[0]!, amount: makeVector(Int32Array.from({ length: n }, (_, i) => i)), event_id: vectorFromArray(Array.from({ length: n }, (_, i) => (i % 2 ? `e${i}` : null)), new Utf8()) }), true);
  });

  it('leaves a batch with any row parseBatch rejects, or a shape it does not read, to parseBatch', () => {
    const ids = makeVector(Int32Array.from({ length: n }, (_, i) => i));
    const ts = makeVector(Float64Array.from({ length: n }, (_, i) => at(i)));
    const amount = makeVector(money);
    const nullAt = (type: Float64 | Int32 | Utf8, values: unknown[], i: number) => vectorFromArray(values.map((v, j) => (j === i ? null : v)), type);
    const declined: Record<string, Vector>[] = [
      { customer_id: nullAt(new Int32(), [...Array(n).keys()], 7), ts, amount },
      { customer_id: makeVector(Float64Array.from({ length: n }, (_, i) => (i === 9 ? 1.5 : i))), ts, amount },
      { customer_id: vectorFromArray(Array.from({ length: n }, (_, i) => (i === 3 ? 'NA' : `C${i}`)), new Utf8()), ts, amount },
      { customer_id: ids, ts: nullAt(new Float64(), Array.from({ length: n }, (_, i) => at(i)), 4), amount },
      { customer_id: ids, ts: makeVector(Float64Array.from({ length: n }, (_, i) => (i === 5 ? 12 : at(i)))), amount },
      { customer_id: ids, ts: vectorFromArray(Array.from({ length: n }, (_, i) => new Date(at(i)).toISOString()), new Utf8()), amount },
      { customer_id: ids, ts, amount: nullAt(new Float64(), [...money], 2) },
      { customer_id: ids, ts, amount: makeVector(Float64Array.from({ length: n }, (_, i) => (i === 1 ? 1e300 : 1))) },
      { customer_id: ids, ts, amount: vectorFromArray(Array.from({ length: n }, () => '5,30'), new Utf8()) },
      { customer_id: ids, ts, amount, margin: makeVector(Float64Array.from({ length: n }, (_, i) => (i === 6 ? Number.NaN : 1))) },
      { customer_id: ids, ts, amount, order_id: ids },
      { customer_id: ids, ts, quantity: amount, price: amount },
      { customer_id: ids, ts, amount, event_id: vectorFromArray(Array.from({ length: n }, () => true), new Bool()) },
    ];
    for (const cols of declined) {
      const b = raw(cols);
      expect(arrowEventBatch(b, dialectOf, KEYS), Object.keys(cols).join()).toBeNull();
    }
    // A struct column mapped to amount is not money.
    const struct = makeVector(makeData({ type: new Struct([new Field('x', new Int8())]), length: n, nullCount: 0, children: [makeData({ type: new Int8(), length: n, data: new Int8Array(n) })] }));
    expect(arrowEventBatch(raw({ customer_id: ids, ts, amount: struct }), dialectOf, KEYS)).toBeNull();
  });
});
