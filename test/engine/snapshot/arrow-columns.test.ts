import { tableFromIPC, tableToIPC, Table } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { isValidTimestamp } from '../../../engine/parse/parse-timestamp.js';
import { NULL_CODE, dictionaryVector, float64Vector, int32Vector, timestampVector } from '../../../engine/snapshot/arrow-columns.js';

/** Writes the columns as an IPC file and reads them back, as a snapshot does. */
function roundTrip(columns: Record<string, ReturnType<typeof float64Vector>>): Table {
  return tableFromIPC(tableToIPC(new Table(columns), 'file'));
}

describe('arrow columns', () => {
  it('write timestamps before, at and after 1970 and near both ends of the Date range, and NaN or out-of-range as null', () => {
    const ms = [0, -1, 1, 1_767_225_599_999, -62_135_596_800_000, 8.64e15, -8.64e15, 4_294_967_296, 4_294_967_295, -4_294_967_296, Number.NaN, 8.64e15 + 1];
    const back = roundTrip({ ts: timestampVector(Float64Array.from(ms)) }).getChild('ts')!;
    expect(ms.filter(isValidTimestamp).length).toBeGreaterThanOrEqual(8);
    ms.forEach((v, i) => {
      const want = isValidTimestamp(v) ? v : null;
      const got = back.get(i);
      expect(got === null ? null : Number(got)).toBe(want);
    });
  });

  it('write dictionary codes with nulls and numbers with NaN as null', () => {
    const codes = Uint16Array.from([0, 2, NULL_CODE, 1, 2]);
    const t = roundTrip({
      seg: dictionaryVector(codes, ['a', 'b', 'c']),
      x: float64Vector(Float64Array.from([1.5, Number.NaN, -2, 0, 3])),
      n: int32Vector(Float64Array.from([1, 2, Number.NaN, -4, 5])),
    });
    expect([...t.getChild('seg')!]).toEqual(['a', 'c', null, 'b', 'c']);
    expect([...t.getChild('x')!]).toEqual([1.5, null, -2, 0, 3]);
    expect([...t.getChild('n')!]).toEqual([1, 2, null, -4, 5]);
    expect(t.getChild('seg')!.nullCount).toBe(1);
  });
});
