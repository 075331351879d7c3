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

function compileRule(rule: SegmentRuleConfig, k: number, scores: { r: Uint8Array; f: Uint8Array; m: Uint8Array }, columns: NumericColumns): Predicate {
  const b = rule.bins ?? k;
  const scale = (s: number) => (b === k ? s : Math.ceil((s * b) / k));
  const tests: Predicate[] = [];
  for (const key of ['r', 'f', 'm'] as const) {
    const range = rule[key];
    if (!range) continue;
    const [lo, hi] = range;
    const score = scores[key];
    tests.push((c) => {
      const s = scale(score[c]!);
      return s >= lo && s <= hi;
    });
  }
  tests.push(...conditionTests(rule.when ?? {}, columns, rule.name));
  return (c) => tests.every((t) => t(c));
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

/** The segment of every customer. */
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
  const compiled = rules.map((rule) => ({ code: code(rule.name), test: compileRule(rule, bins, scores, columns) }));
  const other = code('other');
  const none = code('no_purchases');
  const codes = new Uint16Array(n);
  for (let c = 0; c < n; c++) {
    if (orders[c]! < 1) {
      codes[c] = none;
      continue;
    }
    codes[c] = other;
    for (const rule of compiled) {
      if (rule.test(c)) {
        codes[c] = rule.code;
        break;
      }
    }
  }
  return { codes, names };
}
