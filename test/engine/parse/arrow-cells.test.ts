import { Decimal, DurationMillisecond, Float16, Float64, makeData, makeVector, Table, TimeMillisecond, type Vector, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { parseBatch } from '../../../engine/parse/parse-batch.js';
import { RejectLog } from '../../../engine/parse/reject-log.js';
import type { RawBatch } from '../../../engine/read/raw-batch.js';

function parse(table: Table): { batch: ReturnType<typeof parseBatch>; rejects: RejectLog } {
  const columns: RawBatch['columns'] = {};
  for (const name of ['customer_id', 'ts', 'amount'] as const) columns[name] = { kind: 'arrow', vector: table.getChild(name)! };
  const rejects = new RejectLog();
  const batch = parseBatch({ source: 't', firstRow: 1, length: table.numRows, columns, malformed: [], bytesRead: -1 }, rejects);
  return { batch, rejects };
}

const ids = vectorFromArray([1, 2]);
const ts = vectorFromArray([1.7e12, 1.7e12], new Float64());

describe('Arrow cells by type', () => {
  it('rejects a time-of-day or duration column as ts instead of reading it as an instant in 1970', () => {
    const columns: Vector[] = [
      makeVector(makeData({ type: new TimeMillisecond(), length: 2, data: Int32Array.of(5, 6) })),
      makeVector(makeData({ type: new DurationMillisecond(), length: 2, data: BigInt64Array.of(5n, 6n) })),
    ];
    for (const column of columns) {
      const { batch, rejects } = parse(new Table({ customer_id: ids, ts: column, amount: vectorFromArray([1, 2], new Float64()) }));
      expect(batch.length).toBe(0);
      expect(rejects.counts).toEqual({ bad_ts: 2 });
    }
  });

  it('reads half floats and decimals as their values, not their raw bits or words', () => {
    const half = makeData({ type: new Float16(), length: 2, data: Uint16Array.of(0x3c00, 0x4100) }); // 1.0, 2.5
    expect([...parse(new Table({ customer_id: ids, ts, amount: makeVector(half) })).batch.amount]).toEqual([1, 2.5]);
    const decimal = makeData({ type: new Decimal(2, 10, 128), length: 2, data: Uint32Array.of(12345, 0, 0, 0, 0xffff_ff9c, 0xffff_ffff, 0xffff_ffff, 0xffff_ffff) });
    expect([...parse(new Table({ customer_id: ids, ts, amount: makeVector(decimal) })).batch.amount]).toEqual([123.45, -1]);
  });

  it('counts a NaN float amount as bad_amount and a null one as missing_amount', () => {
    const amount = vectorFromArray([Number.NaN, null], new Float64());
    const { batch, rejects } = parse(new Table({ customer_id: ids, ts, amount }));
    expect(batch.length).toBe(0);
    expect(rejects.counts).toEqual({ bad_amount: 1, missing_amount: 1 });
  });
});
