/** Loads the CDNOW sample summaries (weeks) from shared/data for the model tests. */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

// shared/ lies beside the checkout (developers, CI) or inside it (some copies of the tree).
const HERE = fileURLToPath(new URL('.', import.meta.url));
const DIR = [join(HERE, '../../../../shared/data/cdnow'), join(HERE, '../../../shared/data/cdnow')].find((d) =>
  existsSync(d),
) ?? join(HERE, '../../../../shared/data/cdnow');

function readCsv(name: string): number[][] {
  const lines = readFileSync(join(DIR, name), 'utf8').trim().split('\n').slice(1);
  return lines.map((l) => l.split(',').map(Number));
}

/** Columns of `cdnow_customers_summary_with_transactions.csv`, time in weeks. */
export interface CdnowSummary {
  id: Float64Array;
  x: Float64Array;
  tx: Float64Array;
  T: Float64Array;
  zbar: Float64Array;
}

/** The sample's per-customer summary (`zbar` from the file with transactions). */
export function loadCdnow(): CdnowSummary {
  const rows = readCsv('cdnow_customers_summary_with_transactions.csv');
  const col = (k: number): Float64Array => Float64Array.from(rows, (r) => r[k] as number);
  return { id: col(0), x: col(1), tx: col(2), T: col(3), zbar: col(4) };
}

/** The sample's `ID,frequency,recency,T` summary as published with lifetimes. */
export function loadCdnowSummary(): { x: Float64Array; tx: Float64Array; T: Float64Array } {
  const rows = readCsv('cdnow_customers_summary.csv');
  const col = (k: number): Float64Array => Float64Array.from(rows, (r) => r[k] as number);
  return { x: col(1), tx: col(2), T: col(3) };
}
