/**
 * The record of how a rescore read its input (manifest `input.decisions`), and the head scan that
 * decides the dialect once on the main thread before the worker pool starts, so every worker
 * reads every batch by the same rules (DESIGN "Real exports").
 */
import { type DialectDecisions, type InputDialect, type InputOptions, TS_SNIFF_ROWS } from '../parse/input-dialect.js';
import { describeColumnMap } from '../read/column-map.js';
import { type InputFile, readFile, type SkippedFile } from '../read/open-input.js';
import type { ColumnMap, RawBatch, ReadColumnName, ReadOptions } from '../read/raw-batch.js';
import type { InputDecisions } from '../snapshot/manifest.js';

/** What the batches showed of the columns: whether any computed amount from quantity × price, whether any carried order ids. */
export class ColumnsSeen {
  lineItems = false;
  orderIds = false;
  /** Contract columns some batch carried. */
  readonly names = new Set<string>();

  /** Notes one raw batch's columns. */
  observe(raw: RawBatch): void {
    const c = raw.columns;
    for (const name in c) this.names.add(name);
    if (c.amount === undefined && c.quantity !== undefined && c.price !== undefined) this.lineItems = true;
    if (c.order_id !== undefined) this.orderIds = true;
  }

  /** Notes the column names a reader resolved. */
  observeNames(names: readonly ReadColumnName[]): void {
    for (const name of names) this.names.add(name);
    if (!names.includes('amount') && names.includes('quantity') && names.includes('price')) this.lineItems = true;
    if (names.includes('order_id')) this.orderIds = true;
  }
}

/**
 * Reads the leading batches of the first file (up to TS_SNIFF_ROWS rows, fewer once everything
 * is decided) into `dialect`; a day-first/month-first tie still open at the end is the
 * ArgumentError asking for `--ts-format`. Returns the first batch's column names. A head scan
 * (ReadOptions.head): this runs before any worker starts, and the first batch mostly decides.
 */
export async function decideFromHead(file: InputFile, readOptions: ReadOptions, dialect: InputDialect): Promise<readonly ReadColumnName[]> {
  let rows = 0;
  let last: RawBatch | null = null;
  let names: ReadColumnName[] = [];
  const batches = readFile(file, { ...readOptions, head: true });
  try {
    for await (const raw of batches) {
      if (last === null) names = Object.keys(raw.columns) as ReadColumnName[];
      last = raw;
      rows += raw.length;
      dialect.observe(raw, false);
      if (!dialect.undecided || rows >= TS_SNIFF_ROWS) break;
    }
  } finally {
    await batches.return(undefined);
  }
  // The sample is all there is: decide now, or fail on a tie, here rather than in every worker.
  if (last !== null && dialect.decisions.ts.kind === 'undecided') dialect.observe(last, true);
  return names;
}

/** The manifest's `input.decisions`. */
export function inputDecisions(
  columns: ColumnMap,
  options: InputOptions,
  decided: DialectDecisions,
  seen: ColumnsSeen,
  files: readonly InputFile[],
  skipped: readonly SkippedFile[],
): InputDecisions {
  const kind = decided.ts.kind;
  return {
    // The columns read; the identity map's unread defaults (`margin` of a file without one) are left out.
    columns: Object.fromEntries(Object.entries(describeColumnMap(columns)).filter(([name]) => seen.names.size === 0 || seen.names.has(name))),
    amount: seen.lineItems ? 'quantity*price' : 'column',
    order_id: seen.orderIds,
    ts_format: options.tsFormat,
    decimal_option: options.decimal,
    ts: { ...decided.ts },
    ts_integer_kind: kind === 'yyyymmdd' || kind === 'epoch_s' || kind === 'epoch_ms' ? kind : null,
    decimal: { ...decided.decimal },
    gzip: files.filter((f) => f.compression === 'gzip').map((f) => f.path),
    skipped: skipped.map((s) => ({ path: s.path, reason: s.reason })),
  };
}
