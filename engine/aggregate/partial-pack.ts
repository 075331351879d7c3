/**
 * A worker's partial aggregate cut into P partitions of plain typed arrays, so each part can be
 * transferred (not copied, not JSON) to the merger of its partition (combine-partials.ts), which
 * merges them exactly.
 *
 *   share w (rows of one piece of input)         mergers
 *   ┌──────────────┐  partitionOf(key) = 0  ──►  merger 0: packs of shares 0, 1, 2 … in order
 *   │ Aggregator w │  partitionOf(key) = 1  ──►  merger 1: …
 *   └──────────────┘  …
 *
 * Invariant: a customer's key hashes to the same partition in every share, so exactly one merger
 * sees all of its partial states and the partition's customers are disjoint from every other's.
 * Inside a pack customers keep their first-seen order; `order` records (share, first-seen index)
 * so the merged base can be put back in the single-threaded order of first appearance.
 * A share's distinct (customer, order, side) entries (order-set.ts) travel with their order ids
 * spelt out (numbers, or text as UTF-16 units), since text numbers are local to a share.
 */
import type { Aggregator } from './aggregator.js';
import { NO_DAY } from './aggregate-state.js';
import { RETURN_SIDE } from './order-set.js';
import type { CustomerKey } from '../parse/parse-values.js';
import { partitionOf } from './partition-key.js';
import type { SinkPack } from '../kernels/native-sink.js';

/** Customers of one share that fall in one partition, column by column. */
export interface PartitionPack {
  readonly size: number;
  /** Numeric keys; NaN where the key is text. */
  readonly numKey: Float64Array;
  /** Text keys as UTF-16 code units, back to back; `keyEnd[c]` is where customer c's text ends. */
  readonly keyText: Uint16Array;
  readonly keyEnd: Uint32Array;
  /** `share * 2^31 + first-seen index in the share`: sorts customers by first appearance. */
  readonly order: Float64Array;
  readonly orders: Uint32Array;
  readonly returns: Uint32Array;
  readonly revenue: Float64Array;
  readonly returnedAmount: Float64Array;
  readonly margin: Float64Array;
  readonly firstTs: Float64Array;
  readonly lastTs: Float64Array;
  /** (customer in pack, day, net, pos) of every (customer, day) the share saw. */
  readonly dayCust: Int32Array;
  readonly day: Int32Array;
  readonly dayNet: Float64Array;
  readonly dayPos: Float64Array;
  /** (customer in pack, order id, side) of every distinct order the share saw: `orderKey` NaN where the id is text. */
  readonly orderCust: Int32Array;
  readonly orderKey: Float64Array;
  /** RETURN_SIDE (order-set.ts) on the return side, else 0. */
  readonly orderSide: Uint8Array;
  /** Text order ids as UTF-16 code units, back to back; `orderTextEnd[j]` is where entry j's text ends. */
  readonly orderText: Uint16Array;
  readonly orderTextEnd: Uint32Array;
}

/** First-seen order key of customer `index` of share `share`. */
export function orderKey(share: number, index: number): number {
  return share * 2_147_483_648 + index;
}

/**
 * Splits an aggregator's state into `partitions` packs (the aggregator is left unchanged, except
 * a native sink's, which is spent: its state leaves the addon).
 */
export function packPartitions(agg: Aggregator, share: number, partitions: number): PartitionPack[] {
  if (agg.sink !== null) return packSink(agg.sink.pack(), share, partitions);
  const keys = agg.keys();
  const n = keys.length;
  const s = agg.state;
  const part = new Uint32Array(n);
  const local = new Uint32Array(n);
  const counts = new Uint32Array(partitions);
  const textUnits = new Uint32Array(partitions);
  for (let c = 0; c < n; c++) {
    const key = keys[c]!;
    const p = partitionOf(key, partitions);
    part[c] = p;
    local[c] = counts[p]!++;
    if (typeof key === 'string') textUnits[p]! += key.length;
  }
  const dayCounts = new Uint32Array(partitions);
  for (let c = 0; c < n; c++) if (s.spilled[c] === 0 && s.day0[c] !== NO_DAY) dayCounts[part[c]!]!++;
  const days = s.days;
  for (let slot = 0; slot < days.capacity; slot++) {
    const c = days.cust[slot]!;
    if (c !== -1) dayCounts[part[c]!]!++;
  }
  const set = s.orderSet;
  const orderCounts = new Uint32Array(partitions);
  const orderUnits = new Uint32Array(partitions);
  for (let slot = 0; slot < set.capacity; slot++) {
    const c = set.cust[slot]!;
    if (c === -1) continue;
    orderCounts[part[c]!]!++;
    const order = set.orderAt(slot);
    if (typeof order === 'string') orderUnits[part[c]!]! += order.length;
  }
  const packs = Array.from({ length: partitions }, (_, p) => allocPack(counts[p]!, textUnits[p]!, dayCounts[p]!, orderCounts[p]!, orderUnits[p]!));
  const textAt = new Uint32Array(partitions);
  for (let c = 0; c < n; c++) {
    const pk = packs[part[c]!]!;
    const i = local[c]!;
    const key = keys[c]!;
    if (typeof key === 'number') pk.numKey[i] = key;
    else {
      pk.numKey[i] = Number.NaN;
      let at = textAt[part[c]!]!;
      for (let k = 0; k < key.length; k++) pk.keyText[at++] = key.charCodeAt(k);
      textAt[part[c]!] = at;
    }
    pk.keyEnd[i] = textAt[part[c]!]!;
    pk.order[i] = orderKey(share, c);
    pk.orders[i] = s.orders[c]!;
    pk.returns[i] = s.returns[c]!;
    pk.revenue[i] = s.revenue[c]!;
    pk.returnedAmount[i] = s.returnedAmount[c]!;
    pk.margin[i] = s.margin[c]!;
    pk.firstTs[i] = s.firstTs[c]!;
    pk.lastTs[i] = s.lastTs[c]!;
  }
  const dayAt = new Uint32Array(partitions);
  const putDay = (c: number, d: number, net: number, pos: number): void => {
    const p = part[c]!;
    const pk = packs[p]!;
    const j = dayAt[p]!++;
    pk.dayCust[j] = local[c]!;
    pk.day[j] = d;
    pk.dayNet[j] = net;
    pk.dayPos[j] = pos;
  };
  for (let c = 0; c < n; c++) if (s.spilled[c] === 0 && s.day0[c] !== NO_DAY) putDay(c, s.day0[c]!, s.day0Net[c]!, s.day0Pos[c]!);
  for (let slot = 0; slot < days.capacity; slot++) {
    const c = days.cust[slot]!;
    if (c !== -1) putDay(c, days.day[slot]!, days.net[slot]!, days.pos[slot]!);
  }
  const orderAt = new Uint32Array(partitions);
  const orderTextAt = new Uint32Array(partitions);
  for (let slot = 0; slot < set.capacity; slot++) {
    const c = set.cust[slot]!;
    if (c === -1) continue;
    const p = part[c]!;
    const pk = packs[p]!;
    const j = orderAt[p]!++;
    const order = set.orderAt(slot);
    pk.orderCust[j] = local[c]!;
    pk.orderSide[j] = set.tag[slot]! & RETURN_SIDE;
    if (typeof order === 'number') pk.orderKey[j] = order;
    else {
      pk.orderKey[j] = Number.NaN;
      let at = orderTextAt[p]!;
      for (let k = 0; k < order.length; k++) pk.orderText[at++] = order.charCodeAt(k);
      orderTextAt[p] = at;
    }
    pk.orderTextEnd[j] = orderTextAt[p]!;
  }
  return packs;
}

const decoder = new TextDecoder();

/** packPartitions of a native sink's state (kernels/native-sink.ts). */
function packSink(src: SinkPack, share: number, partitions: number): PartitionPack[] {
  const { keys } = src;
  const n = keys.length;
  const part = new Uint32Array(n);
  const local = new Uint32Array(n);
  const counts = new Uint32Array(partitions);
  const textUnits = new Uint32Array(partitions);
  for (let c = 0; c < n; c++) {
    const key = keys[c]!;
    const p = partitionOf(key, partitions);
    part[c] = p;
    local[c] = counts[p]!++;
    if (typeof key === 'string') textUnits[p]! += key.length;
  }
  const dayCounts = new Uint32Array(partitions);
  for (const c of src.dayCust) dayCounts[part[c]!]!++;
  const orderTexts = Array.from(src.orderNum, (num, j) => (Number.isNaN(num) ? decoder.decode(src.orderText.subarray(j === 0 ? 0 : src.orderTextEnd[j - 1]!, src.orderTextEnd[j]!)) : ''));
  const orderCounts = new Uint32Array(partitions);
  const orderUnits = new Uint32Array(partitions);
  src.orderCust.forEach((c, j) => {
    orderCounts[part[c]!]!++;
    orderUnits[part[c]!]! += orderTexts[j]!.length;
  });
  const packs = Array.from({ length: partitions }, (_, p) => allocPack(counts[p]!, textUnits[p]!, dayCounts[p]!, orderCounts[p]!, orderUnits[p]!));
  const textAt = new Uint32Array(partitions);
  for (let c = 0; c < n; c++) {
    const p = part[c]!;
    const pk = packs[p]!;
    const i = local[c]!;
    const key = keys[c]!;
    if (typeof key === 'number') pk.numKey[i] = key;
    else {
      pk.numKey[i] = Number.NaN;
      let at = textAt[p]!;
      for (let k = 0; k < key.length; k++) pk.keyText[at++] = key.charCodeAt(k);
      textAt[p] = at;
    }
    pk.keyEnd[i] = textAt[p]!;
    pk.order[i] = orderKey(share, c);
    pk.orders[i] = src.orders[c]!;
    pk.returns[i] = src.returns[c]!;
    pk.revenue[i] = src.revenue[c]!;
    pk.returnedAmount[i] = src.returnedAmount[c]!;
    pk.margin[i] = src.margin[c]!;
    pk.firstTs[i] = src.firstTs[c]!;
    pk.lastTs[i] = src.lastTs[c]!;
  }
  const dayAt = new Uint32Array(partitions);
  src.dayCust.forEach((c, e) => {
    const p = part[c]!;
    const pk = packs[p]!;
    const j = dayAt[p]!++;
    pk.dayCust[j] = local[c]!;
    pk.day[j] = src.day[e]!;
    pk.dayNet[j] = src.dayNet[e]!;
    pk.dayPos[j] = src.dayPos[e]!;
  });
  const orderAt = new Uint32Array(partitions);
  const orderTextAt = new Uint32Array(partitions);
  src.orderCust.forEach((c, e) => {
    const p = part[c]!;
    const pk = packs[p]!;
    const j = orderAt[p]!++;
    pk.orderCust[j] = local[c]!;
    pk.orderSide[j] = src.orderSide[e]! === 1 ? RETURN_SIDE : 0;
    pk.orderKey[j] = src.orderNum[e]!;
    const text = orderTexts[e]!;
    let at = orderTextAt[p]!;
    for (let k = 0; k < text.length; k++) pk.orderText[at++] = text.charCodeAt(k);
    orderTextAt[p] = at;
    pk.orderTextEnd[j] = at;
  });
  return packs;
}

/** Order id of order entry `j` of a pack. */
export function packOrder(pack: PartitionPack, j: number): CustomerKey {
  const num = pack.orderKey[j]!;
  if (!Number.isNaN(num)) return num;
  const from = j === 0 ? 0 : pack.orderTextEnd[j - 1]!;
  return textOfUnits(pack.orderText, from, pack.orderTextEnd[j]!);
}

function allocPack(size: number, text: number, days: number, orders: number, orderUnits: number): PartitionPack {
  return {
    size,
    numKey: new Float64Array(size),
    keyText: new Uint16Array(text),
    keyEnd: new Uint32Array(size),
    order: new Float64Array(size),
    orders: new Uint32Array(size),
    returns: new Uint32Array(size),
    revenue: new Float64Array(size),
    returnedAmount: new Float64Array(size),
    margin: new Float64Array(size),
    firstTs: new Float64Array(size),
    lastTs: new Float64Array(size),
    dayCust: new Int32Array(days),
    day: new Int32Array(days),
    dayNet: new Float64Array(days),
    dayPos: new Float64Array(days),
    orderCust: new Int32Array(orders),
    orderKey: new Float64Array(orders),
    orderSide: new Uint8Array(orders),
    orderText: new Uint16Array(orderUnits),
    orderTextEnd: new Uint32Array(orders),
  };
}

/** The ArrayBuffers of a pack, for a `transferList`. */
export function packBuffers(pack: PartitionPack): ArrayBuffer[] {
  const views = [pack.numKey, pack.keyText, pack.keyEnd, pack.order, pack.orders, pack.returns, pack.revenue, pack.returnedAmount,
    pack.margin, pack.firstTs, pack.lastTs, pack.dayCust, pack.day, pack.dayNet, pack.dayPos,
    pack.orderCust, pack.orderKey, pack.orderSide, pack.orderText, pack.orderTextEnd];
  return views.map((v) => v.buffer as ArrayBuffer);
}

/** Key of customer `i` of a pack. */
export function packKey(pack: PartitionPack, i: number): CustomerKey {
  const num = pack.numKey[i]!;
  if (!Number.isNaN(num)) return num;
  const from = i === 0 ? 0 : pack.keyEnd[i - 1]!;
  return textOfUnits(pack.keyText, from, pack.keyEnd[i]!);
}

// Arguments of one fromCharCode call: a spread of the whole key would put one argument per code
// unit on the stack and overflow it for long keys (a 1 MB id did).
const UNITS_PER_CALL = 4096;

/** The string of UTF-16 code units `units[from..to)`, lone surrogates kept exactly (no decoder). */
export function textOfUnits(units: Uint16Array, from: number, to: number): string {
  if (to - from <= UNITS_PER_CALL) return String.fromCharCode.apply(null, units.subarray(from, to) as unknown as number[]);
  const parts: string[] = [];
  for (let at = from; at < to; at += UNITS_PER_CALL) {
    parts.push(String.fromCharCode.apply(null, units.subarray(at, Math.min(to, at + UNITS_PER_CALL)) as unknown as number[]));
  }
  return parts.join('');
}
