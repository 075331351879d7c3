/**
 * `event_id` (DESIGN "Real-time path"): an optional id a client gives a live row so that a retry
 * of that row is acknowledged again but counted once. An id is a string or an integer; `42` and
 * `"42"` are the same id (its canonical text), as with customer ids.
 */

/** Longest event id, in characters: long enough for a UUID or a composite key, short enough to keep in memory by the million. */
export const EVENT_ID_MAX_CHARS = 200;

/**
 * The canonical text of a raw `event_id` cell: null when the row carries none (absent, null,
 * empty), undefined when the value cannot be an id (a fraction, an object, too long...).
 */
export function eventIdFromValue(raw: unknown): string | null | undefined {
  if (raw === undefined || raw === null) return null;
  if (typeof raw === 'string') {
    if (raw.length === 0) return null;
    return raw.length <= EVENT_ID_MAX_CHARS ? raw : undefined;
  }
  if (typeof raw === 'number') return Number.isSafeInteger(raw) ? String(raw) : undefined;
  if (typeof raw === 'bigint') return raw <= BigInt(Number.MAX_SAFE_INTEGER) && raw >= BigInt(Number.MIN_SAFE_INTEGER) ? raw.toString() : undefined;
  return undefined;
}

/** The outcome of {@link EventIdSet.claim}: which rows are new, and how the claim ends. */
export interface EventIdClaim {
  /** `fresh[i]`: row i is new (no id, or an id not acknowledged and not earlier in the batch). */
  readonly fresh: readonly boolean[];
  /** Rows left out as already acknowledged. */
  readonly duplicates: number;
  /** The append is durable: the claimed ids are acknowledged. */
  commit(): void;
  /** The append failed: the claimed ids are free again. */
  release(): void;
}

/**
 * The event ids acknowledged so far (in the log or the archive) and those of appends in flight.
 * A request claims its ids before its append; while one of them belongs to another append in
 * flight it first waits for that append's outcome, then checks and claims in one synchronous step.
 * So two requests carrying one id never both append it, and a retry never answers 202 for an
 * append that then failed.
 */
export class EventIdSet {
  private readonly known = new Set<string>();
  private readonly inFlight = new Map<string, Promise<void>>();

  /** Ids acknowledged so far. */
  get size(): number {
    return this.known.size;
  }

  /** Remembers acknowledged ids (replayed from the log or the archive). */
  add(ids: ReadonlyArray<string | null> | undefined): void {
    if (ids) for (const e of ids) if (e !== null) this.known.add(e);
  }

  /** Claims the new ids of a batch, once none of them belongs to an append in flight. */
  async claim(ids: ReadonlyArray<string | null>): Promise<EventIdClaim> {
    for (;;) {
      const waits = new Set<Promise<void>>();
      for (const e of ids) if (e !== null && this.inFlight.has(e)) waits.add(this.inFlight.get(e)!);
      // No await between this check and the claim: no other request can slip in.
      if (waits.size === 0) return this.claimNow(ids);
      await Promise.all(waits);
    }
  }

  private claimNow(ids: ReadonlyArray<string | null>): EventIdClaim {
    const claimed = new Set<string>();
    const fresh = ids.map((e) => {
      if (e === null) return true;
      // Also a second row with one id in one batch: the first is the row, the second its retry.
      if (this.known.has(e) || claimed.has(e)) return false;
      claimed.add(e);
      return true;
    });
    let settled!: () => void;
    const done = new Promise<void>((resolve) => (settled = resolve));
    for (const e of claimed) this.inFlight.set(e, done);
    const end = (ok: boolean): void => {
      for (const e of claimed) {
        this.inFlight.delete(e);
        if (ok) this.known.add(e);
      }
      settled();
    };
    return { fresh, duplicates: ids.length - fresh.filter(Boolean).length, commit: () => end(true), release: () => end(false) };
  }
}
