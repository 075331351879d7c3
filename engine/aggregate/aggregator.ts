/**
 * Streams parsed batches into per-customer partial aggregates. Two aggregators fed disjoint
 * parts of the input merge into exactly the state of one fed all of it.
 */
import type { TxBatch } from '../parse/parse-batch.js';
import type { CustomerKey } from '../parse/parse-values.js';
import { type AggregateRowsFn, aggregateRows } from './aggregate-rows.js';
import { AggregateState, NO_DAY } from './aggregate-state.js';
import { IdIndex } from './id-index.js';
import { RETURN_SIDE } from './order-set.js';

/** Per-customer aggregation of a stream of valid rows, up to `asOfMs`. */
export class Aggregator {
  readonly ids = new IdIndex();
  readonly state = new AggregateState();
  /** Rows after `as_of`, excluded from every field (DESIGN: `future_rows`). */
  futureRows = 0;
  /** Whether any input carried a margin column. */
  hasMargin = false;
  private cust = new Int32Array(0);

  /**
   * @param asOfMs rows with `ts > asOfMs` are counted as future rows; +Infinity keeps all.
   * @param aggregate the aggregation kernel, e.g. `loadKernels().aggregateRows`; all give identical state.
   */
  constructor(
    readonly asOfMs = Number.POSITIVE_INFINITY,
    private readonly aggregate: AggregateRowsFn = aggregateRows,
  ) {}

  /** Folds one batch of valid rows in; returns each row's customer number (-1: a future row), valid until the next `add`. */
  add(batch: TxBatch): Int32Array {
    const n = batch.length;
    if (this.cust.length < n) this.cust = new Int32Array(n);
    const cust = this.cust;
    const { ids, ts } = batch;
    const asOf = this.asOfMs;
    for (let i = 0; i < n; i++) {
      if (ts[i]! > asOf) {
        this.futureRows++;
        cust[i] = -1;
      } else {
        cust[i] = this.ids.intern(ids[i]!);
      }
    }
    this.state.ensure(this.ids.size);
    if (batch.margin) this.hasMargin = true;
    this.aggregate(this.state, cust, ts, batch.amount, batch.margin, n);
    if (batch.orderIds) this.addOrders(cust, batch.amount, batch.orderIds, n);
    return cust;
  }

  /**
   * The rows of a batch with order ids count distinct orders: the kernel counted each row as an
   * order or a return, so the count is taken back and the row's order goes into the order set
   * instead (the kernels stay one per-row loop, the same in TypeScript and Rust).
   */
  private addOrders(cust: Int32Array, amount: Float64Array, orderIds: readonly CustomerKey[], n: number): void {
    const { orders, returns, orderSet } = this.state;
    for (let i = 0; i < n; i++) {
      const c = cust[i]!;
      if (c < 0) continue;
      const order = orderIds[i]!;
      // A line without an order id is an order of its own (parse-batch.ts keys it
      // `\u0000<source>#<row>`): the kernel's count stands, and it takes no room in the set.
      if (typeof order === 'string' && order.charCodeAt(0) === 0) continue;
      const a = amount[i]!;
      if (a >= 0) {
        orders[c]!--;
        orderSet.add(c, order, false);
      } else if (a < 0) {
        returns[c]!--;
        orderSet.add(c, order, true);
      }
    }
  }

  /** Folds another aggregator's state in (same `asOfMs`); `other` is left unchanged. */
  merge(other: Aggregator): void {
    const src = other.state;
    const dst = this.state;
    const remap = new Int32Array(other.ids.size);
    for (let c = 0; c < other.ids.size; c++) remap[c] = this.ids.intern(other.ids.keys[c]!);
    dst.ensure(this.ids.size);
    for (let c = 0; c < other.ids.size; c++) {
      const t = remap[c]!;
      dst.orders[t]! += src.orders[c]!;
      dst.returns[t]! += src.returns[c]!;
      dst.revenue[t]! += src.revenue[c]!;
      dst.returnedAmount[t]! += src.returnedAmount[c]!;
      dst.margin[t]! += src.margin[c]!;
      if (src.firstTs[c]! < dst.firstTs[t]!) dst.firstTs[t] = src.firstTs[c]!;
      if (src.lastTs[c]! > dst.lastTs[t]!) dst.lastTs[t] = src.lastTs[c]!;
      if (src.spilled[c] === 0 && src.day0[c] !== NO_DAY) dst.addDay(t, src.day0[c]!, src.day0Net[c]!, src.day0Pos[c]!);
    }
    const days = src.days;
    for (let s = 0; s < days.capacity; s++) {
      const c = days.cust[s]!;
      if (c !== -1) dst.addDay(remap[c]!, days.day[s]!, days.net[s]!, days.pos[s]!);
    }
    const set = src.orderSet;
    for (let s = 0; s < set.capacity; s++) {
      const c = set.cust[s]!;
      if (c !== -1) dst.orderSet.add(remap[c]!, set.orderAt(s), (set.tag[s]! & RETURN_SIDE) !== 0);
    }
    if (src.maxTs > dst.maxTs) dst.maxTs = src.maxTs;
    dst.rows += src.rows;
    this.futureRows += other.futureRows;
    this.hasMargin ||= other.hasMargin;
  }
}
