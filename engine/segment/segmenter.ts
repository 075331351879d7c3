/**
 * Segments by an ordered rule list: the first rule that matches names the customer's segment,
 * `other` when none does, `no_purchases` for customers with orders = 0 (DESIGN "Segments").
 * A rule written for b bins reads a score s of a k-bin run as ceil(s * b / k).
 */
import type { SegmentRuleConfig } from '../config/config-schema.js';
import type { Categorical } from './categorical.js';

/** Any numeric per-customer column a `when` condition may name. */
export type NumericColumns = Readonly<Record<string, ArrayLike<number>>>;

/** A rule turned into a predicate over customer numbers. */
export type Predicate = (c: number) => boolean;

/** One `when` condition: bounds on a numeric field. */
type Condition = { gte?: number; gt?: number; lte?: number; lt?: number; eq?: number };

/** A rule's score ranges as one test of (r, f, m); a rule written for b bins reads s of k as ceil(s * b / k). */
function scoreMatcher(rule: SegmentRuleConfig, k: number): (r: number, f: number, m: number) => boolean {
  const b = rule.bins ?? k;
  const scale = (s: number) => (b === k ? s : Math.ceil((s * b) / k));
  const inRange = (range: readonly [number, number] | undefined, s: number) => range === undefined || (scale(s) >= range[0] && scale(s) <= range[1]);
  return (r, f, m) => inRange(rule.r, r) && inRange(rule.f, f) && inRange(rule.m, m);
}

/** `when` conditions on numeric fields (all must hold), as predicates; also used by lifecycle rules. */
export function conditionTests(when: Readonly<Record<string, Condition>>, columns: NumericColumns, owner: string): Predicate[] {
  const tests: Predicate[] = [];
  for (const [field, cond] of Object.entries(when)) {
    const col = columns[field];
    if (!col) throw new Error(`rule ${owner}: no column ${field}`);
    // NaN (null) fails every comparison, so a customer without the value never matches.
    if (cond.gte !== undefined) { const v = cond.gte; tests.push((c) => col[c]! >= v); }
    if (cond.gt !== undefined) { const v = cond.gt; tests.push((c) => col[c]! > v); }
    if (cond.lte !== undefined) { const v = cond.lte; tests.push((c) => col[c]! <= v); }
    if (cond.lt !== undefined) { const v = cond.lt; tests.push((c) => col[c]! < v); }
    if (cond.eq !== undefined) { const v = cond.eq; tests.push((c) => col[c]! === v); }
  }
  return tests;
}

/** Cells of the (r, f, m) table beyond which rules are tested customer by customer. */
const MAX_CELLS = 1 << 16;

/**
 * The segment of every customer. A rule's score ranges depend on the customer's (r, f, m) cell
 * alone, so they are judged once per cell: a cell whose first matching rule has no `when`
 * conditions names its segment outright (the default rules: every cell), the others test those
 * conditions over the cell's matching rules only, in rule order.
 */
export function assignSegments(
  n: number,
  orders: ArrayLike<number>,
  scores: { r: Uint8Array; f: Uint8Array; m: Uint8Array },
  rules: readonly SegmentRuleConfig[],
  bins: number,
  columns: NumericColumns,
): Categorical {
  const names = [...new Set([...rules.map((r) => r.name), 'other', 'no_purchases'])];
  const code = (name: string) => names.indexOf(name);
  const compiled = rules.map((rule) => ({ code: code(rule.name), scored: scoreMatcher(rule, bins), conditions: conditionTests(rule.when ?? {}, columns, rule.name) }));
  const other = code('other');
  const none = code('no_purchases');
  const k = bins;
  const cells = k * k * k;
  const tabled = cells <= MAX_CELLS && n > cells;
  // Per cell: the segment code, or -1 when conditions decide among `candidates[cell]`.
  const fixed = new Int32Array(tabled ? cells : 0);
  const candidates: (typeof compiled)[] = [];
  if (tabled) {
    for (let cell = 0; cell < cells; cell++) {
      const [r, f, m] = [Math.floor(cell / (k * k)) + 1, (Math.floor(cell / k) % k) + 1, (cell % k) + 1];
      const matching = compiled.filter((rule) => rule.scored(r, f, m));
      candidates.push(matching);
      const first = matching[0];
      fixed[cell] = first === undefined ? other : first.conditions.length === 0 ? first.code : -1;
    }
  }
  const firstMatch = (c: number, list: typeof compiled, scoresHold: boolean): number => {
    for (const rule of list) {
      if (!scoresHold && !rule.scored(scores.r[c]!, scores.f[c]!, scores.m[c]!)) continue;
      let holds = true;
      // A loop, not `every`: no closure per customer.
      for (let t = 0; t < rule.conditions.length && holds; t++) holds = rule.conditions[t]!(c);
      if (holds) return rule.code;
    }
    return other;
  };
  const codes = new Uint16Array(n);
  for (let c = 0; c < n; c++) {
    if (orders[c]! < 1) {
      codes[c] = none;
      continue;
    }
    const r = scores.r[c]!;
    const f = scores.f[c]!;
    const m = scores.m[c]!;
    if (tabled && r >= 1 && r <= k && f >= 1 && f <= k && m >= 1 && m <= k) {
      const cell = ((r - 1) * k + (f - 1)) * k + (m - 1);
      const fixedCode = fixed[cell]!;
      codes[c] = fixedCode >= 0 ? fixedCode : firstMatch(c, candidates[cell]!, true);
    } else codes[c] = firstMatch(c, compiled, false);
  }
  return { codes, names };
}
