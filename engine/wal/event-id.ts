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
