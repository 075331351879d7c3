/**
 * Long work on a serving thread in slices of a few milliseconds: the worker checks `due` between
 * pieces of its work and, once its slice's time is spent, awaits `yield()`, which lets the event
 * loop answer what is waiting (setImmediate: after the I/O that is ready) before it goes on.
 * A swap to a new snapshot builds the new state this way while lookups read the old one.
 */

/** Milliseconds of work between two yields: a lookup that arrives meanwhile waits at most about this. */
export const SLICE_MS = 4;

/** One turn of the event loop, after the I/O that is ready. */
export function nextTurn(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}

/** The time left in the current slice of work. */
export class TurnBudget {
  private start = performance.now();

  constructor(private readonly ms = SLICE_MS) {}

  /** Whether this slice's time is spent. */
  get due(): boolean {
    return performance.now() - this.start >= this.ms;
  }

  /** Yields one turn and starts a new slice. */
  async yield(): Promise<void> {
    await nextTurn();
    this.start = performance.now();
  }

  /** Yields when this slice's time is spent. */
  async check(): Promise<void> {
    if (this.due) await this.yield();
  }
}
