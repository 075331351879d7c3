/**
 * Spend groups before and after (DESIGN "Campaigns", the seeds' test of a mini-program): each
 * member's spend band in `P` and in `C` on weekly spend in the window (`spend * 7 / days`), with
 * the configured money edges or, for quantile bands, the thresholds over the customers of
 * `T ∪ K` active in `P` (the score rule), the same thresholds for both windows; band 0 = no
 * order in the window. Per group: the band-to-band matrix (rows `P`, columns `C`) and the
 * shares that moved up, stayed and moved down.
 */
import { MONEY_SCALE } from '../aggregate/money.js';
import { bandOfEdges, quantileThresholds, scoreOf } from '../score/quantile-thresholds.js';
import { WINDOW_C, WINDOW_P, type WindowTotals } from './window-totals.js';

/** How bands are cut: money edges, or this many quantile bands. */
export interface BandRule {
  readonly quantiles: number;
  readonly edges?: readonly number[] | undefined;
}

/** A group's moves between bands. */
export interface BandMoves {
  /** `matrix[p][c]`: members in band p in `P` and band c in `C` (band 0 = no order). */
  readonly matrix: number[][];
  readonly up: number;
  readonly same: number;
  readonly down: number;
}

/** The whole `spend_bands` block of a campaign result. */
export interface CampaignBands {
  readonly bands: number;
  /** Weekly spend in the window, what the bands cut. */
  readonly by: 'weekly_spend';
  /** The quantile thresholds over T ∪ K active in P, or the configured edges. */
  readonly thresholds_P: number[];
  readonly edges: boolean;
  readonly labels: number[];
  readonly participants: BandMoves;
  readonly control: BandMoves;
  readonly t_minus_k: { readonly up: number; readonly same: number; readonly down: number };
}

function weekly(totals: WindowTotals, w: number, c: number, days: number): number {
  return (totals.spend[w]![c]! * 7) / days / MONEY_SCALE;
}

function moves(members: Int32Array, bandOf: (c: number, w: number) => number, bands: number): BandMoves {
  const matrix = Array.from({ length: bands + 1 }, () => new Array<number>(bands + 1).fill(0));
  let up = 0;
  let down = 0;
  for (const c of members) {
    const p = c < 0 ? 0 : bandOf(c, WINDOW_P);
    const k = c < 0 ? 0 : bandOf(c, WINDOW_C);
    matrix[p]![k]!++;
    if (k > p) up++;
    else if (k < p) down++;
  }
  const n = members.length;
  return { matrix, up: up / n, same: (n - up - down) / n, down: down / n };
}

/** The band moves of participants `t` and control `k`. */
export function campaignBands(t: Int32Array, k: Int32Array, totals: WindowTotals, days: { P: number; C: number }, rule: BandRule): CampaignBands {
  const edges = rule.edges ? [...rule.edges] : null;
  let thresholds: Float64Array = new Float64Array(0);
  if (!edges) {
    const activeP: number[] = [];
    for (const group of [t, k]) for (const c of group) if (c >= 0 && totals.orders[WINDOW_P][c]! >= 1) activeP.push(weekly(totals, WINDOW_P, c, days.P));
    thresholds = quantileThresholds(Float64Array.from(activeP), rule.quantiles);
  }
  const bands = edges ? edges.length + 1 : rule.quantiles;
  const bandOf = (c: number, w: number): number => {
    if (totals.orders[w]![c]! < 1) return 0;
    const x = weekly(totals, w, c, w === WINDOW_P ? days.P : days.C);
    // Nobody active in P: no thresholds, and every customer active in C is in band 1.
    return edges ? bandOfEdges(x, edges) : scoreOf(x, thresholds);
  };
  const participants = moves(t, bandOf, bands);
  const control = moves(k, bandOf, bands);
  return {
    bands,
    by: 'weekly_spend',
    thresholds_P: edges ?? [...thresholds],
    edges: edges !== null,
    labels: Array.from({ length: bands + 1 }, (_, b) => b),
    participants,
    control,
    t_minus_k: { up: participants.up - control.up, same: participants.same - control.same, down: participants.down - control.down },
  };
}
