import { describe, expect, it } from 'vitest';
import { EVENT_ID_MAX_CHARS, EventIdSet, eventIdFromValue } from '../../../engine/wal/event-id.js';

describe('eventIdFromValue', () => {
  it('takes a string or a safe integer as its canonical text, and nothing else', () => {
    expect([eventIdFromValue('a-1'), eventIdFromValue(42), eventIdFromValue(42n), eventIdFromValue('42')]).toEqual(['a-1', '42', '42', '42']);
    expect([eventIdFromValue(undefined), eventIdFromValue(null), eventIdFromValue('')]).toEqual([null, null, null]);
    for (const bad of [1.5, 2 ** 60, 2n ** 60n, true, {}, [], 'x'.repeat(EVENT_ID_MAX_CHARS + 1)]) expect(eventIdFromValue(bad)).toBeUndefined();
  });
});

describe('EventIdSet', () => {
  it('claims new ids once, frees them when the append fails and keeps them when it succeeds', async () => {
    const set = new EventIdSet();
    set.add(['old', null]);
    const first = await set.claim(['old', 'a', null, 'a', 'b']);
    expect([first.fresh, first.duplicates]).toEqual([[false, true, true, false, true], 2]);
    // A second request with an id in flight waits for the first's outcome: failed, so the id is its to append.
    let second: Awaited<ReturnType<EventIdSet['claim']>> | null = null;
    const waiting = set.claim(['a']).then((c) => (second = c));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(second).toBeNull();
    first.release();
    await waiting;
    expect(second!.fresh).toEqual([true]);
    second!.commit();
    // Acknowledged now: the next claim of it is a duplicate.
    expect((await set.claim(['a'])).fresh).toEqual([false]);
    expect(set.size).toBe(2);
  });
});
