/** Loads the CDNOW sample and its published summaries (weeks) from test/fixtures for the model tests. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The CDNOW fixture folder inside the repository (provenance in test/fixtures/README.md). */
export const CDNOW_DIR = fileURLToPath(new URL('../../fixtures/cdnow/', import.meta.url));

function readCsv(name: string): number[][] {
  const lines = readFileSync(join(CDNOW_DIR, name), 'utf8').trim().split('\n').slice(1);
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

/** Per-customer aggregates of `CDNOW_sample.txt` up to 1997-09-30, as the engine computes them. */
export interface CdnowAggregates {
  purchaseDays: Uint32Array;
  firstDay: Int32Array;
  lastDay: Int32Array;
  asOfDay: number;
  meanRepeatValue: Float64Array;
}

const dayOf = (yyyymmdd: string): number =>
  Math.floor(Date.UTC(+yyyymmdd.slice(0, 4), +yyyymmdd.slice(4, 6) - 1, +yyyymmdd.slice(6, 8)) / 86_400_000);

/** Reads the transactions and aggregates them per sample id (index = id − 1). */
export function loadCdnowTransactions(): CdnowAggregates {
  const asOfDay = dayOf('19970930');
  const byCustomer = new Map<number, Map<number, number>>();
  for (const line of readFileSync(join(CDNOW_DIR, 'CDNOW_sample.txt'), 'utf8').split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 5) continue;
    const id = Number(f[1]);
    const day = dayOf(f[2] as string);
    if (day > asOfDay) continue;
    const days = byCustomer.get(id) ?? new Map<number, number>();
    days.set(day, (days.get(day) ?? 0) + Number(f[4]));
    byCustomer.set(id, days);
  }
  const n = Math.max(...byCustomer.keys());
  const out: CdnowAggregates = {
    purchaseDays: new Uint32Array(n), firstDay: new Int32Array(n), lastDay: new Int32Array(n),
    asOfDay, meanRepeatValue: new Float64Array(n).fill(Number.NaN),
  };
  for (const [id, days] of byCustomer) {
    const sorted = [...days.keys()].sort((a, b) => a - b);
    const i = id - 1;
    out.purchaseDays[i] = sorted.length;
    out.firstDay[i] = sorted[0] as number;
    out.lastDay[i] = sorted[sorted.length - 1] as number;
    if (sorted.length > 1) {
      let total = 0;
      for (const d of sorted.slice(1)) total += days.get(d) as number;
      out.meanRepeatValue[i] = total / (sorted.length - 1);
    }
  }
  return out;
}
