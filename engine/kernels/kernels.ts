/**
 * The kernels the engine runs on its hot paths, behind one interface with two implementations:
 * the TypeScript twins (js-kernels.ts, the reference) and the Rust addon (native-kernels.ts).
 * Both produce bit-identical results on the same inputs; test/engine/kernels checks it.
 * Outputs go into caller-allocated typed arrays, so the native side never copies or allocates.
 */
import type { IdInterner } from './id-interner.js';
import type { SinkKernels } from './native-sink.js';

export { BAD_ID, JUDGE_ONLY, MISSING_ID, UNSEEN_ENTRY } from './id-interner.js';
export type { IdColumn, IdInterner } from './id-interner.js';

/** The kernel set; `name` says which implementation runs. */
export interface Kernels {
  /** Which implementation this is. */
  readonly name: 'js' | 'native';
  /** A new, empty id interner. */
  createInterner(): IdInterner;
  /**
   * The native partial state (native-sink.ts): an Aggregator of this set interns and logs rows
   * in a sink instead of an AggregateState. Null for the TypeScript set (the reference).
   */
  readonly sinks: SinkKernels | null;
  /** The k-1 score thresholds t_i = v[floor(i*n/k)] of the ascending values (quantile-thresholds.ts). */
  quantileThresholds(values: Float64Array, k: number): Float64Array;
}
