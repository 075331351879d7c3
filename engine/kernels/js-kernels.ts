/**
 * The TypeScript kernels: the reference implementations every native kernel is checked against.
 */
import { aggregateRows } from '../aggregate/aggregate-rows.js';
import { quantileThresholds } from '../score/quantile-thresholds.js';
import { hashIds, hashUtf8 } from './id-hash.js';
import { JsIdInterner } from './js-interner.js';
import type { Kernels } from './kernels.js';
import { partitionRows } from './partition-rows.js';

/** The TypeScript kernel set. */
export const jsKernels: Kernels = Object.freeze({
  name: 'js' as const,
  aggregateRows,
  createInterner: () => new JsIdInterner(),
  hashIds,
  hashUtf8,
  partitionRows,
  quantileThresholds,
});
