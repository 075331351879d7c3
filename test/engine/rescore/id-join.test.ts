import { Dictionary, Int16, Table, Utf8, vectorFromArray } from 'apache-arrow';
import fc from 'fast-check';
import { expect, it } from 'vitest';
import type { IdText } from '../../../engine/aggregate/customer-table.js';
import { idTextOf, joinIds, joinIdsJs } from '../../../engine/rescore/id-join.js';
import { previousState } from '../../../engine/rescore/previous-state.js';
import { itNative } from '../kernels/kernel-sets.js';

// A new base's customers found in the previous snapshot on the ids' UTF-8: the native join
// against the TypeScript Map of strings, and previous-state.ts on bytes against strings.
function utf8(ids: readonly string[]): IdText {
  const parts = ids.map((s) => Buffer.from(s, 'utf8'));
  const offsets = new Int32Array(ids.length + 1);
  parts.forEach((p, i) => {
    offsets[i + 1] = offsets[i]! + p.length;
  });
  return { offsets, data: Buffer.concat(parts) };
}

const id = fc.oneof(fc.constantFrom('C1', 'C2', '42', '', 'é', '日本', 'x'.repeat(40)), fc.string({ maxLength: 12 }), fc.integer({ min: 0, max: 300 }).map(String));

itNative('finds the rows the TypeScript Map finds, in place, moved, missing, empty and non-ASCII ids', () => {
  expect(joinIds('native')).not.toBe(joinIdsJs);
  fc.assert(
    // The ids a base shares with the previous snapshot often come at the rows they had there: a prefix of it, then others.
    fc.property(fc.uniqueArray(id, { maxLength: 200 }), fc.uniqueArray(id, { maxLength: 200 }), fc.nat(200), (previous, others, kept) => {
      const ids = [...new Set([...previous.slice(0, kept), ...others])];
      const [want, got] = [new Int32Array(ids.length), new Int32Array(ids.length)];
      joinIdsJs(utf8(previous), utf8(ids), want);
      joinIds('native')(utf8(previous), utf8(ids), got);
      expect(got).toEqual(want);
      expect([...want]).toEqual(ids.map((s) => previous.indexOf(s)));
    }),
    { numRuns: 300 },
  );
});

it('joins the previous tier and lifecycle on the ids as UTF-8 as on the ids as strings', () => {
  const previousIds = Array.from({ length: 500 }, (_, i) => `C${(i * 37) % 1000}-é${i % 3}`);
  const tierNames = ['bronze', 'silver', 'gold'];
  const stageNames = ['new', 'active', 'lapsed', 'lost'];
  const category = (names: string[], pick: (i: number) => number) =>
    vectorFromArray(previousIds.map((_, i) => names[pick(i)]!), new Dictionary(new Utf8(), new Int16()));
  const previous = new Table({ customer_id: vectorFromArray(previousIds, new Utf8()), tier: category(tierNames, (i) => i % 3), lifecycle: category(stageNames, (i) => (i * 7) % 4) });
  expect(idTextOf(previous.getChild('customer_id')!).offsets.length).toBe(501);
  const ids = Array.from({ length: 800 }, (_, i) => `C${(i * 13) % 1500}-é${i % 3}`);
  for (const engine of ['js', 'native'] as const) {
    const [bytes, strings] = [previousState(previous, utf8(ids), engine), previousState(previous, ids)];
    let found = 0;
    ids.forEach((s, c) => {
      const row = previousIds.indexOf(s);
      expect([bytes.tier(c), bytes.lifecycle(c)]).toEqual([strings.tier(c), strings.lifecycle(c)]);
      expect(bytes.tier(c)).toBe(row < 0 ? undefined : tierNames[row % 3]);
      if (row >= 0) found++;
    });
    expect(found).toBeGreaterThan(50);
  }
});
