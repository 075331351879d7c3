import {
  type Data,
  DateDay,
  DateMillisecond,
  Float64,
  makeData,
  makeVector,
  Table,
  tableFromArrays,
  TimestampMicrosecond,
  TimestampMillisecond,
  TimestampNanosecond,
  TimestampSecond,
  vectorFromArray,
} from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { parseBatch } from '../../../engine/parse/parse-batch.js';
import { MAX_TIMESTAMP_MS, MIN_TIMESTAMP_MS, parseTimestamp } from '../../../engine/parse/parse-timestamp.js';
import { MAX_ID_BYTES, MAX_MONEY, customerKeyFromText, numberFromText, numberFromValue, timestampFromValue } from '../../../engine/parse/parse-values.js';
import { RejectLog, describeValue } from '../../../engine/parse/reject-log.js';
import type { RawBatch } from '../../../engine/read/raw-batch.js';
import { jsonBatch } from '../../helpers/rows.js';

function arrowBatch(table: Table): RawBatch {
  const columns: RawBatch['columns'] = {};
  for (const name of ['customer_id', 'ts', 'amount', 'margin'] as const) {
    const v = table.getChild(name);
    if (v !== null) columns[name] = { kind: 'arrow', vector: v };
  }
  return { source: 'arrow', firstRow: 1, length: table.numRows, columns, malformed: [], bytesRead: -1 };
}

describe('value bounds', () => {
  it('takes timestamps inside the Date range and nothing beyond it, as text, number and bigint', () => {
    expect(parseTimestamp(String(MAX_TIMESTAMP_MS))).toBe(MAX_TIMESTAMP_MS);
    expect(parseTimestamp(String(MIN_TIMESTAMP_MS))).toBe(MIN_TIMESTAMP_MS);
    // The Date range's last millisecond is out: the end of its day (the default as-of) would not be a Date.
    expect(parseTimestamp('8640000000000000')).toBeNaN();
    expect(parseTimestamp('9000000000000000')).toBeNaN();
    expect(timestampFromValue(9e15)).toBeNaN();
    expect(timestampFromValue(-8.64e15 - 1)).toBeNaN();
    expect(timestampFromValue(9_000_000_000_000_000n)).toBeNaN();
    expect(timestampFromValue(new Date(Number.NaN))).toBeNaN();
    expect(timestampFromValue(1_700_000_000_000)).toBe(1_700_000_000_000);
  });

  it('takes money only while its units of 0.0001 stay exact (|x| <= 2^53 / 10^4)', () => {
    expect(numberFromText(String(MAX_MONEY))).toBe(MAX_MONEY);
    expect(numberFromText('1e308')).toBeNaN();
    expect(numberFromText('1e12')).toBeNaN();
    expect(numberFromText('-1e12')).toBeNaN();
    expect(numberFromValue(Number.POSITIVE_INFINITY)).toBeNaN();
    expect(numberFromValue(1e308)).toBeNaN();
    expect(numberFromValue(10n ** 20n)).toBeNaN();
    expect(numberFromValue(900_000_000_000)).toBe(900_000_000_000);
  });

  it('makes an id longer than MAX_ID_BYTES UTF-8 bytes no id, counting multi-byte characters', () => {
    expect(customerKeyFromText('a'.repeat(MAX_ID_BYTES))).toBe('a'.repeat(MAX_ID_BYTES));
    expect(customerKeyFromText('a'.repeat(MAX_ID_BYTES + 1))).toBeNull();
    expect(customerKeyFromText('é'.repeat(MAX_ID_BYTES / 2))).toBe('é'.repeat(MAX_ID_BYTES / 2));
    expect(customerKeyFromText('é'.repeat(MAX_ID_BYTES / 2 + 1))).toBeNull();
    expect(customerKeyFromText('x'.repeat(1 << 20))).toBeNull();
  });

  it('rejects poison JSON rows as bad_ts, bad_amount, bad_margin and bad_customer_id', () => {
    const rejects = new RejectLog();
    const batch = parseBatch(
      jsonBatch([
        { customer_id: 1, ts: 9e15, amount: 1 },
        { customer_id: 1, ts: '99999999999999999', amount: 1 },
        { customer_id: 1, ts: 1_700_000_000_000, amount: 1e308 },
        { customer_id: 1, ts: 1_700_000_000_000, amount: '1e308' },
        { customer_id: 1, ts: 1_700_000_000_000, amount: 1, margin: -1e300 },
        { customer_id: 'x'.repeat(2000), ts: 1_700_000_000_000, amount: 1 },
        { customer_id: 2, ts: 1_700_000_000_000, amount: 3, margin: 1 },
      ]),
      rejects,
    );
    expect(batch.ids).toEqual([2]);
    expect(rejects.counts).toEqual({ bad_ts: 2, bad_amount: 2, bad_margin: 1, bad_customer_id: 1 });
    expect(rejects.kept.every((r) => r.value.length <= 200)).toBe(true);
  });

  it('rejects Arrow timestamps and dates beyond the Date range in every unit', () => {
    const ok = 1_700_000_000; // seconds
    // Typed as plain Data: makeVector's overloads do not take a union of Data<T>.
    const columns: Data[] = [
      makeData({ type: new TimestampSecond(), length: 2, data: BigInt64Array.of(BigInt(ok), 10n ** 13n) }),
      makeData({ type: new TimestampMillisecond(), length: 2, data: BigInt64Array.of(BigInt(ok) * 1000n, 9n * 10n ** 15n) }),
      makeData({ type: new TimestampMicrosecond(), length: 2, data: BigInt64Array.of(BigInt(ok) * 1_000_000n, 9n * 10n ** 18n) }),
      makeData({ type: new DateDay(), length: 2, data: Int32Array.of(ok / 86_400, 2_000_000_000) }),
      makeData({ type: new DateMillisecond(), length: 2, data: BigInt64Array.of(BigInt(ok) * 1000n, 10n ** 17n) }),
    ];
    for (const data of columns) {
      const table = new Table({ customer_id: vectorFromArray([1, 2]), ts: makeVector(data), amount: vectorFromArray([1, 2], new Float64()) });
      const rejects = new RejectLog();
      const batch = parseBatch(arrowBatch(table), rejects);
      expect(batch.ids).toEqual([1]);
      expect(batch.ts[0]).toBe(data.type instanceof DateDay ? Math.floor(ok / 86_400) * 86_400_000 : ok * 1000);
      expect(rejects.counts).toEqual({ bad_ts: 1 });
    }
    // Every int64 of nanoseconds (±9.2e12 ms) lies inside the Date range: nothing to reject.
    const ns = makeData({ type: new TimestampNanosecond(), length: 1, data: BigInt64Array.of(-(9n * 10n ** 18n)) });
    const table = new Table({ customer_id: vectorFromArray([1]), ts: makeVector(ns), amount: vectorFromArray([1], new Float64()) });
    expect([...parseBatch(arrowBatch(table), new RejectLog()).ts]).toEqual([-9e12]);
  });

  it('rejects Arrow amounts beyond exact money and infinite ones', () => {
    const table = tableFromArrays({ customer_id: Int32Array.of(1, 2, 3), ts: Float64Array.of(1e12, 1e12, 1e12), amount: Float64Array.of(5, 1e308, Number.POSITIVE_INFINITY) });
    const rejects = new RejectLog();
    const batch = parseBatch(arrowBatch(table), rejects);
    expect(batch.ids).toEqual([1]);
    expect(rejects.counts).toEqual({ bad_amount: 2 });
  });

  it('describes a rejected structure by its kind, never by its contents, however deep', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 200_000; i++) deep = [deep];
    expect(describeValue(deep)).toBe('(an array of 1 items)');
    expect(describeValue({ a: { b: 1 } })).toBe('(an object)');
    expect(describeValue('y'.repeat(5000))).toHaveLength(200);
    const rejects = new RejectLog();
    parseBatch(jsonBatch([{ customer_id: deep, ts: 1, amount: 1 }]), rejects);
    expect(rejects.kept[0]).toMatchObject({ reason: 'bad_customer_id', value: '(an array of 1 items)' });
  });
});
