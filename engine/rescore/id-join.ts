/**
 * Customers of a new base found in the previous snapshot by id: for each customer, the previous
 * snapshot's row of the same id, or -1. Both sides are UTF-8 id columns (the base's
 * `CustomerTable.idText`, the snapshot's Arrow `customer_id`), so the native twin joins them
 * without a string per id; the TypeScript twin (the reference) decodes them into a `Map`.
 */
import type { Vector } from 'apache-arrow';
import { type IdText, idStrings } from '../aggregate/customer-table.js';
import { nativeOr } from '../kernels/native-twin.js';

/** Joins `ids` to `previous` (each without repeats, as a base's and a snapshot's are): `out[c]` = the row of `ids`' c-th id in `previous`, or -1. */
export type JoinIds = (previous: IdText, ids: IdText, out: Int32Array) => void;

/** The reference: a `Map` from the previous ids' strings to their rows. */
export const joinIdsJs: JoinIds = (previous, ids, out) => {
  const rowOf = new Map<string, number>();
  const before = idStrings(previous);
  for (let row = 0; row < before.length; row++) rowOf.set(before[row]!, row);
  const now = idStrings(ids);
  for (let c = 0; c < now.length; c++) out[c] = rowOf.get(now[c]!) ?? -1;
};

/** The join of an engine: `native` where the addon has it, else the reference. */
export const joinIds = nativeOr('joinUtf8', joinIdsJs, (joinUtf8): JoinIds => (previous, ids, out) => joinUtf8(previous.data, previous.offsets, ids.data, ids.offsets, out));

/** An Arrow Utf8 column's values as one {@link IdText} (its own buffers when it is one unsliced chunk). */
export function idTextOf(column: Vector): IdText {
  const chunks = column.data;
  const only = chunks[0];
  if (chunks.length === 1 && only !== undefined && only.offset === 0 && only.valueOffsets) {
    return { offsets: only.valueOffsets.subarray(0, only.length + 1), data: only.values as Uint8Array };
  }
  const strings: string[] = [];
  for (const id of column) strings.push(String(id));
  const encoded = strings.map((s) => Buffer.from(s, 'utf8'));
  const offsets = new Int32Array(strings.length + 1);
  encoded.forEach((b, i) => {
    offsets[i + 1] = offsets[i]! + b.length;
  });
  return { offsets, data: Buffer.concat(encoded) };
}
