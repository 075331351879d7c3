import { expect, it } from 'vitest';
import { Aggregator } from '../../../engine/aggregate/aggregator.js';
import type { CustomerTable } from '../../../engine/aggregate/customer-table.js';
import { idStrings } from '../../../engine/aggregate/customer-table.js';
import { finalize } from '../../../engine/aggregate/finalize.js';
import { parseConfig } from '../../../engine/config/load-config.js';
import type { TxBatch } from '../../../engine/parse/parse-batch.js';
import { parseAsOf } from '../../../engine/rescore/as-of.js';
import { scoreBase } from '../../../engine/rescore/score-base.js';
import { buildCustomersTable, buildCustomerVectors, decodeCustomers, encodeCustomerChunks } from '../../../engine/snapshot/customers-file.js';
import { expectSameBytes, parity } from '../kernels/kernel-sets.js';

// The native aggregation hands the base's ids to the writer as UTF-8 (CustomerTable.idText), never
// as a string per customer: the file must be the one the strings make.
const AS_OF = parseAsOf('2025-06-30');
const START = Date.parse('2024-03-01T00:00:00Z');
const IDS: (string | number)[] = [42, 7, 'C0000123', 'é-ü', '日本-1', 'x'.repeat(300), -3, '042', 'customer 9', 1_000_000_007];

/** The customers files of `a` and of `b` (the same base, its ids held another way), every other column the very same vector. */
async function filesOf(a: CustomerTable, b: CustomerTable): Promise<[Buffer, Buffer]> {
  const scored = scoreBase(a, parseConfig({}), null, null);
  // Built once: apache-arrow numbers dictionaries process-wide, so two builds of a category column differ in their ids.
  const others = buildCustomerVectors(scored, (name) => name !== 'customer_id');
  const file = async (table: CustomerTable) => Buffer.concat(await encodeCustomerChunks(buildCustomersTable({ ...scored, table }, others)));
  return [await file(a), await file(b)];
}

parity('the ids as UTF-8 through the snapshot writer', (native) => {
  it('writes the customers file the ids as strings write, for integer, ASCII, non-ASCII and long ids', async () => {
    const agg = new Aggregator(AS_OF, native);
    const n = 5000;
    const ids = Array.from({ length: n }, (_, i) => {
      const id = IDS[i % IDS.length]!;
      return typeof id === 'number' ? id + Math.floor(i / IDS.length) * 1000 : `${id}-${Math.floor(i / IDS.length)}`;
    });
    agg.add({ length: n, ids, ts: Float64Array.from(ids, (_, i) => START + (i % 400) * 86_400_000), amount: Float64Array.from(ids, (_, i) => (i % 11) - 2 + 0.37), margin: null } as TxBatch);
    const table = finalize(agg, AS_OF);
    expect(table.idText).toBeDefined();
    const { idText: _bytes, ...strings } = table;
    expect(strings.customerId).toEqual(ids.map(String));
    expect('idText' in strings).toBe(false);
    const [got, want] = await filesOf(table, strings);
    expectSameBytes(got, want, 'customers.arrow');
    expect(decodeCustomers(got).getChild('customer_id')!.toArray()).toEqual(ids.map(String));
  });
});

it('decodes UTF-8 ids into the strings they are, ASCII or not', () => {
  const texts = ['C1', '', 'é', '42', '日本', 'a b'];
  const data = Buffer.from(texts.join(''));
  const offsets = new Int32Array(texts.length + 1);
  texts.forEach((t, i) => {
    offsets[i + 1] = offsets[i]! + Buffer.byteLength(t);
  });
  expect(idStrings({ data, offsets })).toEqual(texts);
  const ascii = ['C1', '', '42', 'a b'];
  expect(idStrings({ data: Buffer.from(ascii.join('')), offsets: Int32Array.from([0, 2, 2, 4, 7]) })).toEqual(ascii);
});
