import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGGREGATE_FIELDS } from '../../../engine/aggregate/customer-table.js';
import { LiveState } from '../../../engine/live/live-state.js';
import { LiveStore } from '../../../engine/live/live-store.js';
import { concatTxBatches, jsonRowsBatch } from '../../../engine/live/tx-batches.js';
import { type TxBatch, parseBatch } from '../../../engine/parse/parse-batch.js';
import { RejectLog } from '../../../engine/parse/reject-log.js';
import { rescore } from '../../../engine/rescore/rescore.js';
import { loadSnapshot } from '../../../engine/snapshot/snapshot-store.js';
import { TurnBudget } from '../../../engine/turn-budget.js';

let dir: string;
// A base of 30 customers with fractional amounts, margins and order ids; its latest row (2026-06-30) sets as_of.
const BASE = [
  'customer_id,ts,amount,margin,order_id',
  ...Array.from({ length: 30 }, (_, i) => `${i + 1},2026-0${1 + (i % 5)}-1${i % 10}T10:00:00Z,${(i + 1) * 1.1},0.3,B${i}`),
  '5,2026-06-01T09:00:00Z,0.7,0.1,B100',
  '5,2026-06-01T09:30:00Z,-0.2,,B101',
  '7,2026-06-30T12:00:00Z,12.34,1.01,B102',
  'L1,2025-03-01T12:00:00Z,40,1,B103',
].join('\n');

/** Live rows as a client posts them, through the batch path's parser (line items: quantity and price). */
function posted(rows: Record<string, unknown>[]): TxBatch {
  return parseBatch(jsonRowsBatch(rows, 'request'), new RejectLog());
}

const EVENTS: TxBatch[] = [
  posted([
    // 0.1 + 0.2 on one day, two orders: revenue 0.3 exactly.
    { customer_id: 'N1', ts: '2026-06-10T08:00:00Z', amount: 0.1, margin: 0.01, order_id: 'L1' },
    { customer_id: 'N1', ts: '2026-06-10T09:00:00Z', amount: 0.2, margin: 0.02, order_id: 'L2' },
    // An existing customer: purchases on two days after its history, one return.
    { customer_id: 5, ts: '2026-06-20T10:00:00Z', amount: 0.1, margin: 0.03, order_id: 'L3' },
    { customer_id: 5, ts: '2026-06-25T10:00:00Z', amount: 0.2, order_id: 'L4' },
    { customer_id: 5, ts: '2026-06-26T10:00:00Z', amount: -0.15, order_id: 'L5' },
  ]),
  posted([
    // Line items: two lines of one order, a third order on another day, a cancellation invoice.
    { customer_id: 'N2', ts: '2026-05-02T10:00:00Z', quantity: 3, price: 0.1, order_id: 'L10', margin: 0.05 },
    { customer_id: 'N2', ts: '2026-05-02T10:00:00Z', quantity: 1, price: 19.99, order_id: 'L10' },
    { customer_id: 'N2', ts: '2026-06-29T10:00:00Z', quantity: 2, price: 0.35, order_id: 'L11' },
    { customer_id: 'N2', ts: '2026-06-30T10:00:00Z', quantity: -1, price: 0.7, order_id: 'CL11' },
    { customer_id: 7, ts: '2026-06-30T18:00:00Z', quantity: 7, price: 0.13, order_id: 'B102-X' },
  ]),
];
const TOUCHED = ['N1', '5', 'N2', '7'];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'segstream-overlay-'));
  await writeFile(join(dir, 'tx.csv'), `${BASE}\n`);
  await rescore({ input: join(dir, 'tx.csv'), dataDir: join(dir, 'live') });
  await rescore({ input: join(dir, 'tx.csv'), dataDir: join(dir, 'batch'), extra: EVENTS });
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('the live overlay', () => {
  it('shows exact money: 0.1 + 0.2 posted live is revenue 0.3', async () => {
    const state = LiveState.openSync(await loadSnapshot(join(dir, 'live')));
    state.apply(EVENTS[0]!);
    const n1 = state.get('N1')!;
    expect(n1['revenue']).toBe(0.3);
    expect(n1['margin']).toBe(0.03);
    expect(n1['aov']).toBe(0.15);
    expect(n1['orders']).toBe(2);
    expect(n1['live']).toBe(true);
  });

  it('gives a customer posted live the same fields as a rescore of the same events, field for field', async () => {
    const state = LiveState.openSync(await loadSnapshot(join(dir, 'live')));
    for (const b of EVENTS) state.apply(b);
    const batch = LiveState.openSync(await loadSnapshot(join(dir, 'batch')));
    for (const id of TOUCHED) {
      const live = state.get(id)!;
      const rescored = batch.get(id)!;
      expect(live['live'], id).toBe(true);
      for (const f of [...AGGREGATE_FIELDS, 'as_of']) expect(live[f], `${id} ${f}`).toEqual(rescored[f]);
    }
    // The line items counted distinct orders: L10 (two lines) and L11, and the return CL11.
    expect(state.get('N2')).toMatchObject({ orders: 2, returns: 1, purchase_days: 2, revenue: 20.29, returned_amount: 0.7 });
  });

  it('agrees with the rescore that folds the same events in from the log, order ids included', async () => {
    const dataDir = join(dir, 'store');
    await rescore({ input: join(dir, 'tx.csv'), dataDir });
    const store = await LiveStore.open({ dataDir });
    try {
      for (const b of EVENTS) await store.ingest(b);
      const through = await store.wal.rotate();
      const summary = await rescore({ input: join(dir, 'tx.csv'), dataDir, wal: { dir: LiveStore.walDir(dataDir), through } });
      const folded = LiveState.openSync(await loadSnapshot(dataDir, summary.snapshot));
      for (const id of TOUCHED) {
        const live = store.ready().get(id)!;
        const rescored = folded.get(id)!;
        for (const f of [...AGGREGATE_FIELDS, 'as_of']) expect(live[f], `${id} ${f}`).toEqual(rescored[f]);
      }
      expect(folded.get('N2')).toMatchObject({ orders: 2, returns: 1 });
    } finally {
      await store.close();
    }
  });

  it('derives the same customers whether a lookup derives one alone, a backlog is worked off in slices, or all at once', async () => {
    const all = LiveState.openSync(await loadSnapshot(join(dir, 'live')));
    const sliced = LiveState.openSync(await loadSnapshot(join(dir, 'live')));
    for (const b of EVENTS) {
      all.apply(b);
      sliced.apply(b);
    }
    const n2 = sliced.get('N2');
    expect(sliced.overlay.stale).toBe(true);
    let slices = 0;
    while (sliced.overlay.flush(1)) slices++;
    expect(slices).toBeGreaterThanOrEqual(2);
    all.overlay.flush();
    expect(n2).toEqual(all.get('N2'));
    for (const id of TOUCHED) expect(sliced.get(id), id).toEqual(all.get(id));
    expect(sliced.counts.segment).toEqual(all.counts.segment);
    expect(sliced.counts.spendBands()).toEqual(all.counts.spendBands());
  });

  it('derives every customer when batches keep arriving while a backlog is worked off in slices', async () => {
    const all = LiveState.openSync(await loadSnapshot(join(dir, 'live')));
    const sliced = LiveState.openSync(await loadSnapshot(join(dir, 'live')));
    // Overlapping waves of new customers: some arrive again while still pending, some after they were derived.
    const wave = (from: number, n: number): TxBatch => ({
      length: n,
      ids: Array.from({ length: n }, (_, i) => `W${from + i}`),
      ts: new Float64Array(n).fill(Date.parse('2026-06-15T10:00:00Z')),
      amount: Float64Array.from({ length: n }, (_, i) => 1 + (i % 7)),
      margin: null,
    });
    for (const [from, n] of [[0, 3000], [1500, 3500], [4000, 2500], [0, 6500]] as const) {
      all.apply(wave(from, n));
      sliced.apply(wave(from, n));
      for (let i = 0; i < 3; i++) sliced.overlay.flush(700);
    }
    while (sliced.overlay.flush(700));
    all.overlay.flush();
    expect(sliced.overlay.stale).toBe(false);
    for (const id of ['W0', 'W1499', 'W1500', 'W2999', 'W3000', 'W4999', 'W5000', 'W6499']) expect(sliced.get(id), id).toEqual(all.get(id));
    expect(sliced.get('W6499')).toMatchObject({ orders: 2, live: true });
    // (The bands' running min and sums depend on the order customers were derived in: compared as counts only.)
    expect(sliced.counts.segment).toEqual(all.counts.segment);
    expect(sliced.counts.spendBands().map((b) => b.customers)).toEqual(all.counts.spendBands().map((b) => b.customers));
  });

  it('scores a live customer against what the snapshot held: a lost customer who buys again is reactivated, a new one is new', async () => {
    const state = LiveState.openSync(await loadSnapshot(join(dir, 'live')));
    expect(state.get('L1')).toMatchObject({ lifecycle: 'lost', live: false });
    state.apply(posted([
      { customer_id: 'L1', ts: '2026-06-29T10:00:00Z', amount: 5 },
      { customer_id: 'N9', ts: '2026-06-29T10:00:00Z', amount: 5 },
    ]));
    expect(state.get('L1')).toMatchObject({ lifecycle: 'reactivated', recency_days: 1, live: true });
    expect(state.get('N9')).toMatchObject({ lifecycle: 'new', live: true });
  });

  it('applies one batch or the same rows in many batches to the same fields', async () => {
    const whole = LiveState.openSync(await loadSnapshot(join(dir, 'live')));
    whole.apply(concatTxBatches(EVENTS));
    const split = LiveState.openSync(await loadSnapshot(join(dir, 'live')));
    const all = concatTxBatches(EVENTS);
    for (let i = 0; i < all.length; i++) {
      split.apply({ length: 1, ids: [all.ids[i]!], ts: all.ts.subarray(i, i + 1), amount: all.amount.subarray(i, i + 1), margin: all.margin!.subarray(i, i + 1), orderIds: [all.orderIds![i]!] });
    }
    for (const id of TOUCHED) expect(split.get(id), id).toEqual(whole.get(id));
    expect(split.counts.segment).toEqual(whole.counts.segment);
    expect(split.counts.customers).toBe(33);
  });

  it('grows its columns ahead of need between turns, and an apply during that growth loses nothing', async () => {
    /** New customers A<from>..A<to - 1>, one purchase each on a day of their own, two rows apiece. */
    const newcomers = (from: number, to: number) =>
      posted(
        Array.from({ length: to - from }, (_, i) => [
          { customer_id: `A${from + i}`, ts: `2026-06-${String(1 + ((from + i) % 28)).padStart(2, '0')}T10:00:00Z`, amount: 0.1 * (1 + ((from + i) % 9)) },
          { customer_id: `A${from + i}`, ts: '2026-06-29T10:00:00Z', amount: 0.2 },
        ]).flat(),
      );
    const capacity = (s: LiveState) => (s.overlay as unknown as { capacity: number }).capacity;
    const ahead = LiveState.openSync(await loadSnapshot(join(dir, 'live')));
    ahead.apply(newcomers(0, 600));
    // Over half of the first 1,024: the doubling starts on the next turn, not in the apply.
    expect(capacity(ahead)).toBe(1024);
    for (let turns = 0; turns < 50 && capacity(ahead) === 1024; turns++) await new Promise((r) => setImmediate(r));
    expect(capacity(ahead)).toBe(2048);
    ahead.apply(newcomers(600, 1100));
    // A growth by steps with an apply between two of them that needs far more room (ensure).
    const steps = (ahead.overlay as unknown as { growth(size: number): Generator<void> }).growth(4096);
    steps.next();
    steps.next();
    ahead.apply(newcomers(1100, 9000));
    while (!steps.next().done);
    expect(capacity(ahead)).toBeGreaterThanOrEqual(8900);
    // The same rows in one apply each, with no turn between: the same fields.
    const plain = LiveState.openSync(await loadSnapshot(join(dir, 'live')));
    for (const b of [newcomers(0, 600), newcomers(600, 1100), newcomers(1100, 9000)]) plain.apply(b);
    for (const i of [0, 1, 599, 600, 1023, 1024, 1099, 1100, 2047, 2048, 4095, 4096, 8999]) expect(ahead.get(`A${i}`), `A${i}`).toEqual(plain.get(`A${i}`));
    expect(ahead.get('A8999')).toMatchObject({ orders: 2, live: true });
    expect(ahead.counts.customers).toBe(plain.counts.customers);
  });

  it("makes a swap's state room for twice the old state's customers, so its re-apply starts no growth beside the swap", async () => {
    const newcomers = (n: number) => posted(Array.from({ length: n }, (_, i) => ({ customer_id: `B${i}`, ts: '2026-06-03T10:00:00Z', amount: 1 + (i % 5) })));
    const capacity = (s: LiveState) => (s.overlay as unknown as { capacity: number }).capacity;
    const turns = async (n: number) => {
      for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
    };
    const old = LiveState.openSync(await loadSnapshot(join(dir, 'live')));
    old.apply(newcomers(700));
    await turns(20);
    const next = LiveState.openSync(await loadSnapshot(join(dir, 'live')));
    await next.overlay.reserve(old.overlay, new TurnBudget());
    const reserved = capacity(next);
    expect(reserved).toBeGreaterThanOrEqual(2 * old.liveCustomers);
    next.fold(newcomers(700));
    await turns(20);
    // Room for only the old state's 700 made 1,024 columns, which the re-apply filled past half: a doubling followed.
    expect(capacity(next)).toBe(reserved);
    await next.derive(new TurnBudget());
    expect(next.get('B699')).toEqual(old.get('B699'));
  });
});
