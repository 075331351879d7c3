/**
 * The two kinds of kernel table (STYLE 5: every native kernel has a TypeScript twin).
 *
 * - Behaviour tables (`kernelSets`): known answers and invariants, run on the TypeScript kernels
 *   and on the native ones. Each row can fail on its own.
 * - Parity blocks (`parity`): the native kernels against the TypeScript reference `jsKernels`,
 *   bit for bit. Only native is compared: a js-vs-js row would compare a kernel with itself and
 *   could never fail.
 *
 * A missing addon shows up as skipped tests whose names say why, never as a silent pass;
 * addon-build.test.ts fails outright when cargo is present but the addon did not build.
 */
import { describe, expect, it } from 'vitest';
import { jsKernels } from '../../../engine/kernels/js-kernels.js';
import type { Kernels } from '../../../engine/kernels/kernels.js';
import { nativeKernelsOrReason } from '../../../engine/kernels/load-kernels.js';

const found = nativeKernelsOrReason();

/** Why the native rows are skipped, or null when the addon loaded. */
export const nativeMissing: string | null = 'reason' in found ? found.reason : null;

/** The native kernels, or undefined when the addon does not load. */
export const nativeKernels: Kernels | undefined = 'kernels' in found ? found.kernels : undefined;

/** Rows of a behaviour table; `kernels` is undefined for a native set that did not load. */
export const kernelSets: { name: string; kernels: Kernels | undefined }[] = [
  { name: 'js', kernels: jsKernels },
  { name: nativeMissing === null ? 'native' : `native (SKIPPED: ${nativeMissing})`, kernels: nativeKernels },
];

/**
 * A parity block: `body` gets the native kernels and compares them with `jsKernels`. Without the
 * addon the block is skipped and its title says why.
 */
export function parity(what: string, body: (native: Kernels) => void): void {
  const title = `${what}: native kernels against the TypeScript reference`;
  // Skipped, the body only registers its tests (named in the report), none of which runs.
  if (nativeKernels === undefined) describe.skip(`${title} (SKIPPED: ${nativeMissing})`, () => body(jsKernels));
  else describe(title, () => body(nativeKernels as Kernels));
}

/** A test of the addon: without it, skipped under a name that says why. */
export function itNative(name: string, body: () => void | Promise<void>, timeoutMs?: number): void {
  if (nativeMissing === null) it(name, body, timeoutMs);
  else it.skip(`${name} (SKIPPED: ${nativeMissing})`, body, timeoutMs);
}

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
