/**
 * The TypeScript twin of the native id interner (native/src/interner.rs): columns of ids judged
 * by the canonical-key rules of parse-values.ts and numbered by an IdIndex, as masked interns
 * (kernels.ts `JUDGE_ONLY`).
 */
import { IdIndex } from '../aggregate/id-index.js';
import { type CustomerKey, type KeyResult, customerKeyFromText, customerKeyFromValue } from '../parse/parse-values.js';
import { BAD_ID, type IdColumn, type IdInterner, JUDGE_ONLY, MISSING_ID, UNSEEN_ENTRY } from './kernels.js';

const decoder = new TextDecoder();

/** An IdInterner over a JS Map. */
export class JsIdInterner implements IdInterner {
  readonly index = new IdIndex();

  /** Number of customers interned. */
  get size(): number {
    return this.index.size;
  }

  /** The verdict on a parsed key for a row whose mask is `mask`. */
  private verdict(key: KeyResult, mask: number): number {
    if (key === undefined) return MISSING_ID;
    if (key === null) return BAD_ID;
    return mask >= 0 ? this.index.intern(key) : JUDGE_ONLY;
  }

  internIds(ids: IdColumn, out: Int32Array): void {
    for (let i = 0; i < ids.length; i++) {
      const mask = out[i]!;
      if (mask < JUDGE_ONLY) continue;
      const v = ids[i]!;
      // `v + 0` turns -0 into 0, the key customerKeyFromValue gives too.
      out[i] = this.verdict(typeof v === 'bigint' ? customerKeyFromValue(v) : customerKeyFromValue(v + 0), mask);
    }
  }

  internUtf8(bytes: Uint8Array, offsets: Int32Array, out: Int32Array): void {
    const n = offsets.length - 1;
    // An ASCII column (the common case) is decoded once and sliced: a TextDecoder call per row
    // cost more than the Map.
    const ascii = n > 0 ? asciiText(bytes, offsets[0]!, offsets[n]!) : null;
    for (let i = 0; i < n; i++) {
      const mask = out[i]!;
      if (mask < JUDGE_ONLY) continue;
      const s = offsets[i]!;
      const e = offsets[i + 1]!;
      const inside = ascii !== null && s >= ascii.from && e >= s && e <= ascii.to;
      out[i] = this.verdict(inside ? customerKeyFromText(ascii.text.slice(s - ascii.from, e - ascii.from)) : textAt(bytes, offsets, i), mask);
    }
  }

  internDict(bytes: Uint8Array, offsets: Int32Array, indices: Int32Array, mapping: Int32Array, out: Int32Array): void {
    for (let i = 0; i < indices.length; i++) {
      const mask = out[i]!;
      if (mask < JUDGE_ONLY) continue;
      const d = indices[i]!;
      if (!(d >= 0 && d < mapping.length)) {
        out[i] = BAD_ID;
        continue;
      }
      const known = mapping[d]!;
      if (known >= 0) out[i] = mask >= 0 ? known : JUDGE_ONLY;
      else if (known !== UNSEEN_ENTRY) out[i] = known;
      else {
        const v = this.verdict(textAt(bytes, offsets, d), mask);
        if (v !== JUDGE_ONLY) mapping[d] = v;
        out[i] = v;
      }
    }
  }

  internKeys(keys: readonly CustomerKey[], out: Int32Array): void {
    for (let i = 0; i < keys.length; i++) {
      if (out[i]! >= 0) out[i] = this.index.intern(keys[i]!);
    }
  }

  keys(from = 0, to = this.index.size): CustomerKey[] {
    return this.index.keys.slice(Math.max(0, from), Math.max(0, to));
  }
}

/** Row i of a Utf8 column as an id (`null`, a bad id, for offsets outside the bytes). */
function textAt(bytes: Uint8Array, offsets: Int32Array, i: number): KeyResult {
  const s = offsets[i]!;
  const e = offsets[i + 1]!;
  return s < 0 || e < s || e > bytes.length ? null : customerKeyFromText(decoder.decode(bytes.subarray(s, e)));
}

/** Bytes `[from, to)` as a string when they are all ASCII (then byte offsets are string offsets), else null. */
function asciiText(bytes: Uint8Array, from: number, to: number): { text: string; from: number; to: number } | null {
  if (from < 0 || to < from || to > bytes.length) return null;
  for (let i = from; i < to; i++) if (bytes[i]! >= 0x80) return null;
  return { text: Buffer.from(bytes.buffer, bytes.byteOffset + from, to - from).toString('latin1'), from, to };
}
