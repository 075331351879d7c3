/**
 * Long work on a serving thread in slices of a few milliseconds: the worker checks `due` between
 * pieces of its work and, once its slice's time is spent, awaits `yield()`, which lets the event
 * loop answer what is waiting (setImmediate: after the I/O that is ready) before it goes on.
 * A swap to a new snapshot builds the new state this way while lookups read the old one.
 */

/** Milliseconds of work between two yields: a lookup that arrives meanwhile waits at most about this. */
export const SLICE_MS = 4;

/** A turn away shorter than this found nothing waiting: the next slice may take its whole time. */
const IDLE_TURN_MS = 0.5;

/** The shortest slice, so work still moves on a loop that is never idle. */
const MIN_SLICE_MS = 0.5;

/**
 * The next slice's length against the time the loop spent on other things (requests) while the work
 * yielded. Under a steady stream of lookups a turn answers them for ~3 ms: a whole 4 ms slice
 * after each made the work take ~60% of the thread, and a closed loop of clients saw its latency
 * grow by 1 / (1 - 0.6), 2.3x, for as long as the work lasted (a job's swap re-applying millions of
 * rows: session 20). Half the time away caps the work at a third of the thread while requests
 * wait (their latency 1.5x), and gives it every idle moment.
 */
export function nextSliceMs(awayMs: number, ms = SLICE_MS): number {
  return awayMs < IDLE_TURN_MS ? ms : Math.min(ms, Math.max(MIN_SLICE_MS, awayMs / 2));
}

/** One turn of the event loop, after the I/O that is ready. */
export function nextTurn(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}

/** The time left in the current slice of work; each slice as long as the turn before it allows ({@link nextSliceMs}). */
export class TurnBudget {
  private start = performance.now();
  private slice: number;

  constructor(private readonly ms = SLICE_MS) {
    this.slice = ms;
  }

  /** Whether this slice's time is spent. */
  get due(): boolean {
    return performance.now() - this.start >= this.slice;
  }

  /** This slice's length, in milliseconds. */
  get sliceMs(): number {
    return this.slice;
  }

  /** Yields one turn and starts a new slice, as long as the time the loop was away allows. */
  async yield(): Promise<void> {
    const left = performance.now();
    await nextTurn();
    this.start = performance.now();
    this.slice = nextSliceMs(this.start - left, this.ms);
  }

  /** Yields when this slice's time is spent. */
  async check(): Promise<void> {
    if (this.due) await this.yield();
  }
}
