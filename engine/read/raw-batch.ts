import type { Vector } from 'apache-arrow';

/** The formats segstream reads. */
export type InputFormat = 'csv' | 'ndjson' | 'arrow' | 'parquet';

/** The contract's column names (DESIGN "Data in"); `order_id`, `quantity` and `price` are the line-item columns. */
export type ColumnName = 'customer_id' | 'ts' | 'amount' | 'margin' | 'order_id' | 'quantity' | 'price';

/** Columns a reader hands over: the contract's, plus the live path's optional `event_id` (engine/wal/event-id.ts). */
export type ReadColumnName = ColumnName | 'event_id';

/**
 * Which source column feeds each contract column (`--map customer_id=CustomerID,...`). A column
 * left out is not read: `amount` is left out when a line-item map says `amount = quantity * price`
 * (column-map.ts). `event_id` is read only where named (live events).
 */
export type ColumnMap = Readonly<Pick<Record<ColumnName, string>, 'customer_id' | 'ts'>> &
  Readonly<Partial<Record<Exclude<ColumnName, 'customer_id' | 'ts'>, string>>> & { readonly event_id?: string };

/** The identity mapping: source columns carry the contract names. */
export const DEFAULT_COLUMN_MAP: ColumnMap = {
  customer_id: 'customer_id',
  ts: 'ts',
  amount: 'amount',
  margin: 'margin',
  order_id: 'order_id',
  quantity: 'quantity',
  price: 'price',
};

/**
 * One column of a batch as the reader decoded it; the parser (engine/parse) turns every kind
 * into typed arrays, so a reader never judges a value.
 * - `text`: CSV fields, unquoted and unescaped; `null` for an empty field.
 * - `json`: NDJSON values as `JSON.parse` gave them; `undefined` where the key is absent.
 * - `arrow`: an Arrow column (Arrow IPC and Parquet), any Arrow type.
 */
export type RawColumn =
  | { readonly kind: 'text'; readonly values: ReadonlyArray<string | null> }
  | { readonly kind: 'json'; readonly values: ReadonlyArray<unknown> }
  | { readonly kind: 'arrow'; readonly vector: Vector };

/** Why a reader could not decode a row at all (the row still holds its slot in the batch). */
export type MalformedReason = 'malformed_row';

/** A row the reader could not decode: wrong field count in CSV, invalid JSON or a non-object in NDJSON. */
export interface MalformedRow {
  /** Index of the row inside its batch; its column values there are null/undefined. */
  readonly index: number;
  readonly reason: MalformedReason;
  /** A short human-readable detail, e.g. `expected 4 fields, got 3` or the first 200 characters of the line. */
  readonly detail: string;
}

/**
 * A batch of rows in source order. Row `i` of the batch is record number `firstRow + i` of its
 * source (1-based, the header not counted), so rejects can name the row.
 * Invariant: every column present has exactly `length` values.
 */
export interface RawBatch {
  /** File path, or `stdin`. */
  readonly source: string;
  /** Record number (1-based) of row 0 within the source. */
  readonly firstRow: number;
  readonly length: number;
  /** Present contract columns; `margin` is absent when the source has no such column. */
  readonly columns: Partial<Record<ReadColumnName, RawColumn>>;
  readonly malformed: ReadonlyArray<MalformedRow>;
  /** Bytes of the source consumed up to the end of this batch (for progress), or -1 if unknown. */
  readonly bytesRead: number;
}

/** Options every reader takes. */
export interface ReadOptions {
  readonly columns: ColumnMap;
  /** Rows per batch (default 65,536). Memory of a read is bounded by it. */
  readonly batchSize?: number;
  /** Skip detection and read as this format. */
  readonly format?: InputFormat;
  /**
   * How the parse step reads values so far (engine/parse/input-dialect.ts's InputDialect fits):
   * a reader that parses natively (csv-native.ts) parses only under rules decided here. Absent:
   * the reader parses no timestamp or money natively. Not passed to workers (each builds its own).
   */
  readonly dialect?: ReadDialect;
  /**
   * A head scan (a rescore's dialect sniff, engine/rescore/input-decisions.ts), which mostly stops
   * after the first batch: Parquet decodes a row group's pages only up to that batch (the rest
   * when read on), and CSV scans natively, keeping text as UTF-8 (Utf8 vectors) instead of
   * strings. The batches are the same rows and values as without it.
   */
  readonly head?: boolean;
}

/** The parse step's decisions a native reader needs (InputDialect's getters). */
export interface ReadDialect {
  /** True while the ts kind or the decimal mark is still to be sniffed from the rows. */
  readonly undecided: boolean;
  /** The ts kind: `iso`, `yyyymmdd`, `epoch_s`, `epoch_ms`, `pattern`, `native` or `undecided`. */
  readonly ts: string;
  readonly decimal: '.' | ',';
}

/** Progress of a read: rows read so far and bytes of the inputs consumed (a rescore reports it). */
export interface ReadProgress {
  readonly rows: number;
  readonly bytesRead: number;
  /** Total bytes of the inputs, -1 when unknown (stdin). */
  readonly bytesTotal: number;
}
