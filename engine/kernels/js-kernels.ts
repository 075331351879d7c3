/**
 * The TypeScript kernels: the reference implementations every native kernel is checked against.
 */
import { quantileThresholds } from '../score/quantile-thresholds.js';
import { JsIdInterner } from './js-interner.js';
import type { Kernels } from './kernels.js';

/** The TypeScript kernel set. */
export const jsKernels: Kernels = Object.freeze({
  name: 'js' as const,
  createInterner: () => new JsIdInterner(),
  sinks: null,
  quantileThresholds,
});
