import { describe, expect, it } from 'vitest';
import { nextSliceMs, SLICE_MS, TurnBudget } from '../../engine/turn-budget.js';

describe('nextSliceMs', () => {
  it('gives the whole slice after a turn that found nothing waiting', () => {
    expect(nextSliceMs(0)).toBe(SLICE_MS);
    expect(nextSliceMs(0.2)).toBe(SLICE_MS);
  });

  it('gives half the time the loop spent on requests, so the work takes at most a third of the thread while they keep coming', () => {
    expect(nextSliceMs(3)).toBe(1.5);
    expect(nextSliceMs(2, 8)).toBe(1);
    // The work still moves on a loop that is never idle…
    expect(nextSliceMs(0.6)).toBe(0.5);
    // …and never takes more than its whole slice.
    expect(nextSliceMs(20)).toBe(SLICE_MS);
  });
});

describe('TurnBudget', () => {
  it('is due once its slice is spent and starts a new one after yielding a turn', async () => {
    const budget = new TurnBudget(2);
    expect(budget.due).toBe(false);
    const until = performance.now() + 3;
    while (performance.now() < until);
    expect(budget.due).toBe(true);
    await budget.yield();
    expect(budget.due).toBe(false);
    expect(budget.sliceMs).toBeGreaterThanOrEqual(0.5);
    expect(budget.sliceMs).toBeLessThanOrEqual(2);
  });

  it('shortens its slice while another callback holds each turn of the loop', async () => {
    const budget = new TurnBudget(40);
    let busy = true;
    // A neighbour that holds every turn for 2 ms, as a turn of lookups does.
    const hold = (): void => {
      const until = performance.now() + 2;
      while (performance.now() < until);
      if (busy) setImmediate(hold);
    };
    setImmediate(hold);
    await budget.yield();
    busy = false;
    // Away at least 2 ms: half of it, not the whole 40 (unless the machine held this thread 80 ms).
    expect(budget.sliceMs).toBeGreaterThanOrEqual(1);
    expect(budget.sliceMs).toBeLessThan(40);
  });
});
