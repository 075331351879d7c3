import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CDNOW_DIR, loadCdnow, loadCdnowSummary, loadCdnowTransactions } from './cdnow.js';

/** `file → sha256` from the table in test/fixtures/README.md (its rows: | `name` | what | `sum` |). */
function documentedSums(): Map<string, string> {
  const readme = readFileSync(join(CDNOW_DIR, '..', 'README.md'), 'utf8');
  const sums = new Map<string, string>();
  for (const m of readme.matchAll(/^\| `([^`]+)` \|.*\| `([0-9a-f]{64})` \|$/gm)) sums.set(m[1]!, m[2]!);
  return sums;
}

describe('the CDNOW fixture', () => {
  it('holds the published files byte for byte, as the sums in test/fixtures/README.md say', () => {
    const sums = documentedSums();
    const files = readdirSync(CDNOW_DIR).sort();
    expect([...sums.keys()].sort()).toEqual(files);
    for (const file of files) {
      // A checkout that rewrote line ends (CDNOW_sample.txt is CRLF) would change the sum.
      const got = createHash('sha256').update(readFileSync(join(CDNOW_DIR, file))).digest('hex');
      expect(got, file).toBe(sums.get(file));
    }
  });

  it('is the 1/10 sample: 2,357 customers, 6,919 transactions, 946 repeat buyers by 1997-09-30', () => {
    const lines = readFileSync(join(CDNOW_DIR, 'CDNOW_sample.txt'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(6919);
    expect(loadCdnow().x).toHaveLength(2357);
    expect(loadCdnowSummary().x).toHaveLength(2357);
    const tx = loadCdnowTransactions();
    expect(tx.purchaseDays).toHaveLength(2357);
    expect(tx.purchaseDays.filter((d) => d > 1)).toHaveLength(946);
  });
});
