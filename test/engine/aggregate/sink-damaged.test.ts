import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Aggregator } from '../../../engine/aggregate/aggregator.js';
import { finalize } from '../../../engine/aggregate/finalize.js';
import { parseBatch } from '../../../engine/parse/parse-batch.js';
import { RejectLog } from '../../../engine/parse/reject-log.js';
import { readFile } from '../../../engine/read/open-input.js';
import { DEFAULT_COLUMN_MAP } from '../../../engine/read/raw-batch.js';
import { parseAsOf } from '../../../engine/rescore/as-of.js';
import { type FuzzFormat, fuzzCases } from '../../reliability/fuzz-generators.js';
import { kernelSets } from '../kernels/kernel-sets.js';

// Damaged Arrow buffers where the interner and apache-arrow disagree on an id (the interner
// refuses a text apache-arrow reads): the row goes through the row parser, which finds it valid.
// Adding it must not disturb the other rows of its batch (it once reused their customer-number
// buffer, so a missing-id row was counted for that customer: rows read != valid + rejected in the
// reliability suite's fuzz-arrow). These are that suite's inputs (seed 20261202).
const AS_OF = parseAsOf('2026-12-31');
const CASES: ReadonlyArray<readonly [FuzzFormat, number]> = [
  ['arrow-file', 122],
  ['arrow-file', 664],
  ['arrow-stream', 337],
];
const dir = mkdtempSync(join(tmpdir(), 'segstream-sink-damaged-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function caseBytes(format: FuzzFormat, index: number): Uint8Array {
  for (const c of fuzzCases(format, index + 1, 20261202)) if (c.index === index) return c.bytes;
  throw new Error(`no fuzz case ${format} #${index}`);
}

describe.each(kernelSets)('the columnar sink on damaged Arrow ids, $name kernels', ({ kernels }) => {
  const test = kernels ? it : it.skip;
  test.each(CASES)('%s #%i gives the row parser\'s customers and counts', async (format, index) => {
    const path = join(dir, `${format}-${index}.arrow`);
    writeFileSync(path, caseBytes(format, index));
    const fast = new Aggregator(AS_OF, kernels);
    const slow = new Aggregator(AS_OF, kernels);
    const [fastRejects, slowRejects] = [new RejectLog(50), new RejectLog(50)];
    let read = 0;
    for await (const raw of readFile({ path, size: statSync(path).size, format: 'arrow' }, { columns: DEFAULT_COLUMN_MAP })) {
      read += raw.length;
      fast.addRaw(raw, fastRejects);
      slow.add(parseBatch(raw, slowRejects));
    }
    expect(fast.state.rows + fast.futureRows + fastRejects.total).toBe(read);
    expect([fast.state.rows, fast.futureRows, fastRejects.counts]).toEqual([slow.state.rows, slow.futureRows, slowRejects.counts]);
    const byCustomer = (agg: Aggregator) => {
      const t = finalize(agg, AS_OF, [30]);
      return new Map(t.customerId.map((id, i) => [id, [t.fields.revenue[i], t.fields.orders[i], t.fields.first_purchase_at[i]]]));
    };
    expect(byCustomer(fast)).toEqual(byCustomer(slow));
  });
});
