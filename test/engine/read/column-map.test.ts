import { describe, expect, it } from 'vitest';
import { ColumnMissingError } from '../../../engine/errors.js';
import { buildColumnMap, parseMapFlag, resolveColumns } from '../../../engine/read/column-map.js';

describe('column-map', () => {
  it('reads amount=Quantity*UnitPrice as the quantity and price columns, leaving amount out', () => {
    const map = buildColumnMap(parseMapFlag('customer_id=CustomerID,ts=InvoiceDate,order_id=InvoiceNo,amount=Quantity*UnitPrice'));
    expect(map).toMatchObject({ customer_id: 'CustomerID', ts: 'InvoiceDate', order_id: 'InvoiceNo', quantity: 'Quantity', price: 'UnitPrice' });
    expect(map.amount).toBeUndefined();
  });

  it('lets --map override the config per column, and an amount named after the line items win', () => {
    const config = { customer_id: 'Kunde', quantity: 'Menge', price: 'Preis' };
    expect(buildColumnMap(config).amount).toBeUndefined();
    const flags = buildColumnMap(config, parseMapFlag('customer_id=Client,amount=Total'));
    expect(flags).toMatchObject({ customer_id: 'Client', amount: 'Total', quantity: 'Menge', price: 'Preis' });
  });

  it('refuses a pair that is not NAME=COLUMN or names no contract column', () => {
    expect(() => parseMapFlag('customer=CustomerID')).toThrow(/not NAME=COLUMN/);
    expect(() => parseMapFlag('amount')).toThrow(/not NAME=COLUMN/);
  });

  it('takes quantity and price for a missing amount, and names every missing column at once', () => {
    const identity = buildColumnMap();
    const r = resolveColumns('x.csv', ['customer_id', 'ts', 'quantity', 'price'], identity);
    expect(r.names).toEqual(['customer_id', 'ts', 'quantity', 'price']);
    const err = (() => {
      try {
        resolveColumns('x.csv', ['Customer ID', 'Date', 'Quantity'], buildColumnMap(parseMapFlag('amount=Quantity*UnitPrice')));
      } catch (e) {
        return e as Error;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(ColumnMissingError);
    expect(err!.message).toContain('required columns "customer_id", "ts", "price" (mapped to "UnitPrice") not found');
    expect(err!.message).toContain('--map customer_id=Customer ID,ts=<column>,price=<column>');
  });
});
