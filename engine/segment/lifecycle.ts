/**
 * Lifecycle stage (DESIGN "Lifecycle"), judged in this order: `new` (tenure < new_days),
 * `reactivated` (lapsed or lost in the previous snapshot, active now), `active`
 * (recency <= active_days), `at_risk`, `lapsed`, `lost`; `no_purchases` without a purchase.
 * Configured rules (`lifecycle.rules`, e.g. `{ "stage": "lost", "when": { "p_alive": { "lt": 0.1 } } }`)
 * are judged first, in order, for customers with a purchase.
 */
import type { Categorical } from './categorical.js';
import { type NumericColumns, conditionTests } from './segmenter.js';

/** Stage names, in code order. */
export const LIFECYCLE_STAGES = ['new', 'reactivated', 'active', 'at_risk', 'lapsed', 'lost', 'no_purchases'] as const;

/** Lifecycle thresholds in days, and optional rules on any numeric field (e.g. `p_alive`). */
export interface LifecycleDays {
  readonly new_days: number;
  readonly active_days: number;
  readonly at_risk_days: number;
  readonly lapsed_days: number;
  readonly rules?: readonly { readonly stage: string; readonly when: Readonly<Record<string, Readonly<Record<string, number>>>> }[] | undefined;
}

const [NEW, REACTIVATED, ACTIVE, AT_RISK, LAPSED, LOST, NONE] = [0, 1, 2, 3, 4, 5, 6];

/** The lifecycle stage of every customer. */
export function assignLifecycle(
  orders: ArrayLike<number>,
  recency: Float64Array,
  tenure: Float64Array,
  days: LifecycleDays,
  previous: ((c: number) => string | undefined) | null,
  columns: NumericColumns = {},
): Categorical {
  const rules = (days.rules ?? []).map((rule, i) => ({
    stage: LIFECYCLE_STAGES.indexOf(rule.stage as (typeof LIFECYCLE_STAGES)[number]),
    tests: conditionTests(rule.when, columns, `lifecycle.rules.${i}`),
  }));
  const codes = new Uint16Array(orders.length);
  for (let c = 0; c < orders.length; c++) {
    const r = recency[c]!;
    let stage: number;
    const rule = rules.find((x) => x.tests.every((t) => t(c)));
    if (orders[c]! < 1) stage = NONE;
    else if (rule) stage = rule.stage;
    else if (tenure[c]! < days.new_days) stage = NEW;
    else if (r <= days.active_days) {
      const before = previous?.(c);
      stage = before === 'lapsed' || before === 'lost' ? REACTIVATED : ACTIVE;
    } else if (r <= days.at_risk_days) stage = AT_RISK;
    else if (r <= days.lapsed_days) stage = LAPSED;
    else stage = LOST;
    codes[c] = stage;
  }
  return { codes, names: LIFECYCLE_STAGES };
}

/** Win-back flags (DESIGN): lapsed or lost customers whose M score is at least `minM`. */
export function winBackFlags(lifecycle: Categorical, m: Uint8Array, minM: number): Uint8Array {
  const out = new Uint8Array(m.length);
  for (let c = 0; c < m.length; c++) {
    const stage = lifecycle.codes[c]!;
    if ((stage === LAPSED || stage === LOST) && m[c]! >= minM) out[c] = 1;
  }
  return out;
}
