/**
 * Lifecycle stage (DESIGN "Lifecycle"), judged in this order: `new` (tenure < new_days),
 * `reactivated` (lapsed or lost in the previous snapshot, active now), `active`
 * (recency <= active_days), `at_risk`, `lapsed`, `lost`; `no_purchases` without a purchase.
 * Configured rules (`lifecycle.rules`, e.g. `{ "stage": "lost", "when": { "p_alive": { "lt": 0.1 } } }`)
 * are judged first, in order, for customers with a purchase.
 */
import { MS_PER_DAY, dayOf } from '../parse/parse-timestamp.js';
import type { Categorical } from './categorical.js';
import { type NumericColumns, type Predicate, conditionTests } from './segmenter.js';

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
  // The first rule whose every test passes for customer c, else -1 (no closure per customer).
  const ruleStage = (c: number): number => {
    for (const rule of rules) if (allHold(rule.tests, c)) return rule.stage;
    return -1;
  };
  for (let c = 0; c < orders.length; c++) {
    const r = recency[c]!;
    let stage: number;
    const ruled = orders[c]! < 1 || rules.length === 0 ? -1 : ruleStage(c);
    if (orders[c]! < 1) stage = NONE;
    else if (ruled >= 0) stage = ruled;
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

/** Whether every test holds for customer c: a plain loop, where `every` would make a closure per customer. */
function allHold(tests: readonly Predicate[], c: number): boolean {
  for (let t = 0; t < tests.length; t++) if (!tests[t]!(c)) return false;
  return true;
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

/** A `lost_reasons` rule: a name and `when` conditions, all of which must hold. */
export interface LostReasonRule {
  readonly name: string;
  readonly when: Readonly<Record<string, Readonly<Record<string, number>>>>;
}

/** The code of a customer without a lost reason (not lost): Arrow null, as arrow-columns.ts's NULL_CODE. */
export const NO_REASON = 0xffff;

/** The lost customers' fields of DESIGN "Lost customers". */
export interface LostFields {
  /** Start (UTC midnight, epoch ms) of the day the customer crossed into `lost`; NaN unless lost. */
  readonly lost_at: Float64Array;
  /** `returned_amount / (revenue + returned_amount)`, 0 without purchases. */
  readonly returned_share: Float64Array;
  /** The first matching `lost_reasons` rule, `other` when none; {@link NO_REASON} unless lost. */
  readonly lost_reason: Categorical;
}

/** `returned_amount / (revenue + returned_amount)` of every customer (0 when nothing was bought). */
export function returnedShares(revenue: Float64Array, returnedAmount: Float64Array): Float64Array {
  const out = new Float64Array(revenue.length);
  for (let c = 0; c < revenue.length; c++) {
    const gross = revenue[c]! + returnedAmount[c]!;
    out[c] = gross > 0 ? returnedAmount[c]! / gross : 0;
  }
  return out;
}

/**
 * `lost_at` = `day(last_purchase_at) + lapsed_days + 1` (never after `as_of`'s day: a customer a
 * `lifecycle.rules` condition made lost crossed by today at the latest) and `lost_reason` of
 * every lifecycle-lost customer. `columns` must hold what the reasons test (`returned_share`
 * included).
 */
export function lostFields(
  lifecycle: Categorical,
  lastPurchaseAt: Float64Array,
  asOfDay: number,
  lapsedDays: number,
  reasons: readonly LostReasonRule[],
  columns: NumericColumns,
): Omit<LostFields, 'returned_share'> {
  const n = lifecycle.codes.length;
  const names = [...new Set([...reasons.map((r) => r.name), 'other'])];
  const rules = reasons.map((rule, i) => ({ code: names.indexOf(rule.name), tests: conditionTests(rule.when, columns, `lost_reasons.${i}`) }));
  const other = names.indexOf('other');
  const lostAt = new Float64Array(n).fill(Number.NaN);
  const codes = new Uint16Array(n).fill(NO_REASON);
  const reasonOf = (c: number): number => {
    for (const rule of rules) if (allHold(rule.tests, c)) return rule.code;
    return other;
  };
  for (let c = 0; c < n; c++) {
    if (lifecycle.codes[c] !== LOST) continue;
    lostAt[c] = Math.min(dayOf(lastPurchaseAt[c]!) + lapsedDays + 1, asOfDay) * MS_PER_DAY;
    codes[c] = reasonOf(c);
  }
  return { lost_at: lostAt, lost_reason: { codes, names } };
}

/**
 * One customer's `lost_at` (epoch ms of the day's start) and `lost_reason`, for the live path's
 * single customers; `value` gives a numeric field (NaN when unknown, which fails every condition).
 * The same rules as {@link lostFields}.
 */
export function lostOne(
  lastPurchaseAt: number,
  asOfDay: number,
  lapsedDays: number,
  reasons: readonly LostReasonRule[],
  value: (field: string) => number,
): { lost_at: number; lost_reason: string } {
  const holds = (v: number, cond: Readonly<Record<string, number>>): boolean =>
    (cond['gte'] === undefined || v >= cond['gte']) &&
    (cond['gt'] === undefined || v > cond['gt']) &&
    (cond['lte'] === undefined || v <= cond['lte']) &&
    (cond['lt'] === undefined || v < cond['lt']) &&
    (cond['eq'] === undefined || v === cond['eq']);
  const rule = reasons.find((r) => Object.entries(r.when).every(([field, cond]) => holds(value(field), cond)));
  return { lost_at: Math.min(dayOf(lastPurchaseAt) + lapsedDays + 1, asOfDay) * MS_PER_DAY, lost_reason: rule?.name ?? 'other' };
}
