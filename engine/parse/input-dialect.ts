/**
 * How one input's values are read — its timestamp format and decimal mark — given by the user
 * (`--ts-format`, `--decimal`, config `input`) or decided by `auto` from the leading rows, once per
 * job (DESIGN "Data in" → "Real exports"). The decisions are plain JSON: they go to the manifest's
 * `input.decisions` and to worker threads, which then read every batch by the same rules.
 *
 *   options ──► InputDialect ──observe(first batches)──► decisions ──► parse-batch's value readers
 */
import { DataType, Type } from 'apache-arrow';
import { ArgumentError } from '../errors.js';
import type { RawBatch, RawColumn } from '../read/raw-batch.js';
import { arrowCells } from './arrow-cells.js';
import { type DecimalMark, decimalVote } from './money-text.js';
import { parseIsoTimestamp } from './parse-timestamp.js';
import { intFromText, intKindOf, type IntTsKind } from './ts-kinds.js';
import { compileTsPattern, type TsPattern } from './ts-pattern.js';
import { TsSniffer } from './ts-sniffer.js';

/** What the user said about the input's values. */
export interface InputOptions {
  /** `auto`, a strftime-style pattern (`%m/%d/%Y %H:%M`), or one of `iso`, `yyyymmdd`, `epoch_s`, `epoch_ms`. */
  readonly tsFormat: string;
  readonly decimal: 'auto' | '.' | ',';
}

/** `auto` for both. */
export const DEFAULT_INPUT_OPTIONS: InputOptions = { tsFormat: 'auto', decimal: 'auto' };

/** How the `ts` column is read. `native`: an Arrow date/timestamp column, read as its instants. */
export type TsKind = 'iso' | 'yyyymmdd' | 'epoch_s' | 'epoch_ms' | 'pattern' | 'native' | 'undecided';

/** Every decision on how values are read; plain JSON (manifest `input.decisions`, worker threads). */
export interface DialectDecisions {
  readonly ts: { readonly kind: TsKind; readonly pattern?: string; readonly source: 'given' | 'sniffed' };
  readonly decimal: { readonly mark: DecimalMark; readonly source: 'given' | 'sniffed' | 'default' };
}

/** Rows `auto` may look at to tell day-first from month-first before it must decide. */
export const TS_SNIFF_ROWS = 1_000_000;

/**
 * ISO text and integers are told apart on up to this many values of the first batch (a majority
 * decides, so more would not change it); text dates are sniffed on every row it takes.
 */
const TS_KIND_SAMPLE = 10_000;

const NAMED_KINDS: ReadonlySet<string> = new Set(['iso', 'yyyymmdd', 'epoch_s', 'epoch_ms']);
const MONEY_COLUMNS = ['amount', 'price', 'quantity', 'margin'] as const;

/** True for an Arrow column whose type is a date or timestamp (read natively, never sniffed). */
export function isNativeTsColumn(col: RawColumn | undefined): boolean {
  if (col?.kind !== 'arrow') return false;
  const t = col.vector.type.typeId;
  return t === Type.Date || t === Type.Timestamp;
}

/** Checks a `--ts-format` / `input.ts_format` value; an ArgumentError names what is wrong. */
export function checkTsFormat(tsFormat: string): void {
  if (tsFormat !== 'auto' && !NAMED_KINDS.has(tsFormat)) compileTsPattern(tsFormat);
}

function cellsOf(col: RawColumn, n: number): (i: number) => unknown {
  // Text cell by cell: the sniff mostly reads a few (a head scan's CSV text is Utf8, csv-native.ts).
  if (col.kind === 'arrow' && DataType.isUtf8(col.vector.type)) return (i) => col.vector.get(i);
  if (col.kind === 'arrow') return arrowCells(col.vector);
  const values = col.values;
  return (i) => (i < n ? values[i] : undefined);
}

function blank(v: unknown): boolean {
  return v === null || v === undefined || (typeof v === 'string' && v.trim() === '');
}

/** The timestamp format and decimal mark of one input, given or sniffed. */
export class InputDialect {
  private tsKind: TsKind = 'undecided';
  private tsSource: 'given' | 'sniffed' = 'sniffed';
  private tsPatternSource: string | undefined;
  private compiled: TsPattern | null = null;
  private sniffer: TsSniffer | null = null;
  private mark: DecimalMark = '.';
  private markSource: 'given' | 'sniffed' | 'default' = 'default';
  private markDecided = false;

  constructor(opts: InputOptions = DEFAULT_INPUT_OPTIONS, decided?: DialectDecisions) {
    if (decided) {
      this.setTs(decided.ts.kind, decided.ts.source, decided.ts.pattern);
      this.mark = decided.decimal.mark;
      this.markSource = decided.decimal.source;
      this.markDecided = true;
      return;
    }
    if (opts.tsFormat !== 'auto') {
      if (NAMED_KINDS.has(opts.tsFormat)) this.setTs(opts.tsFormat as TsKind, 'given');
      else this.setTs('pattern', 'given', opts.tsFormat);
    }
    if (opts.decimal !== 'auto') {
      this.mark = opts.decimal;
      this.markSource = 'given';
      this.markDecided = true;
    }
  }

  private setTs(kind: TsKind, source: 'given' | 'sniffed', pattern?: string): void {
    this.tsKind = kind;
    this.tsSource = source;
    this.tsPatternSource = kind === 'pattern' ? pattern : undefined;
    this.compiled = kind === 'pattern' && pattern !== undefined ? compileTsPattern(pattern) : null;
    this.sniffer = null;
  }

  /** True while the timestamp format or the decimal mark is still to be sniffed. */
  get undecided(): boolean {
    return this.tsKind === 'undecided' || !this.markDecided;
  }

  /** The decided timestamp kind (`undecided` before any non-blank `ts` was seen). */
  get ts(): TsKind {
    return this.tsKind;
  }

  /** The compiled pattern when the kind is `pattern`. */
  get pattern(): TsPattern | null {
    return this.compiled;
  }

  /** The decimal mark of text numbers. */
  get decimal(): DecimalMark {
    return this.mark;
  }

  /** Plain JSON of every decision so far. */
  get decisions(): DialectDecisions {
    return {
      ts: { kind: this.tsKind, ...(this.tsPatternSource !== undefined ? { pattern: this.tsPatternSource } : {}), source: this.tsSource },
      decimal: { mark: this.mark, source: this.markSource },
    };
  }

  /**
   * Sniffs what is still undecided from a batch's rows. With `mustDecide` (parse-batch, which
   * parses the batch right after) a day-first/month-first tie is an ArgumentError asking for
   * `--ts-format`; without it (a pre-scan of leading batches) the tie waits for more rows, up to
   * TS_SNIFF_ROWS.
   */
  observe(raw: RawBatch, mustDecide = true): void {
    if (!this.markDecided) this.sniffDecimal(raw);
    const col = raw.columns.ts;
    if (this.tsKind !== 'undecided' || !col) return;
    if (isNativeTsColumn(col)) {
      this.setTs('native', 'sniffed');
      return;
    }
    if (this.sniffer) this.sniffPatterns(col, raw.length);
    else this.sniffTs(col, raw.length);
    if (this.sniffer) this.settlePatterns(mustDecide || this.sniffer.seen >= TS_SNIFF_ROWS);
  }

  private sniffTs(col: RawColumn, n: number): void {
    const at = cellsOf(col, n);
    let iso = 0;
    let ints = 0;
    let texts = 0;
    const votes: Record<IntTsKind, number> = { yyyymmdd: 0, epoch_s: 0, epoch_ms: 0 };
    const sniffer = new TsSniffer();
    for (let i = 0; i < n; i++) {
      if (texts === 0 && iso + ints >= TS_KIND_SAMPLE) break;
      const v = at(i);
      if (blank(v)) continue;
      let num = Number.NaN;
      if (typeof v === 'number') num = v;
      else if (typeof v === 'bigint') num = Number(v);
      else if (typeof v === 'string') {
        if (!Number.isNaN(parseIsoTimestamp(v))) {
          iso++;
          continue;
        }
        num = intFromText(v);
        if (Number.isNaN(num)) {
          texts++;
          sniffer.add(v);
          continue;
        }
      } else continue;
      ints++;
      const kind = intKindOf(num);
      if (kind) votes[kind]++;
    }
    if (iso + ints + texts === 0) return;
    if (iso >= ints && iso >= texts) this.setTs('iso', 'sniffed');
    else if (ints >= texts) {
      let best: IntTsKind = 'epoch_ms';
      for (const k of ['yyyymmdd', 'epoch_s', 'epoch_ms'] as const) if (votes[k] > votes[best]) best = k;
      this.setTs(best, 'sniffed');
    } else this.sniffer = sniffer;
  }

  private sniffPatterns(col: RawColumn, n: number): void {
    const sniffer = this.sniffer!;
    const at = cellsOf(col, n);
    for (let i = 0; i < n; i++) {
      const v = at(i);
      if (typeof v === 'string' && !blank(v)) sniffer.add(v);
    }
  }

  private settlePatterns(mustDecide: boolean): void {
    const r = this.sniffer!.result();
    if (r.state === 'decided') this.setTs('pattern', 'sniffed', r.pattern);
    else if (r.state === 'none') this.setTs('iso', 'sniffed');
    else if (mustDecide) {
      throw new ArgumentError(
        `the ts column's dates fit both day-first (${r.dayFirst}) and month-first (${r.monthFirst}): every day seen is 12 or less; say which with --ts-format '${r.dayFirst}' or --ts-format '${r.monthFirst}' (config input.ts_format)`,
      );
    }
  }

  private sniffDecimal(raw: RawBatch): void {
    let comma = 0;
    let dot = 0;
    let any = false;
    for (const name of MONEY_COLUMNS) {
      const col = raw.columns[name];
      if (!col || dot > 0) continue; // one decimal point settles it: the mark stays '.'
      const at = cellsOf(col, raw.length);
      // A numeric Arrow column (Parquet's DOUBLE amounts) holds no text to vote: its first value
      // says there are amounts, and the rest need not be read (cell by cell, with nulls, that was
      // a tenth of a second of the head sniff on a million-row row group's first batch).
      const numeric = col.kind === 'arrow' && (DataType.isInt(col.vector.type) || DataType.isFloat(col.vector.type) || DataType.isDecimal(col.vector.type));
      for (let i = 0; i < raw.length && dot === 0; i++) {
        const v = at(i);
        if (blank(v)) continue;
        any = true;
        if (numeric) break;
        if (typeof v !== 'string') continue;
        const vote = decimalVote(v);
        if (vote === ',') comma++;
        else if (vote === '.') dot++;
      }
    }
    if (!any) return;
    this.markDecided = true;
    if (comma > 0 && dot === 0) {
      this.mark = ',';
      this.markSource = 'sniffed';
    } else if (dot > 0) this.markSource = 'sniffed';
  }
}
