/**
 * The aggregation kernel of the TypeScript state (aggregate-state.ts). The native kernel set has no
 * twin of it: its Aggregator logs rows in a sink (native/src/partial) and sums at finalize.
 * Rows whose customer number is negative are skipped (filtered out before, e.g. future rows).
 */
import { MS_PER_DAY } from '../parse/parse-timestamp.js';
import type { AggregateState } from './aggregate-state.js';
import { toUnits } from './money.js';

/** The aggregation kernel's signature. */
export type AggregateRowsFn = typeof aggregateRows;

/** Folds `n` rows into `state`; `cust[i]` is the dense customer number of row i, or -1 to skip. */
export function aggregateRows(
  state: AggregateState,
  cust: Int32Array,
  ts: Float64Array,
  amount: Float64Array,
  margin: Float64Array | null,
  n: number,
): void {
  const { orders, returns, revenue, returnedAmount, firstTs, lastTs } = state;
  const marginSum = state.margin;
  let maxTs = state.maxTs;
  let rows = 0;
  for (let i = 0; i < n; i++) {
    const c = cust[i]!;
    if (c < 0) continue;
    const t = ts[i]!;
    const a = amount[i]!;
    rows++;
    if (t > maxTs) maxTs = t;
    // Sums are kept in exact units of 0.0001 (money.ts); `q` is the amount in units.
    const q = toUnits(a);
    revenue[c]! += q;
    if (margin !== null) {
      const m = margin[i]!;
      if (!Number.isNaN(m)) marginSum[c]! += toUnits(m); // NaN = margin not known for this row
    }
    // A row with amount >= 0 is an order (a zero amount is a free order); a negative one a return.
    // A return adds -0 to its day's purchase sum: see isPurchaseDay() in day-map.ts.
    if (a >= 0) {
      orders[c]!++;
      if (t < firstTs[c]!) firstTs[c] = t;
      if (t > lastTs[c]!) lastTs[c] = t;
      // `q + 0` turns -0 into +0, which still marks a purchase day.
      state.addDay(c, Math.floor(t / MS_PER_DAY), q, q + 0);
    } else if (a < 0) {
      returns[c]!++;
      returnedAmount[c]! -= q;
      state.addDay(c, Math.floor(t / MS_PER_DAY), q, -0);
    }
  }
  state.maxTs = maxTs;
  state.rows += rows;
}
