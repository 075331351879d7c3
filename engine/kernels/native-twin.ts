/**
 * A kernel that the addon may have as an optional export beside its TypeScript reference (STYLE 5):
 * `nativeOr` gives each engine its function, the addon's twin where the engine is native and the
 * build has it (what it throws becomes a NativeError, native-errors.ts), else the reference.
 */
import type { Kernels } from './kernels.js';
import { type NativeBinding, nativeBinding } from './native-binding.js';
import { guardNative } from './native-errors.js';

/** The exports a build before them lacks. */
type OptionalExport = { [K in keyof NativeBinding]-?: undefined extends NativeBinding[K] ? K : never }[keyof NativeBinding];

type Export<K extends OptionalExport> = NonNullable<NativeBinding[K]>;

/**
 * The choice between the addon's `name` and `reference` by engine. `adapt` fits the export to the
 * reference's signature; it is left out where the export already has it. The addon is looked up
 * at the first native call and its answer kept.
 */
export function nativeOr<K extends OptionalExport, F>(
  name: K,
  reference: F,
  ...adapt: Export<K> extends F ? [] : [adapt: (native: Export<K>) => F]
): (engine: Kernels['name']) => F {
  let native: F | null | undefined;
  return (engine) => {
    if (engine === 'js') return reference;
    if (native === undefined) {
      const b = nativeBinding();
      const f = b?.[name] as ((...args: unknown[]) => unknown) | undefined;
      const guarded = f && ((...args: unknown[]) => guardNative(name, () => Reflect.apply(f, b, args)));
      native = guarded === undefined ? null : adapt[0] ? adapt[0](guarded as Export<K>) : (guarded as F);
    }
    return native ?? reference;
  };
}
