/**
 * Finalized partitions travel back to the main thread as columns, and are put together in the
 * order of first appearance — the order the single-threaded path interns customers in — so the
 * whole base, its model fits and customers.arrow come out exactly as one thread would make them.
 *
 *   partition 0: order 0:3 0:9 1:2 …   ┐
 *   partition 1: order 0:0 0:5 2:7 …   ├─ P-way merge on order ──► base row 0 = (0:0), 1 = (0:3) …
 *   partition 2: …                     ┘
 */
import { AGGREGATE_FIELDS, type AggregateField, type CustomerTable } from '../aggregate/customer-table.js';

/** One finalized partition, ready for a transferList. */
export interface TablePart {
  readonly size: number;
  readonly customerId: string[];
  readonly order: Float64Array;
  readonly fields: Record<AggregateField, Float64Array>;
  readonly windows: Array<[number, Float64Array]>;
  readonly meanRepeatValue: Float64Array;
  readonly lastYearRevenue: Float64Array;
}

/** A finalized partition as a TablePart. */
export function toTablePart(table: CustomerTable, order: Float64Array): TablePart {
  return {
    size: table.size,
    customerId: table.customerId,
    order,
    fields: table.fields,
    windows: [...table.windows],
    meanRepeatValue: table.meanRepeatValue,
    lastYearRevenue: table.lastYearRevenue,
  };
}

/** The ArrayBuffers of a TablePart, for a `transferList` (the 90/365 windows share buffers with fields). */
export function tablePartBuffers(part: TablePart): ArrayBuffer[] {
  const set = new Set<ArrayBuffer>();
  const add = (a: Float64Array): void => void set.add(a.buffer as ArrayBuffer);
  add(part.order);
  add(part.meanRepeatValue);
  add(part.lastYearRevenue);
  for (const name of AGGREGATE_FIELDS) add(part.fields[name]);
  for (const [, w] of part.windows) add(w);
  return [...set];
}

/** Puts the partitions together in first-appearance order (ascending `order`). */
export function combineParts(parts: readonly TablePart[], asOfMs: number, asOfDay: number): CustomerTable {
  let n = 0;
  for (const p of parts) n += p.size;
  // rank[p][i] = row of partition p's customer i in the base.
  const ranks = parts.map((p) => new Uint32Array(p.size));
  const heads = new Uint32Array(parts.length);
  for (let row = 0; row < n; row++) {
    let best = -1;
    let bestKey = Number.POSITIVE_INFINITY;
    for (let p = 0; p < parts.length; p++) {
      const part = parts[p]!;
      const h = heads[p]!;
      if (h < part.size && part.order[h]! < bestKey) {
        bestKey = part.order[h]!;
        best = p;
      }
    }
    ranks[best]![heads[best]!++] = row;
  }
  const scatter = (pick: (part: TablePart) => Float64Array): Float64Array => {
    const out = new Float64Array(n);
    parts.forEach((part, p) => {
      const src = pick(part);
      const rank = ranks[p]!;
      for (let i = 0; i < part.size; i++) out[rank[i]!] = src[i]!;
    });
    return out;
  };
  const fields = {} as Record<AggregateField, Float64Array>;
  for (const name of AGGREGATE_FIELDS) fields[name] = scatter((part) => part.fields[name]);
  const windows = new Map<number, Float64Array>();
  for (const [w] of parts[0]?.windows ?? []) {
    windows.set(w, w === 90 ? fields.revenue_90d : w === 365 ? fields.revenue_365d : scatter((part) => windowOf(part, w)));
  }
  const customerId = new Array<string>(n);
  parts.forEach((part, p) => {
    const rank = ranks[p]!;
    for (let i = 0; i < part.size; i++) customerId[rank[i]!] = part.customerId[i]!;
  });
  return { size: n, customerId, asOfMs, asOfDay, fields, windows, meanRepeatValue: scatter((part) => part.meanRepeatValue), lastYearRevenue: scatter((part) => part.lastYearRevenue) };
}

function windowOf(part: TablePart, w: number): Float64Array {
  const found = part.windows.find(([days]) => days === w);
  if (found === undefined) throw new Error(`partition lacks the ${w}-day window`);
  return found[1];
}
