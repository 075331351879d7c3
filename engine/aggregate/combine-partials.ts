/**
 * Combine and finalize (the second and third of the aggregation's sink / combine / finalize, after
 * DuckDB's hash aggregate): the partial states of one partition, cut into packs (partial-pack.ts)
 * by every sink that saw its customers, merged exactly and turned into DESIGN's fields in one
 * pass over day entries grouped by customer (a counting sort) — never re-inserting every
 * (customer, day) into a DayMap, which cost as much as aggregating the rows.
 *
 *   entries (pack order):  c7 d3 | c2 d5 | c7 d9 | c7 d3 (second pack) …
 *   grouped by customer:   c2: d5 │ c7: d3 d9 d3 ──dedupe (only customers from 2+ packs)──► d3 d9
 *
 * Every path runs this: the pool once per partition, one thread (finalize.ts) on its one pack.
 * Sums are exact units and days a set, so the result does not depend on how rows were split.
 */
import type { CustomerTable } from './customer-table.js';
import { isPurchaseDay } from './day-map.js';
import { LAST_YEAR_DAYS, deriveFields } from './derive-fields.js';
import { OrderSet, RETURN_SIDE } from './order-set.js';
import { PackKeyIndex } from './pack-key-index.js';
import { type PartitionPack, packKey, packOrder } from './partial-pack.js';
import { MS_PER_DAY, dayOf } from '../parse/parse-timestamp.js';

/** The revenue windows computed: 90 and 365 days always, plus those asked for. */
export function windowList(windowDays: readonly number[]): number[] {
  return [...new Set([90, 365, ...windowDays])];
}

/**
 * Merges a partition's packs (in share order) and finalizes its customers for `asOfMs`; `order`
 * is each customer's first appearance (partial-pack.ts `orderKey`). One pack needs no merging:
 * its customers are distinct, and keep their numbers.
 */
export function combinePartials(
  packs: readonly PartitionPack[],
  asOfMs: number,
  hasMargin: boolean,
  windowDays: readonly number[],
): { table: CustomerTable; order: Float64Array } {
  let bound = 0;
  let entries = 0;
  for (const pk of packs) {
    bound += pk.size;
    entries += pk.day.length;
  }
  // One pack's customers are distinct already: it keeps their numbers and needs no index.
  const ids = packs.length === 1 ? null : new PackKeyIndex(packs, bound);
  const order = new Float64Array(bound);
  const orders = new Float64Array(bound);
  const returns = new Float64Array(bound);
  const revenue = new Float64Array(bound);
  const returned = new Float64Array(bound);
  const margin = new Float64Array(bound);
  const firstTs = new Float64Array(bound).fill(Number.POSITIVE_INFINITY);
  const lastTs = new Float64Array(bound).fill(Number.NEGATIVE_INFINITY);
  const packCount = new Uint32Array(bound);
  const dayCount = new Uint32Array(bound + 1);
  const remaps = packs.map((pk, k) => {
    const remap = new Int32Array(pk.size);
    for (let i = 0; i < pk.size; i++) {
      const before = ids === null ? i : ids.size;
      const t = ids === null ? i : ids.intern(k, i);
      remap[i] = t;
      if (t === before) order[t] = pk.order[i]!;
      packCount[t]!++;
      orders[t]! += pk.orders[i]!;
      returns[t]! += pk.returns[i]!;
      revenue[t]! += pk.revenue[i]!;
      returned[t]! += pk.returnedAmount[i]!;
      margin[t]! += pk.margin[i]!;
      if (pk.firstTs[i]! < firstTs[t]!) firstTs[t] = pk.firstTs[i]!;
      if (pk.lastTs[i]! > lastTs[t]!) lastTs[t] = pk.lastTs[i]!;
    }
    for (let j = 0; j < pk.dayCust.length; j++) dayCount[remap[pk.dayCust[j]!]! + 1]!++;
    return remap;
  });
  const n = ids === null ? bound : ids.size;
  countOrders(packs, remaps, packCount, orders, returns);
  // Counting sort of day entries by customer, keeping pack order within a customer.
  for (let t = 0; t < n; t++) dayCount[t + 1]! += dayCount[t]!;
  const at = dayCount.slice(0, n);
  const day = new Int32Array(entries);
  const net = new Float64Array(entries);
  const pos = new Float64Array(entries);
  packs.forEach((pk, k) => {
    const remap = remaps[k]!;
    for (let j = 0; j < pk.dayCust.length; j++) {
      const e = at[remap[pk.dayCust[j]!]!]!++;
      day[e] = pk.day[j]!;
      net[e] = pk.dayNet[j]!;
      pos[e] = pk.dayPos[j]!;
    }
  });

  const asOfDay = dayOf(asOfMs);
  const winDays = windowList(windowDays);
  const winArrays = winDays.map(() => new Float64Array(n));
  const winFrom = winDays.map((w) => asOfDay - w);
  const purchaseDays = new Float64Array(n);
  const repeatSum = new Float64Array(n);
  const lastYear = new Float64Array(n);
  for (let t = 0; t < n; t++) {
    const from = dayCount[t]!;
    const to = dayCount[t + 1]!;
    // A customer met in 2+ shares may have the same day in several: fold duplicates first.
    if (packCount[t]! > 1) foldDuplicateDays(day, net, pos, from, to);
    const firstDay = Math.floor(firstTs[t]! / MS_PER_DAY);
    const lastYearFrom = Math.floor(lastTs[t]! / MS_PER_DAY) - LAST_YEAR_DAYS;
    for (let e = from; e < to; e++) {
      const d = day[e]!;
      if (d === DUP) continue;
      const p = pos[e]!;
      if (isPurchaseDay(p)) {
        purchaseDays[t]!++;
        if (d !== firstDay) repeatSum[t]! += p;
      }
      for (let w = 0; w < winArrays.length; w++) if (d > winFrom[w]!) winArrays[w]![t]! += net[e]!;
      if (d > lastYearFrom) lastYear[t]! += net[e]!;
    }
  }

  const customerId = ids === null ? Array.from({ length: n }, (_, i) => String(packKey(packs[0]!, i))) : ids.customerIds();
  const table = deriveFields(
    { customerId, orders, returns, revenue, returnedAmount: returned, margin: hasMargin ? margin : null, firstTs, lastTs, purchaseDays, repeatSum, windows: new Map(winDays.map((w, k) => [w, winArrays[k]!])), lastYear },
    asOfMs,
  );
  return { table, order: order.subarray(0, n) };
}

/**
 * Adds each customer's distinct orders (partial-pack.ts's order entries) to `orders` / `returns`.
 * Entries are distinct within a pack, so a customer met in one pack counts them as they come;
 * only the customers of 2+ packs go through a set, which drops an order two shares both saw.
 */
function countOrders(packs: readonly PartitionPack[], remaps: readonly Int32Array[], packCount: Uint32Array, orders: Float64Array, returns: Float64Array): void {
  let shared: OrderSet | undefined;
  packs.forEach((pk, k) => {
    const remap = remaps[k]!;
    for (let j = 0; j < pk.orderCust.length; j++) {
      const t = remap[pk.orderCust[j]!]!;
      const ret = pk.orderSide[j]! === RETURN_SIDE;
      if (packCount[t]! > 1) {
        shared ??= new OrderSet();
        if (!shared.add(t, packOrder(pk, j), ret)) continue;
      }
      if (ret) returns[t]!++;
      else orders[t]!++;
    }
  });
}

/** Marks a day entry folded into an earlier one. */
const DUP = -0x80000000;

/** Adds later entries of the same day into the first one and marks them DUP. */
function foldDuplicateDays(day: Int32Array, net: Float64Array, pos: Float64Array, from: number, to: number): void {
  if (to - from > 32) {
    const first = new Map<number, number>();
    for (let e = from; e < to; e++) {
      const g = first.get(day[e]!);
      if (g === undefined) first.set(day[e]!, e);
      else {
        net[g]! += net[e]!;
        pos[g]! += pos[e]!;
        day[e] = DUP;
      }
    }
    return;
  }
  for (let e = from + 1; e < to; e++) {
    const d = day[e]!;
    for (let g = from; g < e; g++) {
      if (day[g] === d) {
        net[g]! += net[e]!;
        pos[g]! += pos[e]!;
        day[e] = DUP;
        break;
      }
    }
  }
}
