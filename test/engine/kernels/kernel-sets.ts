/**
 * The rows of every parity table: the TypeScript kernels, and the native ones when the addon
 * loads. A missing addon shows up as skipped tests named for the reason, never as a silent pass;
 * addon-build.test.ts fails outright when cargo is present but the addon did not build.
 */
import { expect } from 'vitest';
import { jsKernels } from '../../../engine/kernels/js-kernels.js';
import type { Kernels } from '../../../engine/kernels/kernels.js';
import { nativeKernelsOrReason } from '../../../engine/kernels/load-kernels.js';

const found = nativeKernelsOrReason();

/** Why the native rows are skipped, or null when the addon loaded. */
export const nativeMissing: string | null = 'reason' in found ? found.reason : null;

/** One row per kernel set; `kernels` is undefined for a native set that did not load. */
export const kernelSets: { name: string; kernels: Kernels | undefined }[] = [
  { name: 'js', kernels: jsKernels },
  { name: nativeMissing === null ? 'native' : `native (SKIPPED: ${nativeMissing})`, kernels: 'kernels' in found ? found.kernels : undefined },
];

/** The bytes of a typed array view, for bitwise comparison. */
export function bytes(a: ArrayBufferView): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** Requires two typed arrays to hold the same bytes; names the first difference (fast on large arrays). */
export function expectSameBytes(got: ArrayBufferView, want: ArrayBufferView, label = 'array'): void {
  const [a, b] = [bytes(got), bytes(want)];
  if (a.length === b.length && Buffer.compare(a, b) === 0) return;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  expect.fail(`${label}: ${a.length} vs ${b.length} bytes, first difference at byte ${i}`);
}
