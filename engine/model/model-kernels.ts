/**
 * The models' hot loops — the likelihood and gradient sums the optimiser asks for at every step —
 * behind one interface with two implementations: the TypeScript reference (one thread) and the
 * Rust addon (native/src/model/, shards summed on every core).
 *
 * Both sum in the same fixed shards of {@link SHARD_ROWS} rows, each shard from zero, and add the
 * shard sums in shard order. So a result depends on the data alone, never on how many threads
 * summed the shards, and a fit is deterministic for a given input on any machine; the two
 * implementations differ only by the last-bit rounding of their `log`/`exp`.
 *
 *   rows:   [0 ……… 8191][8192 ……… 16383][16384 … n)
 *   shards:   s0             s1              s2        (any thread, any order)
 *   total:  ((0 + s0) + s1) + s2                       (always this order)
 */
import { type GammaGammaData, type GammaGammaParams, gammaGammaRangeSums } from './gamma-gamma-likelihood.js';
import { bgnbdRangeSums } from './bgnbd-likelihood.js';
import type { PackedGrouper, RfmGroups } from './rfm-groups.js';
import { type NativeBinding, nativeBinding } from '../kernels/native-binding.js';
import { guardNative } from '../kernels/native-errors.js';

/** Rows (groups or customers) per shard: big enough that a shard outweighs its scheduling. */
export const SHARD_ROWS = 8192;

/** The sums of one likelihood evaluation; `out` gets the log-likelihood, then its raw derivatives. */
export interface ModelKernels {
  /** Which implementation this is. */
  readonly name: 'js' | 'native';
  /** BG/NBD over every group: `out[0 … 5)` as bgnbd-likelihood.ts `bgnbdRangeSums`. */
  bgnbdSums(params: Float64Array, data: RfmGroups, table: Float64Array, dayLogs: Float64Array, withGrad: boolean, out: Float64Array): void;
  /** Gamma-Gamma over every customer: `out[0 … 4)` as gamma-gamma.ts `gammaGammaRangeSums`. */
  gammaGammaSums(params: Float64Array, data: GammaGammaData, table: Float64Array, withGrad: boolean, out: Float64Array): void;
  /** rfm-groups.ts's radix grouping, where it runs faster than the TypeScript sort; absent: that sort. */
  readonly groupPacked?: PackedGrouper;
  /** fit-models.ts's loop over customers after the groups' predictions, where it runs faster; absent: that loop. */
  readonly predictCustomers?: CustomerPredictor;
}

/** The four prediction columns, one value per customer; NaN = null. */
export interface PredictionColumns {
  p_alive: Float64Array;
  expected_purchases_90d: Float64Array;
  expected_aov: Float64Array;
  clv_365d: Float64Array;
}

/**
 * Each customer's predictions: its group's P(alive) and expected purchases from `perGroup[3k …
 * 3k+3)` (k = `groupOf[i]`, < 0: every column NaN), its expected order value from `gg` (gamma-gamma.ts
 * `gammaGammaExpectedAov` of x and the mean repeat value) and the CLV, that value times the
 * group's discounted purchases; a model not `ok` leaves its columns NaN.
 */
export type CustomerPredictor = (
  groupOf: Int32Array, perGroup: Float64Array, x: Float64Array, meanRepeatValue: Float64Array,
  gg: GammaGammaParams, bgOk: boolean, ggOk: boolean, columns: PredictionColumns,
) => void;

/** Sums `width` values per shard with `range` and adds the shards up in order into `out`. */
function shardedSums(count: number, width: number, out: Float64Array, range: (from: number, to: number, part: Float64Array) => void): void {
  const part = new Float64Array(width);
  out.fill(0, 0, width);
  for (let from = 0; from < count; from += SHARD_ROWS) {
    range(from, Math.min(count, from + SHARD_ROWS), part);
    for (let k = 0; k < width; k++) out[k] = (out[k] as number) + (part[k] as number);
  }
}

/** The TypeScript reference: the shards one after the other on this thread. */
export const jsModelKernels: ModelKernels = {
  name: 'js',
  bgnbdSums(params, data, table, dayLogs, withGrad, out) {
    shardedSums(data.count, 5, out, (from, to, part) => bgnbdRangeSums(params, data, table, dayLogs, from, to, withGrad, part, 0));
  },
  gammaGammaSums(params, data, table, withGrad, out) {
    shardedSums(data.count, 4, out, (from, to, part) => gammaGammaRangeSums(params, data, table, from, to, withGrad, part, 0));
  },
};

/**
 * The Rust kernels over a loaded addon, on `threads` threads (0: one per core, as many as the
 * base repays: native/src/model/shards.rs); null when the addon was built without them.
 */
export function nativeModelKernels(binding: NativeBinding, threads = 0): ModelKernels | null {
  const { bgnbdSums, gammaGammaSums, groupRfm, bgnbdPredictCustomers } = binding;
  if (bgnbdSums === undefined || gammaGammaSums === undefined) return null;
  return {
    name: 'native',
    ...(groupRfm !== undefined
      ? {
          groupPacked: (x: Float64Array, tx: Float64Array, T: Float64Array, groupOf: Int32Array, dayBits: number, out: Parameters<PackedGrouper>[5]) =>
            guardNative('groupRfm', () => groupRfm(x, tx, T, groupOf, dayBits, out.x, out.tx, out.T, out.weight)),
        }
      : {}),
    ...(bgnbdPredictCustomers !== undefined
      ? {
          predictCustomers: (groupOf: Int32Array, perGroup: Float64Array, x: Float64Array, meanRepeatValue: Float64Array, gg: GammaGammaParams, bgOk: boolean, ggOk: boolean, c: PredictionColumns) => {
            const models = (bgOk ? 1 : 0) | (ggOk ? 2 : 0);
            const p = Float64Array.of(gg.p, gg.q, gg.v);
            guardNative('bgnbdPredictCustomers', () => bgnbdPredictCustomers(groupOf, perGroup, x, meanRepeatValue, p, models, threads, c.p_alive, c.expected_purchases_90d, c.expected_aov, c.clv_365d));
          },
        }
      : {}),
    bgnbdSums(params, data, table, dayLogs, withGrad, out) {
      guardNative('bgnbdSums', () => bgnbdSums(params, data.x, data.tx, data.T, data.weight, data.xIndex, table, dayLogs, withGrad ? 1 : 0, SHARD_ROWS, threads, out));
    },
    gammaGammaSums(params, data, table, withGrad, out) {
      guardNative('gammaGammaSums', () => gammaGammaSums(params, data.x, data.mx, data.logMx, data.xIndex, table, withGrad ? 1 : 0, SHARD_ROWS, threads, out));
    },
  };
}

let native: ModelKernels | null | undefined;

/**
 * The model kernels of an engine (`rescore --engine`): `native` when the addon loads with them,
 * else the TypeScript reference (the aggregation kernels' loader has already said why, once).
 */
export function modelKernels(engine: 'js' | 'native'): ModelKernels {
  if (engine === 'js') return jsModelKernels;
  if (native === undefined) {
    const b = nativeBinding();
    native = b === null ? null : nativeModelKernels(b);
  }
  return native ?? jsModelKernels;
}
