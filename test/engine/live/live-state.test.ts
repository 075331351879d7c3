import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Table, type Vector } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdKeyCache, entriesOf } from '../../../engine/live/id-key-cache.js';
import { scanJsonBatch } from '../../../engine/live/json-rows.js';
import { LiveState, canonicalId } from '../../../engine/live/live-state.js';
import { SnapshotColumns } from '../../../engine/live/snapshot-columns.js';
import type { TxBatch } from '../../../engine/parse/parse-batch.js';
import { rescore } from '../../../engine/rescore/rescore.js';
import { loadSnapshot } from '../../../engine/snapshot/snapshot-store.js';

let dir: string;
const CSV = [
  'customer_id,ts,amount',
  ...Array.from({ length: 40 }, (_, i) => `${i + 1},2026-0${1 + (i % 5)}-1${i % 10},${10 * (i + 1)}`),
  '1,2026-06-01,50',
  '1,2026-06-20,25',
  '042,2026-06-30,7',
].join('\n');

function tx(rows: [number | string, string, number][]): TxBatch {
  return {
    length: rows.length,
    ids: rows.map((r) => r[0]),
    ts: Float64Array.from(rows.map((r) => Date.parse(r[1]))),
    amount: Float64Array.from(rows.map((r) => r[2])),
    margin: null,
  };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'segstream-live-'));
  await writeFile(join(dir, 'tx.csv'), `${CSV}\n`);
  await rescore({ input: join(dir, 'tx.csv'), dataDir: join(dir, 'data') });
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('LiveState', () => {
  it('looks customers up by canonical id: 42 and "42" are one customer, "042" another', async () => {
    const state = LiveState.openSync(await loadSnapshot(join(dir, 'data')));
    expect(state.size).toBe(41);
    expect(canonicalId(7)).toBe('7');
    expect(canonicalId('7')).toBe('7');
    expect(state.get(canonicalId(7)!)!['orders']).toBe(1);
    expect(state.get('042')!['revenue']).toBe(7);
    expect(state.get('42')).toBeNull();
    const one = state.get('1')!;
    expect(one).toMatchObject({ customer_id: '1', orders: 3, purchase_days: 3, revenue: 85, last_purchase_at: '2026-06-20T00:00:00.000Z', live: false });
    expect(one['as_of']).toBe('2026-06-30T23:59:59.999Z');
    expect(typeof one['segment']).toBe('string');
    expect(canonicalId(1.5)).toBeNull();
  });

  it('applies a purchase at once: orders, revenue, windows, recency, days and a new customer', async () => {
    const state = LiveState.openSync(await loadSnapshot(join(dir, 'data')));
    const before = state.get('2')!;
    state.apply(tx([[2, '2026-07-02T10:00:00Z', 100], ['2', '2026-07-02T18:00:00Z', 50], ['new-1', '2026-07-01T00:00:00Z', 30]]));
    const after = state.get('2')!;
    expect(after).toMatchObject({
      orders: (before['orders'] as number) + 2,
      purchase_days: (before['purchase_days'] as number) + 1,
      revenue: (before['revenue'] as number) + 150,
      revenue_90d: (before['revenue_90d'] as number) + 150,
      last_purchase_at: '2026-07-02T18:00:00.000Z',
      recency_days: 0,
      as_of: '2026-07-02T23:59:59.999Z',
      live: true,
      r_score: 5,
    });
    expect(state.get('new-1')).toMatchObject({ orders: 1, revenue: 30, recency_days: 0, tenure_days: 0, lifecycle: 'new', live: true });
    expect(state.size).toBe(42);
    expect(state.counts.customers).toBe(42);
    let total = 0;
    for (const n of state.counts.segment.values()) total += n;
    expect(total).toBe(42);
  });

  it('shows the same customers whether a body\'s ids come numbered by the id key cache or not, across caches', async () => {
    const tagged = LiveState.openSync(await loadSnapshot(join(dir, 'data')));
    const plain = LiveState.openSync(await loadSnapshot(join(dir, 'data')));
    const ids = ['7', '042', 'new-3', '40', ' 8', 'new-4', '7', 'NEW-3'];
    const body = (round: number) =>
      Buffer.from(JSON.stringify(Array.from({ length: 40 }, (_, i) => ({ customer_id: i % 5 === 4 ? 12 : ids[(i * 3 + round) % ids.length], ts: `2026-07-0${1 + (i % 7)}T10:00:00Z`, amount: round + i / 10 }))));
    // The first and third bodies through one cache, the second through another: the overlay starts its numbering by entry over.
    const caches = [new IdKeyCache(), new IdKeyCache()];
    for (const [round, cache] of [caches[0]!, caches[1]!, caches[0]!].entries()) {
      const { batch } = scanJsonBatch(body(round), 'auto', cache)!;
      expect(entriesOf(batch.ids)).toBeDefined();
      tagged.apply(batch);
      const untagged = { ...batch, ids: batch.ids.slice() };
      expect(entriesOf(untagged.ids)).toBeUndefined();
      plain.apply(untagged);
    }
    for (const id of ['7', '042', 'new-3', 'NEW-3', '40', '8', 'new-4', '12', '1']) expect(tagged.get(id), id).toEqual(plain.get(id));
    expect(tagged.get('7')).toMatchObject({ live: true });
    expect(tagged.liveCustomers).toBe(plain.liveCustomers);
  });

  it('agrees with a full rescore on the aggregates of a customer bought from live', async () => {
    const state = LiveState.openSync(await loadSnapshot(join(dir, 'data')));
    const events = tx([[3, '2026-07-01T12:00:00Z', 40], [3, '2026-07-01T13:00:00Z', -5]]);
    state.apply(events);
    const live = state.get('3')!;
    const data2 = join(dir, 'data2');
    await rescore({ input: join(dir, 'tx.csv'), dataDir: data2, extra: [events] });
    const batch = LiveState.openSync(await loadSnapshot(data2)).get('3')!;
    for (const f of ['orders', 'purchase_days', 'first_purchase_at', 'last_purchase_at', 'revenue', 'returns', 'returned_amount', 'revenue_90d', 'revenue_365d', 'recency_days', 'tenure_days', 'aov', 'weekly_spend', 'as_of']) {
      expect(live[f], f).toEqual(batch[f]);
    }
  });

  it('lists customers by segment with a cursor, and the win-back list by revenue', async () => {
    const state = LiveState.openSync(await loadSnapshot(join(dir, 'data')));
    const [name] = [...state.counts.segment.entries()].find(([, n]) => n >= 3)!;
    const all = state.list({ segment: name }, 0, 1000).customers;
    expect(all.length).toBe(state.counts.segment.get(name));
    const first = state.list({ segment: name }, 0, 2);
    const rest = state.list({ segment: name }, first.next!, 1000);
    expect([...first.customers, ...rest.customers].map((c) => c['customer_id'])).toEqual(all.map((c) => c['customer_id']));
    const wb = state.winBack(0, 100);
    const revenues = wb.customers.map((c) => c['revenue'] as number);
    expect([...revenues].sort((a, b) => b - a)).toEqual(revenues);
    expect(wb.customers.every((c) => c['win_back'] === true)).toBe(true);
    expect(wb.total).toBe(Array.from(state.columns.vector('win_back'), (v) => v === true).filter(Boolean).length);
  });

  it('reads the win-back flags from the column in place, and the same from a column in several chunks', async () => {
    // A year after the last purchase every customer has lapsed: those with a high M score are on the list.
    await rescore({ input: join(dir, 'tx.csv'), dataDir: join(dir, 'late'), asOf: '2027-06-30' });
    const snapshot = await loadSnapshot(join(dir, 'late'));
    const plain = new SnapshotColumns(snapshot.customers);
    const t = snapshot.customers;
    const columns: Record<string, Vector> = {};
    for (const f of t.schema.fields) columns[f.name] = t.getChild(f.name)!;
    // Cut into two record batches: no column is one plain chunk any more.
    const chunked = new SnapshotColumns(new Table(columns).slice(0, 17).concat(new Table(columns).slice(17)));
    expect(chunked.vector('win_back').data.length).toBe(2);
    const expected = Array.from(t.getChild('win_back')!, (v) => v === true);
    expect(expected.filter(Boolean).length).toBeGreaterThan(0);
    expect(Array.from({ length: plain.size }, (_, r) => plain.winBackOf(r))).toEqual(expected);
    expect(Array.from({ length: plain.size }, (_, r) => chunked.winBackOf(r))).toEqual(expected);
  });
});
