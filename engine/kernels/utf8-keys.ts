/**
 * Customer keys (or order ids) as an Arrow-style Utf8 column, the form the addon's interners read
 * them in: a number goes over as its decimal text, which the addon reads back as that integer.
 */
import type { CustomerKey } from '../parse/parse-values.js';

const encoder = new TextEncoder();

/** Rows `0..n` of `keys` for which `take(i)` holds (every row by default; the others empty). */
export function utf8OfKeys(keys: readonly CustomerKey[], n = keys.length, take?: (i: number) => boolean): { bytes: Uint8Array; offsets: Int32Array } {
  const offsets = new Int32Array(n + 1);
  let bytes = new Uint8Array(Math.max(64, n * 12));
  let at = 0;
  for (let i = 0; i < n; i++) {
    if (take === undefined || take(i)) {
      const text = String(keys[i]!);
      // A UTF-16 unit takes at most 3 UTF-8 bytes.
      if (at + text.length * 3 > bytes.length) {
        const next = new Uint8Array(Math.max(bytes.length * 2, at + text.length * 3));
        next.set(bytes.subarray(0, at));
        bytes = next;
      }
      at += encoder.encodeInto(text, bytes.subarray(at)).written;
    }
    offsets[i + 1] = at;
  }
  return { bytes: bytes.subarray(0, at), offsets };
}
