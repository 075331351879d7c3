/**
 * The one place where failures of the Rust addon become segstream errors. The addon throws JS
 * errors whose `code` is one of `ERR_NATIVE_*` (native/src/napi.rs `KernelError::code`); callers
 * only ever see `NativeError` (`SEG_ERR_NATIVE`) with the raw error as `cause`.
 */
import { NativeError, SegError } from '../errors.js';

/** What each addon code means, for the message. */
const REASONS: Readonly<Record<string, string>> = {
  ERR_NATIVE_ARGUMENT: 'bad argument',
  ERR_NATIVE_RANGE: 'index out of range',
  ERR_NATIVE_NAPI: 'Node-API call failed',
  ERR_NATIVE_PANIC: 'internal panic',
};

/** Maps anything the addon threw while running `kernel` to a SegError. */
export function mapNativeError(err: unknown, kernel: string): SegError {
  if (err instanceof SegError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  const reason = (typeof code === 'string' ? REASONS[code] : undefined) ?? 'failed';
  const detail = err instanceof Error ? err.message : String(err);
  return new NativeError(`native kernel ${kernel}: ${reason}: ${detail}`, { cause: err });
}

/** Runs an addon call; whatever it throws becomes a coded error by {@link mapNativeError}. */
export function guardNative<R>(kernel: string, run: () => R): R {
  try {
    return run();
  } catch (err) {
    throw mapNativeError(err, kernel);
  }
}
