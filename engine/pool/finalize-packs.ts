/**
 * Phase 2 without a hash map: merges one partition's packs and computes finalize()'s fields in
 * one pass over day entries grouped by customer (a counting sort), instead of re-inserting every
 * (customer, day) of every share into a DayMap — which cost as much as aggregating the rows.
 *
 *   entries (pack order):  c7 d3 | c2 d5 | c7 d9 | c7 d3 (second pack) …
 *   grouped by customer:   c2: d5 │ c7: d3 d9 d3 ──dedupe (only customers from 2+ packs)──► d3 d9
 *
 * The formulas are finalize.ts's (engine/aggregate); test/engine/pool holds them equal on every
 * format and worker count.
 */
import { isPurchaseDay } from '../aggregate/day-map.js';
import { windowList as windowListOf } from '../aggregate/finalize.js';
import type { CustomerTable } from '../aggregate/customer-table.js';
import { deriveFields } from '../aggregate/derive-fields.js';
import { MS_PER_DAY, dayOf } from '../parse/parse-timestamp.js';
import { IdIndex } from '../aggregate/id-index.js';
import { OrderSet, RETURN_SIDE } from '../aggregate/order-set.js';
import { type PartitionPack, packKey, packOrder } from './state-pack.js';

/** Merges a partition's packs (in share order) and finalizes its customers for `asOfMs`. */
export function finalizePacks(
  packs: readonly PartitionPack[],
  asOfMs: number,
  hasMargin: boolean,
  windowDays: readonly number[],
): { table: CustomerTable; order: Float64Array } {
  const ids = new IdIndex();
  let bound = 0;
  let entries = 0;
  for (const pk of packs) {
    bound += pk.size;
    entries += pk.day.length;
  }
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
  const remaps = packs.map((pk) => {
    const remap = new Int32Array(pk.size);
    for (let i = 0; i < pk.size; i++) {
      const before = ids.size;
      const t = ids.intern(packKey(pk, i));
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
  const n = ids.size;
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
  const windowList = windowListOf(windowDays);
  const winArrays = windowList.map(() => new Float64Array(n));
  const winFrom = windowList.map((w) => asOfDay - w);
  const purchaseDays = new Float64Array(n);
  const repeatSum = new Float64Array(n);
  for (let t = 0; t < n; t++) {
    const from = dayCount[t]!;
    const to = dayCount[t + 1]!;
    // A customer met in 2+ shares may have the same day in several: fold duplicates first.
    if (packCount[t]! > 1) foldDuplicateDays(day, net, pos, from, to);
    const firstDay = Math.floor(firstTs[t]! / MS_PER_DAY);
    for (let e = from; e < to; e++) {
      const d = day[e]!;
      if (d === DUP) continue;
      const p = pos[e]!;
      if (isPurchaseDay(p)) {
        purchaseDays[t]!++;
        if (d !== firstDay) repeatSum[t]! += p;
      }
      for (let w = 0; w < winArrays.length; w++) if (d > winFrom[w]!) winArrays[w]![t]! += net[e]!;
    }
  }

  const windows = new Map<number, Float64Array>(windowList.map((w, k) => [w, winArrays[k]!]));
  const table = deriveFields(
    { customerId: ids.keys.map(String), orders, returns, revenue, returnedAmount: returned, margin: hasMargin ? margin : null, firstTs, lastTs, purchaseDays, repeatSum, windows },
    asOfMs,
  );
  return { table, order: order.subarray(0, n) };
}

/**
 * Adds each customer's distinct orders (state-pack.ts's order entries) to `orders` / `returns`.
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
