import { describe, expect, it } from 'vitest';
import { Aggregator } from '../../../engine/aggregate/aggregator.js';
import { finalize } from '../../../engine/aggregate/finalize.js';
import type { TxBatch } from '../../../engine/parse/parse-batch.js';
import { combinePartials } from '../../../engine/aggregate/combine-partials.js';
import { packPartitions, textOfUnits } from '../../../engine/aggregate/partial-pack.js';
import { combineParts, toTablePart } from '../../../engine/pool/table-pack.js';
import { parseAsOf } from '../../../engine/rescore/as-of.js';
import { txBatch } from '../../helpers/rows.js';

function units(s: string): Uint16Array {
  const u = new Uint16Array(s.length);
  for (let i = 0; i < s.length; i++) u[i] = s.charCodeAt(i);
  return u;
}

describe('textOfUnits', () => {
  it('rebuilds a 1 MB key without overflowing the stack', () => {
    const key = 'k'.repeat(1 << 20) + 'é';
    expect(textOfUnits(units(key), 0, key.length)).toBe(key);
  });

  it('keeps lone surrogates and chunk boundaries exactly', () => {
    const key = 'a\ud800b'.repeat(5000) + '\udfff';
    const u = units('xx' + key + 'yy');
    expect(textOfUnits(u, 2, 2 + key.length)).toBe(key);
    expect(textOfUnits(u, 0, 0)).toBe('');
  });
});

describe('packs with order ids', () => {
  const AS_OF = parseAsOf('2025-06-30');
  const DAY = 86_400_000;
  const START = Date.parse('2025-01-01T00:00:00Z');
  // 600 lines: orders of 1 to 6 lines, customers drawn so that an order's lines land in several
  // shares; text ids like `C17` (cancellations, every line negative), long and non-BMP ones too.
  const lines = Array.from({ length: 600 }, (_, i) => {
    const order = Math.floor(i / (1 + (i % 6)));
    const text = order % 5 === 0;
    return {
      id: order % 3 === 0 ? `cust-${order % 7}` : order % 11,
      order: text ? `C${order}${order % 10 === 0 ? '-é😀'.repeat(3) : ''}` : 500_000 + order,
      ts: START + (order % 90) * DAY + i,
      amount: (text ? -1 : 1) * (((i * 13) % 17) + 0.5) * (i % 29 === 0 ? 0 : 1),
    };
  });
  const batchOf = (from: number, to: number): TxBatch => ({
    ...txBatch(lines.slice(from, to).map((l) => ({ customer_id: l.id, ts: l.ts, amount: l.amount }))),
    orderIds: lines.slice(from, to).map((l) => l.order),
  });

  it.each([1, 2, 3])('merge into the table of one aggregator when %i partitions take shares that cut orders apart', (partitions) => {
    const whole = new Aggregator(AS_OF);
    whole.add(batchOf(0, lines.length));
    const want = finalize(whole, AS_OF, [30]);
    const cuts = [0, 97, 250, 251, 430, lines.length];
    const shares = cuts.slice(1).map((end, s) => {
      const agg = new Aggregator(AS_OF);
      agg.add(batchOf(cuts[s]!, end));
      return packPartitions(agg, s, partitions);
    });
    const parts = Array.from({ length: partitions }, (_, p) => {
      const { table, order } = combinePartials(shares.map((packs) => packs[p]!), AS_OF, false, [30]);
      return toTablePart(table, order);
    });
    const got = combineParts(parts, AS_OF, want.asOfDay);
    expect(got.customerId).toEqual(want.customerId);
    for (const [name, col] of Object.entries(want.fields)) expect([name, got.fields[name as keyof typeof got.fields]]).toEqual([name, col]);
    // The counts themselves, recomputed the obvious way.
    const sides = new Map<string, [Set<unknown>, Set<unknown>]>();
    for (const l of lines) {
      const k = String(l.id);
      if (!sides.has(k)) sides.set(k, [new Set(), new Set()]);
      sides.get(k)![l.amount >= 0 ? 0 : 1].add(l.order);
    }
    got.customerId.forEach((id, c) => {
      expect([id, got.fields.orders[c], got.fields.returns[c]]).toEqual([id, sides.get(id)![0].size, sides.get(id)![1].size]);
    });
  });
});

describe('customers met in several packs', () => {
  const AS_OF = parseAsOf('2025-06-30');
  const START = Date.parse('2025-01-01T00:00:00Z');
  // 3,000 customers in mixed key kinds that must stay apart — 42 and "042", "x" and "x\u0000",
  // lone surrogates, non-BMP text, long text — each met in 1 to 4 of 5 shares.
  const idOf = (c: number): string | number => {
    switch (c % 6) {
      case 0: return c;
      case 1: return `0${c - 1}`;
      case 2: return `k${c}\ud800`;
      case 3: return `k${c - 1}\ud800\u0000`;
      case 4: return `😀${c}é`;
      default: return `long-${'x'.repeat(c % 300)}-${c}`;
    }
  };
  const rows = Array.from({ length: 9000 }, (_, i) => {
    const c = (i * 7919) % 3000;
    return { customer_id: idOf(c), ts: START + ((i * 37) % 150) * 86_400_000 + i, amount: ((i % 23) - 4) * 1.25 };
  });

  it.each([1, 2, 4])('number each customer once and give one aggregator\'s table with %i partitions', (partitions) => {
    const whole = new Aggregator(AS_OF);
    whole.add(txBatch(rows));
    const want = finalize(whole, AS_OF, []);
    expect(want.size).toBe(3000);
    const cuts = [0, 1000, 1001, 4500, 7000, rows.length];
    const shares = cuts.slice(1).map((end, s) => {
      const agg = new Aggregator(AS_OF);
      agg.add(txBatch(rows.slice(cuts[s]!, end)));
      return packPartitions(agg, s, partitions);
    });
    const parts = Array.from({ length: partitions }, (_, p) => {
      const { table, order } = combinePartials(shares.map((packs) => packs[p]!), AS_OF, false, []);
      return toTablePart(table, order);
    });
    const got = combineParts(parts, AS_OF, want.asOfDay);
    expect(got.customerId).toEqual(want.customerId);
    for (const [name, col] of Object.entries(want.fields)) expect([name, got.fields[name as keyof typeof got.fields]]).toEqual([name, col]);
    expect(got.meanRepeatValue).toEqual(want.meanRepeatValue);
  });
});
