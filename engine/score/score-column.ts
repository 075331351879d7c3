/**
 * A score of every customer by given thresholds (DESIGN "Scores": `1 + #{i : x > t_i}`), for the
 * customers with orders >= 1; the others keep 0. The TypeScript reference searches the thresholds;
 * the addon's twin (native/src/columns.rs) counts them without a branch, on the same doubles.
 */
import { nativeOr } from '../kernels/native-twin.js';
import { scoreOf } from './quantile-thresholds.js';

/** Writes the score of `sign * values[c]` by the ascending `thresholds` to `out[c]` where `orders[c] >= 1`. */
export type ScoreColumn = (values: Float64Array, sign: 1 | -1, orders: Float64Array, thresholds: Float64Array, out: Uint8Array | Uint16Array) => void;

/** The reference. */
export const scoreColumnJs: ScoreColumn = (values, sign, orders, thresholds, out) => {
  for (let c = 0; c < values.length; c++) {
    if (orders[c]! < 1) continue;
    out[c] = scoreOf(sign * values[c]!, thresholds);
  }
};

/** The scoring of an engine: `native` where the addon has it, else the reference. */
export const scoreColumn = nativeOr('scoreColumn', scoreColumnJs);
