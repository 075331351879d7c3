import { describe, expect, it } from 'vitest';
import { DEFAULT_SEGMENTS } from '../../../engine/config/config-schema.js';
import { parseConfig } from '../../../engine/config/load-config.js';
import { nameOf } from '../../../engine/segment/categorical.js';
import { assignSegments } from '../../../engine/segment/segmenter.js';

function cells(k: number) {
  const r: number[] = [];
  const f: number[] = [];
  const m: number[] = [];
  for (let a = 1; a <= k; a++) for (let b = 1; b <= k; b++) for (let c = 1; c <= k; c++) {
    r.push(a);
    f.push(b);
    m.push(c);
  }
  return { r: Uint8Array.from(r), f: Uint8Array.from(f), m: Uint8Array.from(m) };
}

describe('assignSegments', () => {
  it('puts every one of the 125 R/F/M cells in a named default segment, none in other', () => {
    const s = cells(5);
    const seg = assignSegments(125, new Float64Array(125).fill(1), s, DEFAULT_SEGMENTS, 5, {});
    const names = Array.from({ length: 125 }, (_, c) => nameOf(seg, c));
    expect(names).not.toContain('other');
    const at = (r: number, f: number, m: number) => names[(r - 1) * 25 + (f - 1) * 5 + (m - 1)];
    expect(at(5, 5, 5)).toBe('champions');
    expect(at(1, 5, 5)).toBe('cant_lose');
    expect(at(2, 3, 3)).toBe('at_risk');
    expect(at(3, 3, 3)).toBe('loyal');
    expect(at(5, 1, 3)).toBe('new');
    expect(at(4, 1, 5)).toBe('promising');
    expect(at(5, 2, 1)).toBe('potential_loyalist');
    expect(at(3, 2, 1)).toBe('need_attention');
    expect(at(3, 1, 1)).toBe('about_to_sleep');
    expect(at(2, 1, 5)).toBe('hibernating');
    expect(at(1, 1, 1)).toBe('lost');
    // The first matching rule wins: 4-5/4-5/4-5 is also "loyal" and "potential_loyalist".
    expect(at(4, 4, 4)).toBe('champions');
  });

  it('scales the 5-bin default rules to k = 3 by ceil(s * 5 / k)', () => {
    // k = 3 scores 1, 2, 3 read as 2, 4, 5.
    const s = cells(3);
    const seg = assignSegments(27, new Float64Array(27).fill(1), s, DEFAULT_SEGMENTS, 3, {});
    const at = (r: number, f: number, m: number) => nameOf(seg, (r - 1) * 9 + (f - 1) * 3 + (m - 1));
    expect(at(3, 3, 3)).toBe('champions');
    expect(at(2, 2, 2)).toBe('champions');
    expect(at(1, 3, 3)).toBe('cant_lose');
    expect(at(3, 1, 1)).toBe('potential_loyalist');
    expect(at(1, 1, 1)).toBe('hibernating');
  });

  it('applies custom rules with when conditions on any numeric field, and other when none match', () => {
    const config = parseConfig({
      scores: { bins: 5 },
      segments: [
        { name: 'vip', when: { revenue_365d: { gte: 10000 } } },
        { name: 'big_recent', r: [5, 5], when: { aov: { gt: 100, lte: 500 } } },
      ],
    });
    const n = 4;
    const scores = { r: Uint8Array.of(1, 5, 5, 5), f: Uint8Array.of(1, 1, 1, 1), m: Uint8Array.of(1, 1, 1, 1) };
    const columns = { revenue_365d: Float64Array.of(20000, 50, 50, 50), aov: Float64Array.of(1, 200, 600, Number.NaN) };
    const seg = assignSegments(n, Float64Array.of(1, 1, 1, 1), scores, config.segments, 5, columns);
    expect([0, 1, 2, 3].map((c) => nameOf(seg, c))).toEqual(['vip', 'big_recent', 'other', 'other']);
  });

  it('names customers without a purchase no_purchases whatever the rules say', () => {
    const seg = assignSegments(2, Float64Array.of(0, 1), { r: Uint8Array.of(0, 5), f: Uint8Array.of(0, 5), m: Uint8Array.of(0, 5) }, DEFAULT_SEGMENTS, 5, {});
    expect([nameOf(seg, 0), nameOf(seg, 1)]).toEqual(['no_purchases', 'champions']);
  });
});

describe('assignSegments on a large base', () => {
  /** DESIGN's rule, customer by customer: the first rule whose (scaled) ranges and conditions all hold. */
  function reference(c: number, s: { r: Uint8Array; f: Uint8Array; m: Uint8Array }, rules: typeof DEFAULT_SEGMENTS, k: number, cols: Record<string, Float64Array>): string {
    for (const rule of rules) {
      const b = rule.bins ?? k;
      const scaled = (v: number) => (b === k ? v : Math.ceil((v * b) / k));
      const ok = (['r', 'f', 'm'] as const).every((key) => !rule[key] || (scaled(s[key][c]!) >= rule[key]![0] && scaled(s[key][c]!) <= rule[key]![1]));
      const when = Object.entries(rule.when ?? {}).every(([field, cond]) => {
        const v = cols[field]![c]!;
        return (cond.gte === undefined || v >= cond.gte) && (cond.lt === undefined || v < cond.lt);
      });
      if (ok && when) return rule.name;
    }
    return 'other';
  }

  it('names the same segment by the per-cell table as rule by rule, with when conditions, bins scaling and odd scores', () => {
    const k = 5;
    const n = 20_000;
    let seed = 7;
    const next = () => {
      seed = (seed * 48271) % 2147483647;
      return seed / 2147483647;
    };
    const s = { r: new Uint8Array(n), f: new Uint8Array(n), m: new Uint8Array(n) };
    const orders = new Float64Array(n);
    const revenue = new Float64Array(n);
    for (let c = 0; c < n; c++) {
      s.r[c] = 1 + Math.floor(next() * k);
      s.f[c] = 1 + Math.floor(next() * k);
      s.m[c] = 1 + Math.floor(next() * k);
      orders[c] = next() < 0.05 ? 0 : 1 + Math.floor(next() * 9);
      revenue[c] = next() < 0.1 ? Number.NaN : next() * 20_000;
    }
    s.r[3] = 0; // a score outside 1..k (not from applyRfm) still follows the rules
    orders[3] = 2;
    const rules = [
      { name: 'vip', r: [4, 5] as [number, number], when: { revenue: { gte: 15_000 } } },
      { name: 'coarse_top', bins: 3, f: [3, 3] as [number, number], m: [3, 3] as [number, number] },
      { name: 'rich_and_gone', r: [1, 1] as [number, number], when: { revenue: { gte: 10_000 } } },
      ...DEFAULT_SEGMENTS.filter((rule) => rule.name !== 'lost'),
    ];
    const cols = { revenue };
    const seg = assignSegments(n, orders, s, rules, k, cols);
    const seen = new Set<string>();
    for (let c = 0; c < n; c++) {
      const want = orders[c]! < 1 ? 'no_purchases' : reference(c, s, rules, k, cols);
      expect(nameOf(seg, c)).toBe(want);
      seen.add(want);
    }
    for (const name of ['vip', 'coarse_top', 'rich_and_gone', 'loyal', 'other', 'no_purchases']) expect(seen).toContain(name);
  });
});
