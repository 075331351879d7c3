/**
 * Picks the kernel set: `native` (the Rust addon; a NativeError when it is not built), `js` (the
 * TypeScript twins), or `auto` (native when the addon loads, else js, saying so once on stderr).
 * The addon is looked up once per thread; it loads in worker threads too. The notice is written
 * by the main thread only, so a pool of N workers falling back does not say it N more times.
 */
import { isMainThread } from 'node:worker_threads';
import { NativeError } from '../errors.js';
import { jsKernels } from './js-kernels.js';
import type { Kernels } from './kernels.js';
import { sharedBinding } from './native-binding.js';
import { nativeKernels } from './native-kernels.js';

/** Which kernels to run (`--engine`). */
export type KernelMode = 'auto' | 'native' | 'js';

let native: { kernels: Kernels } | { reason: string } | undefined;
let noticed = false;

/** The native kernel set, or why there is none (looked up once). */
export function nativeKernelsOrReason(): { kernels: Kernels } | { reason: string } {
  if (native === undefined) {
    const loaded = sharedBinding();
    native = 'binding' in loaded ? { kernels: nativeKernels(loaded.binding) } : loaded;
  }
  return native;
}

/** Options of `loadKernels`. */
export interface LoadKernelsOptions {
  /** Where `auto` reports falling back to js; default: stderr, once, from the main thread. */
  readonly notice?: (message: string) => void;
}

/** The kernel set for `mode`. */
export function loadKernels(mode: KernelMode = 'auto', options: LoadKernelsOptions = {}): Kernels {
  if (mode === 'js') return jsKernels;
  const found = nativeKernelsOrReason();
  if ('kernels' in found) return found.kernels;
  if (mode === 'native') throw new NativeError(`the native kernels are not available: ${found.reason}`);
  const message = `segstream: native addon not available (${found.reason}); using the TypeScript kernels`;
  if (options.notice) options.notice(message);
  else if (!noticed && isMainThread) {
    noticed = true;
    process.stderr.write(message + '\n');
  }
  return jsKernels;
}

/** What `auto` runs on this machine, without any notice (for `segstream --version`). */
export function activeKernels(): 'js' | 'native' {
  return 'kernels' in nativeKernelsOrReason() ? 'native' : 'js';
}
