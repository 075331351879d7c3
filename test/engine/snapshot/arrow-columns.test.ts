import { tableFromIPC, tableToIPC, Table } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { isValidTimestamp } from '../../../engine/parse/parse-timestamp.js';
import { NULL_CODE, columnVector, dictionaryVector, float64Vector, int32Vector, timestampVector, utf8Vector } from '../../../engine/snapshot/arrow-columns.js';
import { encodeCustomerChunks, encodeCustomers, rfmCells } from '../../../engine/snapshot/customers-file.js';
import { writeDurably } from '../../../engine/durable-files.js';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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

  it('write text as its UTF-8: ASCII in one piece, and anything else (accents, emoji, lone surrogates) value by value, with nulls', () => {
    const ascii = ['C1', '', 'C22', '0042', 'a b\tc'];
    expect([...roundTrip({ t: utf8Vector(ascii) }).getChild('t')!]).toEqual(ascii);
    const mixed = ['Zoë', '', '🙂x', 'plain', 'é'];
    expect([...roundTrip({ t: utf8Vector(mixed) }).getChild('t')!]).toEqual(mixed);
    // A lone surrogate has no UTF-8: it is written as U+FFFD, as Buffer writes it.
    expect([...roundTrip({ t: utf8Vector(['a\ud800b', 'c']) }).getChild('t')!]).toEqual(['a\ufffdb', 'c']);
    const withNulls = roundTrip({ t: utf8Vector(['x', null, 'yz', null]) }).getChild('t')!;
    expect([...withNulls]).toEqual(['x', null, 'yz', null]);
    expect(withNulls.nullCount).toBe(2);
    expect(roundTrip({ t: utf8Vector(['x', null, 'ü']) }).getChild('t')!.toArray()).toEqual(['x', null, 'ü']);
  });

  it('write RFM cells as the three scores\' digits, without a string per customer', () => {
    const r = Uint8Array.from([5, 0, 1, 10, 255, 9]);
    const f = Uint8Array.from([4, 0, 10, 1, 100, 9]);
    const m = Uint8Array.from([5, 0, 3, 10, 7, 99]);
    const cells = roundTrip({ c: columnVector('text', rfmCells(r, f, m)) }).getChild('c')!;
    expect([...cells]).toEqual(Array.from(r, (_, i) => `${r[i]}${f[i]}${m[i]}`));
    expect(cells.nullCount).toBe(0);
  });

  it('write the customers file in chunks that are, one after the other, the bytes of the whole file', async () => {
    const n = 5_000;
    const table = new Table({
      id: utf8Vector(Array.from({ length: n }, (_, i) => `C${i}`)),
      x: float64Vector(Float64Array.from({ length: n }, (_, i) => (i % 7 === 0 ? Number.NaN : i / 3))),
      ts: timestampVector(Float64Array.from({ length: n }, (_, i) => 1_700_000_000_000 + i * 86_400_000)),
    });
    const whole = encodeCustomers(table);
    const chunks = await encodeCustomerChunks(table);
    expect(chunks.length).toBeGreaterThan(3);
    expect(Buffer.concat(chunks).equals(Buffer.from(whole))).toBe(true);
    const dir = mkdtempSync(join(tmpdir(), 'segstream-chunks-'));
    try {
      await writeDurably(join(dir, 'customers.arrow'), chunks);
      expect(readFileSync(join(dir, 'customers.arrow')).equals(Buffer.from(whole))).toBe(true);
      expect(tableFromIPC(readFileSync(join(dir, 'customers.arrow'))).getChild('id')!.get(4_999)).toBe('C4999');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
