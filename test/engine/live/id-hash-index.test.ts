import { describe, expect, it } from 'vitest';
import { IdHashIndex } from '../../../engine/live/id-hash-index.js';
import { utf8Vector } from '../../../engine/snapshot/arrow-columns.js';
import { TurnBudget } from '../../../engine/turn-budget.js';

// 20,000 ids: integers, text, and non-ASCII text, in two chunks (a column the writer split).
const IDS = Array.from({ length: 20_000 }, (_, i) => (i % 3 === 0 ? String(i) : i % 3 === 1 ? `C${String(i).padStart(7, '0')}` : `kunde-ä${i}`));
const column = utf8Vector(IDS.slice(0, 12_345)).concat(utf8Vector(IDS.slice(12_345)));

describe('IdHashIndex', () => {
  it('builds in slices that let the event loop turn, and finds every id at its row', async () => {
    expect(column.data.length).toBe(2);
    let turns = 0;
    let building = true;
    const counting = (async () => {
      while (building) {
        turns++;
        await new Promise((r) => setImmediate(r));
      }
    })();
    // A budget of 0 ms yields after every piece of ids.
    const index = await IdHashIndex.build(column, new TurnBudget(0));
    building = false;
    await counting;
    expect(turns).toBeGreaterThanOrEqual(Math.floor(IDS.length / 4096));
    let misses = 0;
    for (let row = 0; row < IDS.length; row++) if (index.find(IDS[row]!) !== row) misses++;
    expect(misses).toBe(0);
    expect(index.findInteger(9)).toBe(9);
    expect(index.findInteger(10)).toBe(-1);
    expect(index.find('C0000010')).toBe(10);
    expect(index.find('unknown')).toBe(-1);
  });

  it('gives the same rows built in slices as built in one step', async () => {
    const sliced = await IdHashIndex.build(column, new TurnBudget(0));
    const whole = IdHashIndex.buildSync(column);
    const bytes = (a: Int32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    expect(bytes(sliced.tables.slots).equals(bytes(whole.tables.slots))).toBe(true);
  });
});
