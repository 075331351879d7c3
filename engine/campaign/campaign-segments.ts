/**
 * Segments before and after (DESIGN "Campaigns"): each member's RFM segment as of the end of
 * `start - 1 day` and as of the end of `end`, each scored on its own date's thresholds over the
 * whole base of that date (engine/score, engine/segment: the rescore's own rules). A member
 * with no row by a date is `(absent)` there. Per group, the matrix from segment before (rows)
 * to segment after (columns), labels in the rules' order.
 */
import { Aggregator } from '../aggregate/aggregator.js';
import { finalize } from '../aggregate/finalize.js';
import type { Config } from '../config/config-schema.js';
import type { TxBatch } from '../parse/parse-batch.js';
import { ABSENT } from '../report/migration.js';
import { scoreRfm } from '../score/rfm-scorer.js';
import { assignSegments } from '../segment/segmenter.js';

/** One group's segment matrix. */
export interface SegmentMoves {
  readonly labels: string[];
  /** `matrix[i][j]`: members in labels[i] before and labels[j] after. */
  readonly matrix: number[][];
}

/** The segment of every customer of the base at one instant. */
class SegmentsAt {
  private readonly agg: Aggregator;

  constructor(readonly asOfMs: number) {
    // Rows after the instant are left out (the aggregator counts them as future rows).
    this.agg = new Aggregator(asOfMs);
  }

  add(batch: TxBatch): void {
    this.agg.add(batch);
  }

  /** Customer id → segment name, for the ids asked for. */
  segmentsOf(ids: Iterable<string>, config: Config): Map<string, string> {
    const table = finalize(this.agg, this.asOfMs);
    const rfm = scoreRfm(table, config.scores.bins);
    // No models run here: a rule on a prediction (p_alive, ...) sees null and does not match, as on the live path.
    const nulls = new Float64Array(table.size).fill(Number.NaN);
    const columns = { ...table.fields, r_score: rfm.r, f_score: rfm.f, m_score: rfm.m, p_alive: nulls, expected_purchases_90d: nulls, expected_aov: nulls, clv_365d: nulls };
    const seg = assignSegments(table.size, table.fields.orders, rfm, config.segments, config.scores.bins, columns);
    const row = new Map<string, number>();
    for (let c = 0; c < table.size; c++) row.set(table.customerId[c]!, c);
    const out = new Map<string, string>();
    for (const id of ids) {
      const c = row.get(id);
      out.set(id, c === undefined ? ABSENT : seg.names[seg.codes[c]!]!);
    }
    return out;
  }
}

/** Segments of the base as of the end of the day before the campaign and the end of its last day. */
export class CampaignSegments {
  private readonly before: SegmentsAt;
  private readonly after: SegmentsAt;

  constructor(beforeMs: number, afterMs: number) {
    this.before = new SegmentsAt(beforeMs);
    this.after = new SegmentsAt(afterMs);
  }

  add(batch: TxBatch): void {
    this.before.add(batch);
    this.after.add(batch);
  }

  /** The matrices of both groups, on the labels either group uses, in the rules' order. */
  moves(groups: { participants: readonly string[]; control: readonly string[] }, config: Config): { participants: SegmentMoves; control: SegmentMoves } {
    const all = [...groups.participants, ...groups.control];
    const before = this.before.segmentsOf(all, config);
    const after = this.after.segmentsOf(all, config);
    const order = [...new Set([...config.segments.map((r) => r.name), 'other', 'no_purchases', ABSENT])];
    const used = new Set([...before.values(), ...after.values()]);
    const labels = order.filter((l) => used.has(l));
    const at = new Map(labels.map((l, i) => [l, i]));
    const matrixOf = (ids: readonly string[]): SegmentMoves => {
      const matrix = labels.map(() => new Array<number>(labels.length).fill(0));
      for (const id of ids) matrix[at.get(before.get(id)!)!]![at.get(after.get(id)!)!]!++;
      return { labels, matrix };
    };
    return { participants: matrixOf(groups.participants), control: matrixOf(groups.control) };
  }
}
