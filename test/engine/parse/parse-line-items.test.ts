import * as A from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { InputDialect } from '../../../engine/parse/input-dialect.js';
import { parseBatch } from '../../../engine/parse/parse-batch.js';
import { RejectLog } from '../../../engine/parse/reject-log.js';
import type { RawBatch, RawColumn } from '../../../engine/read/raw-batch.js';

type Cols = Partial<Record<'customer_id' | 'ts' | 'amount' | 'order_id' | 'quantity' | 'price', readonly (string | null)[]>>;

function textBatch(cols: Cols): RawBatch {
  const columns: Record<string, RawColumn> = {};
  let length = 0;
  for (const [name, values] of Object.entries(cols)) {
    columns[name] = { kind: 'text', values: values! };
    length = values!.length;
  }
  return { source: 'online_retail.csv', firstRow: 1, length, columns, malformed: [], bytesRead: -1 };
}

describe('parseBatch: line items', () => {
  it('makes amount = quantity * price, exact to 0.0001, when amount is not mapped (a UCI-style export)', () => {
    const rejects = new RejectLog();
    const tx = parseBatch(
      textBatch({
        order_id: ['536365', '536365', 'C536379', '536380', '536381', '536382', '536383', '536384'],
        customer_id: ['17850', '17850', '14527', '', '15311', '13085.0', 'NA', '15311'],
        ts: ['12/1/2010 8:26', '12/1/2010 8:26', '12/1/2010 9:41', '12/1/2010 9:41', '12/13/2010 9:41', '12/13/2010 9:41', '12/13/2010 9:41', '12/13/2010 9:45'],
        quantity: ['6', '8', '-1', '2', 'x', '24', '1', '3'],
        price: ['2.55', '2.75', '27.50', '1.00', '1.00', '0.42', '1.00', ''],
      }),
      rejects,
      new InputDialect(),
    );
    // 6 x 2.55 = 15.30; 8 x 2.75 = 22.00; -1 x 27.50 = -27.50; 24 x 0.42 = 10.08.
    expect(tx.ids).toEqual([17850, 17850, 14527, 13085]);
    expect([...tx.amount]).toEqual([15.3, 22, -27.5, 10.08]);
    expect(tx.orderIds).toEqual([536365, 536365, 'C536379', 536382]);
    expect([...tx.ts]).toEqual([Date.UTC(2010, 11, 1, 8, 26), Date.UTC(2010, 11, 1, 8, 26), Date.UTC(2010, 11, 1, 9, 41), Date.UTC(2010, 11, 13, 9, 41)]);
    expect(rejects.kept.map((r) => [r.row, r.reason])).toEqual([
      [4, 'missing_customer_id'],
      [5, 'bad_quantity'],
      [7, 'missing_customer_id'],
      [8, 'missing_price'],
    ]);
  });

  it('reads quantity and price with the decimal comma and currency signs of an Excel-EU export', () => {
    const tx = parseBatch(
      textBatch({ customer_id: ['1', '1'], ts: ['2021-03-01', '2021-03-02'], quantity: ['2', '1,5'], price: ['€ 1.234,50', '3,33 €'] }),
      new RejectLog(),
      new InputDialect({ tsFormat: 'auto', decimal: ',' }),
    );
    // 2 x 1234.50 = 2469.00; 1.5 x 3.33 = 4.995.
    expect([...tx.amount]).toEqual([2469, 4.995]);
  });

  it('uses the amount column when it is mapped, whatever quantity and price say', () => {
    const tx = parseBatch(textBatch({ customer_id: ['1'], ts: ['2021-03-01'], amount: ['9.99'], quantity: ['2'], price: ['1'] }), new RejectLog());
    expect([...tx.amount]).toEqual([9.99]);
  });

  it('is bad_amount, not a rounded number, where quantity * price is beyond exact money', () => {
    const rejects = new RejectLog();
    parseBatch(textBatch({ customer_id: ['1'], ts: ['2021-03-01'], quantity: ['1000000'], price: ['1000000'] }), rejects);
    expect(rejects.counts).toEqual({ bad_amount: 1 });
    expect(rejects.kept[0]!.value).toBe('1000000 * 1000000');
  });

  it('makes a line without an order id an order of its own, and rejects an order id that is no id', () => {
    const rejects = new RejectLog();
    const tx = parseBatch(
      textBatch({ customer_id: ['1', '1', '1', '1'], ts: ['2021-03-01', '2021-03-01', '2021-03-01', '2021-03-01'], amount: ['1', '1', '1', '1'], order_id: ['', 'N/A', '7.0', 'x'.repeat(2000)] }),
      rejects,
    );
    expect(tx.orderIds).toHaveLength(3);
    expect(tx.orderIds![2]).toBe(7);
    expect(new Set(tx.orderIds).size).toBe(3); // the two missing ones differ from each other and from 7
    expect(rejects.counts).toEqual({ bad_order_id: 1 });
  });

  it('has no orderIds where no order_id column is mapped', () => {
    const tx = parseBatch(textBatch({ customer_id: ['1'], ts: ['2021-03-01'], amount: ['1'] }), new RejectLog());
    expect(tx.orderIds).toBeUndefined();
  });
});

describe('parseBatch: missing and integral ids (a pandas export)', () => {
  it('makes blank ids and NA, N/A, NULL, None, nan (any case) missing_customer_id, and 13085.0 the customer 13085', () => {
    const ids = ['13085', '13085.0', '13085.00', ' ', 'NA', 'n/a', 'NULL', 'None', 'nan', 'NaN', ' na ', 'Nancy', '042.0', 'C13085'];
    const rejects = new RejectLog();
    const tx = parseBatch(textBatch({ customer_id: ids, ts: ids.map(() => '2021-03-01'), amount: ids.map(() => '1') }), rejects);
    expect(tx.ids).toEqual([13085, 13085, 13085, 'Nancy', '042.0', 'C13085']);
    expect(rejects.counts).toEqual({ missing_customer_id: 8 });
  });

  it('reads a float id column (pandas writes ids with gaps as float64) with NaN as missing', () => {
    const raw: RawBatch = {
      source: 'pandas.parquet',
      firstRow: 1,
      length: 3,
      columns: {
        customer_id: { kind: 'arrow', vector: A.vectorFromArray([13085, Number.NaN, 12.5], new A.Float64()) },
        ts: { kind: 'json', values: ['2021-03-01', '2021-03-01', '2021-03-01'] },
        amount: { kind: 'json', values: [1, 1, 1] },
      },
      malformed: [],
      bytesRead: -1,
    };
    const rejects = new RejectLog();
    const tx = parseBatch(raw, rejects);
    expect(tx.ids).toEqual([13085]);
    expect(rejects.counts).toEqual({ missing_customer_id: 1, bad_customer_id: 1 });
  });
});
