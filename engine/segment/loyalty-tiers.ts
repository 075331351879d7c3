/**
 * Loyalty tiers (DESIGN "Loyalty tiers"): the highest level whose `min_spend <= spend` over the
 * window, the first level when none qualifies. With a previous snapshot a customer is demoted
 * only once spend falls below `min_spend * (1 - grace)` of the level held.
 */
import type { Categorical } from './categorical.js';

/** A tier level of the configuration. */
export interface TierLevel {
  readonly name: string;
  readonly min_spend: number;
}

/** Tiers of every customer; `previous(c)` gives the tier name held in the previous snapshot, if any. */
export function assignTiers(
  spend: Float64Array,
  levels: readonly TierLevel[],
  grace: number,
  previous: ((c: number) => string | undefined) | null,
): Categorical {
  const names = levels.map((l) => l.name);
  const index = new Map(names.map((name, i) => [name, i]));
  const codes = new Uint16Array(spend.length);
  for (let c = 0; c < spend.length; c++) {
    const x = spend[c]!;
    let level = 0;
    for (let i = levels.length - 1; i > 0; i--) {
      if (levels[i]!.min_spend <= x) {
        level = i;
        break;
      }
    }
    const held = previous ? index.get(previous(c) ?? '') : undefined;
    if (held !== undefined && held > level) {
      // Keep the highest level between the new one and the one held whose grace line is still met.
      for (let i = held; i > level; i--) {
        if (x >= levels[i]!.min_spend * (1 - grace)) {
          level = i;
          break;
        }
      }
    }
    codes[c] = level;
  }
  return { codes, names };
}
