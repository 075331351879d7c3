/**
 * The Rust kernels behind the `Kernels` interface. Every call goes through `guard`, so a native
 * failure always surfaces as a NativeError (native-errors.ts), never as a raw addon error.
 */
import type { CustomerKey } from '../parse/parse-values.js';
import type { IdColumn, IdInterner, Kernels } from './kernels.js';
import type { InternerHandle, NativeBinding } from './native-binding.js';
import { guardNative } from './native-errors.js';
import { sinkKernels } from './native-sink.js';
import { utf8OfKeys } from './utf8-keys.js';

/** An IdInterner whose table lives in the addon (freed when this object is collected). */
class NativeIdInterner implements IdInterner {
  private readonly handle: InternerHandle;

  constructor(private readonly b: NativeBinding) {
    this.handle = guardNative('internerCreate', () => b.internerCreate());
  }

  get size(): number {
    return guardNative('internerSize', () => this.b.internerSize(this.handle));
  }

  internIds(ids: IdColumn, out: Int32Array): void {
    guardNative('internIds', () => this.b.internerInternIds(this.handle, ids, out));
  }

  internUtf8(bytes: Uint8Array, offsets: Int32Array, out: Int32Array): void {
    guardNative('internUtf8', () => this.b.internerInternUtf8(this.handle, bytes, offsets, out));
  }

  internDict(bytes: Uint8Array, offsets: Int32Array, indices: Int32Array, mapping: Int32Array, out: Int32Array): void {
    guardNative('internDict', () => this.b.internerInternDict(this.handle, bytes, offsets, indices, mapping, out));
  }

  /** Parsed keys go over as one Utf8 column (utf8-keys.ts). */
  internKeys(keys: readonly CustomerKey[], out: Int32Array): void {
    const { bytes, offsets } = utf8OfKeys(keys);
    this.internUtf8(bytes, offsets, out);
  }

  keys(from = 0, to = this.size): CustomerKey[] {
    const size = this.size;
    const lo = Math.min(Math.max(0, from), size);
    return guardNative('internerKeys', () => this.b.internerKeys(this.handle, lo, Math.min(Math.max(lo, to), size)));
  }
}

/** The kernel set of a loaded addon. */
export function nativeKernels(b: NativeBinding): Kernels {
  return Object.freeze({
    name: 'native' as const,
    createInterner: () => new NativeIdInterner(b),
    sinks: sinkKernels(b),
    quantileThresholds: (values: Float64Array, k: number) =>
      guardNative('quantileThresholds', () => {
        const out = new Float64Array(values.length === 0 ? 0 : k - 1);
        if (values.length > 0) b.quantileThresholds(values, k, out);
        return out;
      }),
  });
}
