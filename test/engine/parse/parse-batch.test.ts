import { describe, expect, it } from 'vitest';
import { parseBatch } from '../../../engine/parse/parse-batch.js';
import { RejectLog } from '../../../engine/parse/reject-log.js';
import type { RawBatch } from '../../../engine/read/raw-batch.js';
import { jsonBatch } from '../../helpers/rows.js';

describe('parseBatch', () => {
  it('rejects each kind of bad row with its reason and row number, and keeps the good ones', () => {
    const rejects = new RejectLog();
    const rows = [
      { customer_id: 1, ts: '2026-01-01', amount: 10, margin: 2 },
      { ts: '2026-01-01', amount: 10 },
      { customer_id: 1.5, ts: '2026-01-01', amount: 10 },
      { customer_id: true, ts: '2026-01-01', amount: 10 },
      { customer_id: 2, amount: 10 },
      { customer_id: 2, ts: 'soon', amount: 10 },
      { customer_id: 2, ts: '2026-01-01' },
      { customer_id: 2, ts: '2026-01-01', amount: 'ten' },
      { customer_id: 2, ts: '2026-01-01', amount: Number.NaN },
      { customer_id: 2, ts: '2026-01-01', amount: '10,00' }, // a decimal comma needs the dialect's ','
      { customer_id: 2, ts: '2026-01-01', amount: 5, margin: 'x' },
      { customer_id: 3, ts: '2026-01-01', amount: '-7.5', margin: null },
      { customer_id: '', ts: '2026-01-01', amount: 1 },
    ];
    const batch = parseBatch(jsonBatch(rows, 101), rejects);
    expect(batch.length).toBe(2);
    expect(batch.ids).toEqual([1, 3]);
    expect([...batch.amount]).toEqual([10, -7.5]);
    expect([...batch.margin!]).toEqual([2, Number.NaN]);
    expect(rejects.counts).toEqual({
      missing_customer_id: 2,
      bad_customer_id: 2,
      missing_ts: 1,
      bad_ts: 1,
      missing_amount: 1,
      bad_amount: 3,
      bad_margin: 1,
    });
    expect(rejects.total).toBe(11);
    expect(rejects.kept.map((r) => [r.row, r.reason])).toEqual([
      [102, 'missing_customer_id'],
      [103, 'bad_customer_id'],
      [104, 'bad_customer_id'],
      [105, 'missing_ts'],
      [106, 'bad_ts'],
      [107, 'missing_amount'],
      [108, 'bad_amount'],
      [109, 'bad_amount'],
      [110, 'bad_amount'],
      [111, 'bad_margin'],
      [113, 'missing_customer_id'],
    ]);
    expect(rejects.kept[4]!.value).toBe('soon');
  });

  it('reads text fields (CSV) by the same rules, and reports rows the reader could not decode', () => {
    const raw: RawBatch = {
      source: 'f.csv',
      firstRow: 1,
      length: 4,
      columns: {
        customer_id: { kind: 'text', values: ['042', '42', null, '7'] },
        ts: { kind: 'text', values: ['2026-01-01', '1767225600000', null, '2026-01-01'] },
        amount: { kind: 'text', values: ['1e2', ' 3.5 ', null, '.5'] },
      },
      malformed: [{ index: 2, reason: 'malformed_row', detail: 'expected 3 fields, got 2' }],
      bytesRead: 100,
    };
    const rejects = new RejectLog();
    const batch = parseBatch(raw, rejects);
    expect(batch.ids).toEqual(['042', 42, 7]);
    expect([...batch.ts]).toEqual([Date.parse('2026-01-01'), 1_767_225_600_000, Date.parse('2026-01-01')]);
    expect([...batch.amount]).toEqual([100, 3.5, 0.5]);
    expect(batch.margin).toBeNull();
    expect(rejects.kept).toEqual([{ source: 'f.csv', row: 3, reason: 'malformed_row', value: 'expected 3 fields, got 2' }]);
  });

  it('counts every rejected row but keeps only the first N', () => {
    const rejects = new RejectLog(5);
    parseBatch(jsonBatch(Array.from({ length: 50 }, () => ({ customer_id: 1, ts: 'bad', amount: 1 }))), rejects);
    expect(rejects.total).toBe(50);
    expect(rejects.counts.bad_ts).toBe(50);
    expect(rejects.kept.length).toBe(5);
  });
});

describe('parseBatch on Arrow columns', () => {
  it('reads timestamps of every unit, dates, 64-bit ids and nulls straight from the buffers', async () => {
    const A = await import('apache-arrow');
    const ms = Date.parse('2026-03-01T12:34:56.789Z');
    const table = new A.Table({
      customer_id: A.vectorFromArray([1n, 2n, 2n ** 60n, null], new A.Int64()),
      ts: A.vectorFromArray([ms, ms, ms, ms], new A.TimestampMicrosecond()),
      amount: A.vectorFromArray([1.5, null, 3, 4], new A.Float64()),
    });
    const raw: RawBatch = {
      source: 'x.arrow',
      firstRow: 1,
      length: 4,
      columns: {
        customer_id: { kind: 'arrow', vector: table.getChild('customer_id')! },
        ts: { kind: 'arrow', vector: table.getChild('ts')! },
        amount: { kind: 'arrow', vector: table.getChild('amount')! },
      },
      malformed: [],
      bytesRead: -1,
    };
    const rejects = new RejectLog();
    const batch = parseBatch(raw, rejects);
    expect(batch.ids).toEqual([1, '1152921504606846976']);
    expect([...batch.ts]).toEqual([ms, ms]);
    expect(rejects.kept.map((r) => r.reason)).toEqual(['missing_amount', 'missing_customer_id']);
    const days = A.vectorFromArray([new Date(Date.UTC(2026, 0, 2))], new A.DateDay());
    const seconds = A.vectorFromArray([Math.floor(ms / 1000) * 1000], new A.TimestampSecond());
    const one = (vector: unknown) =>
      parseBatch({ ...raw, length: 1, columns: { customer_id: { kind: 'json', values: [1] }, ts: { kind: 'arrow', vector: vector as never }, amount: { kind: 'json', values: [1] } } }, new RejectLog()).ts[0];
    expect(one(days)).toBe(Date.UTC(2026, 0, 2));
    expect(one(seconds)).toBe(Math.floor(ms / 1000) * 1000);
  });
});
