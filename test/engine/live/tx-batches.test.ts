import { describe, expect, it } from 'vitest';
import { jsonRowsBatch } from '../../../engine/live/tx-batches.js';
import { parseBatch } from '../../../engine/parse/parse-batch.js';
import { RejectLog } from '../../../engine/parse/reject-log.js';

describe('jsonRowsBatch', () => {
  it('reads live line items as quantity * price, exact to 0.0001, when no row has an amount', () => {
    const rejects = new RejectLog(10);
    const batch = parseBatch(
      jsonRowsBatch(
        [
          { customer_id: '17850.0', ts: '2026-07-01T10:00:00Z', quantity: 6, price: 2.55 },
          { customer_id: 17850, ts: '2026-07-01T10:00:00Z', quantity: -2, price: '0.1' },
          { customer_id: 42, ts: '2026-07-01T10:00:00Z', quantity: 3 },
        ],
        'request',
      ),
      rejects,
    );
    expect(batch.ids).toEqual([17850, 17850]);
    // 6 x 2.55 = 15.30 and -2 x 0.1 = -0.20 by hand; a float product would give 15.299999999999999.
    expect([...batch.amount]).toEqual([15.3, -0.2]);
    expect(rejects.counts).toEqual({ missing_price: 1 });
  });

  it('keeps amount when any row carries one: a row without it is missing_amount, not a line item', () => {
    const rejects = new RejectLog(10);
    const batch = parseBatch(
      jsonRowsBatch(
        [
          { customer_id: 1, ts: '2026-07-01', amount: 10 },
          { customer_id: 2, ts: '2026-07-01', quantity: 1, price: 5 },
        ],
        'request',
      ),
      rejects,
    );
    expect(batch.ids).toEqual([1]);
    expect(rejects.counts).toEqual({ missing_amount: 1 });
  });
});
