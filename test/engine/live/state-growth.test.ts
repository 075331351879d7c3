/**
 * A job's swap reserves the live aggregator's sums for every customer of the old state (half a
 * million and more) in steps the serving loop yields between (live-overlay.ts `reserve`): each
 * step one column, the values kept, the new slots at their empty values, and an `ensure` that
 * runs between two steps (a request applied meanwhile) leaving nothing short.
 */
import { describe, expect, it } from 'vitest';
import { LiveRowsState } from '../../../engine/live/live-rows-state.js';

const NO_DAY = -0x80000000;

function filled(customers: number): LiveRowsState {
  const s = new LiveRowsState();
  s.ensure(customers);
  for (let c = 0; c < customers; c++) {
    s.orders[c] = c + 1;
    s.revenue[c] = c * 10;
    s.firstTs[c] = 1000 + c;
    s.lastTs[c] = 2000 + c;
    s.day0[c] = c;
    s.head[c] = c % 7;
  }
  return s;
}

function expectKept(s: LiveRowsState, customers: number, size: number): void {
  for (const col of [s.orders, s.returns, s.revenue, s.returnedAmount, s.margin, s.firstTs, s.lastTs, s.day0, s.day0Net, s.day0Pos, s.spilled, s.head, s.maxDay]) {
    expect(col.length).toBeGreaterThanOrEqual(size);
  }
  for (let c = 0; c < customers; c++) {
    expect([s.orders[c], s.revenue[c], s.firstTs[c], s.lastTs[c], s.day0[c], s.head[c]]).toEqual([c + 1, c * 10, 1000 + c, 2000 + c, c, c % 7]);
  }
  for (const c of [customers, size - 1]) {
    expect([s.orders[c], s.revenue[c], s.firstTs[c], s.lastTs[c], s.day0[c], s.head[c], s.spilled[c]]).toEqual([0, 0, Infinity, -Infinity, NO_DAY, -1, 0]);
  }
}

describe('the live sums grown in steps', () => {
  it('grows one column a step and keeps every value', () => {
    const s = filled(1500);
    const steps = s.growth(40_000);
    let yields = 0;
    while (!steps.next().done) yields++;
    expect(yields).toBeGreaterThanOrEqual(10);
    expect(s.size).toBe(40_000);
    expectKept(s, 1500, 40_000);
  });

  it('stays whole when an ensure runs between two steps', () => {
    const s = filled(1500);
    const steps = s.growth(40_000);
    steps.next();
    steps.next();
    // A request applied meanwhile: the capacity (orders) is still the old one, so it grows all.
    s.ensure(100_000);
    s.revenue[50_000] = 5;
    while (!steps.next().done);
    expectKept(s, 1500, 100_000);
    expect(s.revenue[50_000]).toBe(5);
  });

  it('grows the day chain entries in steps too', () => {
    const s = new LiveRowsState();
    for (let c = 0; c < 3; c++) s.addDay(c, 10 + c, 4, 4);
    const steps = s.entryGrowth(50_000);
    let yields = 0;
    while (!steps.next().done) yields++;
    expect(yields).toBe(3);
    expect([s.entryDay.length, s.entryNet.length, s.entryPos.length, s.entryNext.length].every((n) => n >= 50_000)).toBe(true);
    expect([...s.entryDay.subarray(0, s.entries)]).toEqual([10, 11, 12]);
    expect([...s.entryNet.subarray(0, s.entries)]).toEqual([4, 4, 4]);
  });
});
