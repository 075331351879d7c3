/**
 * The raw functions of the Rust addon (native/src/bindings.rs) and how to find its `.node` file.
 * Hand-written: napi-rs writes no types for an addon without napi crates. Nothing here maps
 * errors; native-kernels.ts wraps these in the `Kernels` interface.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { IdColumn } from './id-interner.js';

/** `BINDING_VERSION` of bindings.rs this loader speaks; an older build is refused as stale. */
export const BINDING_VERSION = 7;

/** An interner handle: a Node-API external owned by the addon, freed by the garbage collector. */
export type InternerHandle = object & { readonly __native: 'interner' };

/** A sink handle (native/src/partial): a Node-API external owned by the addon, freed by the garbage collector. */
export type SinkHandle = object & { readonly __native: 'sink' };

/** A JSON row plan (native/src/json_row): a Node-API external owned by the addon, freed by the garbage collector. */
export type JsonRowPlanHandle = object & { readonly __native: 'json-row-plan' };

/** A CSV scanner handle (native/src/csv): a Node-API external owned by the addon. */
export type CsvScannerHandle = object & { readonly __native: 'csv-scanner' };

/**
 * The CSV scanner's exports (native/src/csv/binding.rs), used only by engine/read/csv-native.ts.
 * Optional: an addon built before them loads and serves the kernels, and CSV stays TypeScript.
 */
export interface NativeCsvBinding {
  csvScannerCreate(delimiter: number, batchSize: number): CsvScannerHandle;
  /** Scans `bytes` from `pos`; `io[0]` = where it stopped. 0: needs more input, 1: batch full, 2: header read. */
  csvScannerPush(h: CsvScannerHandle, bytes: Uint8Array, pos: number, last: number, io: Float64Array): number;
  /** The header's fields as UTF-8 bytes, undefined before it is read. */
  csvScannerHeader(h: CsvScannerHandle): ArrayBuffer[] | undefined;
  csvScannerSetColumns(h: CsvScannerHandle, fields: Int32Array, modes: Uint8Array): void;
  csvScannerSetModes(h: CsvScannerHandle, modes: Uint8Array): void;
  /** `[rows, malformed, ...per column: kind, nulls, validity | undefined, values or offsets, bytes | undefined]`. */
  csvScannerTake(h: CsvScannerHandle): unknown[];
}

/** An open Parquet file (native/src/parquet): a Node-API external owned by the addon. */
export type ParquetFileHandle = object & { readonly __native: 'parquet-file' };

/**
 * The Parquet reader's exports (native/src/parquet/binding.rs), used only by engine/read/parquet-native.ts.
 * Optional: an addon built before them loads and serves the kernels, and Parquet stays on parquet-wasm.
 * Both return `["corrupt" | "unsupported", message]` for a file they refuse or do not decode.
 */
export interface NativeParquetBinding {
  /** `["ok", handle, json]`: the footer (the bytes before the length and the magic) of a file of `fileSize` bytes. */
  parquetOpen(footer: Uint8Array, fileSize: number): unknown[];
  /** `["ok"]` when every page index entry in `bytes` (the file's `pageIndex` range) decodes. */
  parquetCheckIndex(h: ParquetFileHandle, bytes: Uint8Array): unknown[];
  /**
   * `["ok", nullCount, validity | undefined, a, b | undefined, c | undefined, rows]` (ArrayBuffers): a column chunk's
   * bytes decoded, every row, or below `limit` only the pages holding its first `limit` rows (`rows` says how many;
   * absent from a build before it, which decodes every row).
   */
  parquetReadChunk(h: ParquetFileHandle, rowGroup: number, column: number, chunk: Uint8Array, limit: number): unknown[];
}

/** The addon's exports (native/src/bindings.rs). */
export interface NativeBinding extends Partial<NativeCsvBinding>, Partial<NativeParquetBinding> {
  bindingVersion(): number;
  internerCreate(): InternerHandle;
  internerSize(h: InternerHandle): number;
  internerInternIds(h: InternerHandle, ids: IdColumn, out: Int32Array): void;
  internerInternUtf8(h: InternerHandle, bytes: Uint8Array, offsets: Int32Array, out: Int32Array): void;
  internerInternDict(h: InternerHandle, bytes: Uint8Array, offsets: Int32Array, indices: Int32Array, mapping: Int32Array, out: Int32Array): void;
  internerKeys(h: InternerHandle, from: number, to: number): (number | string)[];
  quantileThresholds(values: Float64Array, k: number, out: Float64Array): void;
  sinkCreate(): SinkHandle;
  /** Customers interned. */
  sinkSize(h: SinkHandle): number;
  /** Masked interns like the interner's (kernels.ts JUDGE_ONLY), writing customer handles. */
  sinkInternIds(h: SinkHandle, ids: IdColumn, out: Int32Array): void;
  sinkInternUtf8(h: SinkHandle, bytes: Uint8Array, offsets: Int32Array, out: Int32Array): void;
  sinkInternDict(h: SinkHandle, bytes: Uint8Array, offsets: Int32Array, indices: Int32Array, mapping: Int32Array, out: Int32Array): void;
  /** Logs rows `0..n` whose `cust` is a handle; `io` = [maxTs, rows, customers] afterwards. Order kinds: 0 none, 1 number, 2 text. */
  sinkAppend(
    h: SinkHandle, cust: Int32Array, ts: Float64Array, amount: Float64Array, margin: Float64Array | null, n: number,
    orderKind: Uint8Array | null, orderNum: Float64Array | null, orderBytes: Uint8Array | null, orderOffsets: Int32Array | null, io: Float64Array,
  ): void;
  /**
   * aggregator.ts `judge` on a batch's raw time values (`ts` at `scale` to ms): writes ms to
   * `tsOut` and the mask to `out` / `invalid`; returns the rows to number (absent from a build before it).
   */
  judgeRows?(ts: BigInt64Array | Int32Array, scale: number, amount: Float64Array, margin: Float64Array | null, asOf: number, tsOut: Float64Array, out: Int32Array, invalid: Uint8Array): number;
  /** Room for `rows` more rows in the sink's record logs (absent from a build before it). */
  sinkReserve?(h: SinkHandle, rows: number): void;
  /** Keys of the customers ranked `from..to` by first appearance. */
  sinkKeys(h: SinkHandle, from: number, to: number): (number | string)[];
  /** Registers the sink for the process's other threads; returns its id. */
  sinkPublish(h: SinkHandle): number;
  /** Forgets a published sink; 1 when it was registered. */
  sinkFree(id: number): number;
  /** A new customer table for the sinks of one pool stage (native/src/partial/customers.rs); returns its id (absent from a build before it). */
  customersCreate?(): number;
  /** Forgets a customer table; 1 when it was registered (its memory goes with its last sink). */
  customersFree?(id: number): number;
  /** The sink interns into customer table `table` from now on; before its first customer. */
  sinkJoin?(h: SinkHandle, table: number): void;
  /** Every partition of one sink finalized and derived: `[idBytes, idOffsets, ...Float64 ArrayBuffers]` (native/src/partial/binding.rs `base`). */
  sinkFinalize(h: SinkHandle, asOfDay: number, windows: Float64Array): unknown[];
  /** The sink's whole state as one pack (native/src/partial/binding.rs `sink_pack`); the sink is spent. */
  sinkPack(h: SinkHandle): unknown[];
  /**
   * Output partition `p` of `partitions` of the published sinks `ids` (share order), combined and finalized, kept in the
   * addon: returns its id; with `base` (baseCreate's) joining that base instead, and returning `base`.
   */
  sinkCombine(ids: Float64Array, shares: Float64Array, p: number, partitions: number, asOfDay: number, windows: Float64Array, base?: number): number;
  /** An empty base that `tasks` sinkCombine calls put together themselves (native/src/partial/shared_base.rs); returns its id (absent from a build before it). */
  baseCreate?(tasks: number): number;
  /** Kept outputs of sinkCombine put together in order of first appearance, or one base of baseCreate, and freed: like sinkFinalize's result. */
  partsGather(ids: Float64Array): unknown[];
  /** Forgets a kept output of sinkCombine or a base of baseCreate; 1 when it was kept. */
  partsFree(id: number): number;
  /** engine/model/model-kernels.ts `bgnbdSums` (absent from a build before the model kernels). */
  bgnbdSums?(
    params: Float64Array, x: Float64Array, tx: Float64Array, T: Float64Array, weight: Float64Array, xIndex: Int32Array,
    table: Float64Array, dayLogs: Float64Array, withGrad: 0 | 1, shardRows: number, threads: number, out: Float64Array,
  ): void;
  /** The model kernels' ln (fn 0), ln(1 + x) (1) and e^x (2) of each `x` into `out` (native/src/model/fdlibm.rs; absent from a build before them). */
  modelMath?(fn: 0 | 1 | 2, x: Float64Array, out: Float64Array): void;
  /** engine/model/model-kernels.ts `gammaGammaSums` (absent from a build before the model kernels). */
  gammaGammaSums?(
    params: Float64Array, x: Float64Array, mx: Float64Array, logMx: Float64Array, xIndex: Int32Array,
    table: Float64Array, withGrad: 0 | 1, shardRows: number, threads: number, out: Float64Array,
  ): void;
  /**
   * engine/live/json-rows.ts's scanner of a JSON events body of the common shape (absent from a build before it): the rows
   * read, or -1 to leave the body to the TypeScript scanner; `idNum` is NaN for a text id (its bytes `idStart..idEnd`), `io[0]` 1 when a row had a margin key.
   */
  jsonRowsScan?(
    body: Uint8Array, ts: Float64Array, amount: Float64Array, margin: Float64Array, idNum: Float64Array, idStart: Int32Array, idEnd: Int32Array, io: Float64Array,
  ): number;
  /** engine/model/rfm-groups.ts's radix grouping (absent from a build before it): the number of groups. */
  groupRfm?(
    x: Float64Array, tx: Float64Array, T: Float64Array, groupOf: Int32Array, dayBits: number,
    outX: Float64Array, outTx: Float64Array, outT: Float64Array, outWeight: Float64Array,
  ): number;
  /** engine/model/model-kernels.ts `predictCustomers` (absent from a build before it); `models`: 1 BG/NBD, 2 Gamma-Gamma fitted. */
  bgnbdPredictCustomers?(
    groupOf: Int32Array, perGroup: Float64Array, x: Float64Array, meanRepeatValue: Float64Array, gg: Float64Array, models: number, threads: number,
    pAlive: Float64Array, expected: Float64Array, aov: Float64Array, clv: Float64Array,
  ): void;
  /** engine/rescore/id-join.ts's join of two UTF-8 id columns (absent from a build before it). */
  joinUtf8?(prevBytes: Uint8Array, prevOffsets: Int32Array, bytes: Uint8Array, offsets: Int32Array, out: Int32Array): void;
  /** engine/score/score-column.ts's scoring by thresholds (absent from a build before it). */
  scoreColumn?(values: Float64Array, sign: number, orders: Float64Array, thresholds: Float64Array, out: Uint8Array | Uint16Array): void;
  /** engine/snapshot/encode-column.ts's Arrow buffers of a Float64 column (absent from a build before it): the null count. */
  encodeColumn?(kind: number, values: Float64Array, data: Uint8Array, bitmap: Uint8Array): number;
  /** server/format/native-rows.ts: a row plan of `columns` columns over a snapshot of `rows` rows, `tail` closing each row (absent from a build before it). */
  jsonRowsPlan?(rows: number, columns: number, tail: Uint8Array): JsonRowPlanHandle;
  /** Registers column `c` of a row plan: its key, op (customer-json.ts) and buffers as bytes, which the caller keeps alive as long as the plan. */
  jsonRowsColumn?(
    plan: JsonRowPlanHandle, c: number, op: number, key: Uint8Array, values: Uint8Array, text: Uint8Array | null, validity: Uint8Array | null,
    names: Uint8Array | null, nameOffsets: Int32Array | null,
  ): void;
  /** Writes `rows` (negative ones skipped) into `out` from `io[0]`, comma-separated when `io[1]` is 1 (none yet) or 2; updates `io`, returns the rows done (fewer when `out` is full). */
  jsonRowsWrite?(plan: JsonRowPlanHandle, rows: Int32Array, out: Uint8Array, ends: Int32Array | null, io: Float64Array): number;
  /** Registers the snapshot's id index (engine/live/id-hash-index.ts tables) with a row plan, borrowed like its columns. */
  jsonRowsIndex?(plan: JsonRowPlanHandle, slots: Int32Array, offsets: Int32Array, bytes: Uint8Array): void;
  /** `out[i]` = the snapshot row of the UTF-8 id `ids[starts[i], starts[i + 1])`, or -1. */
  jsonRowsFind?(plan: JsonRowPlanHandle, ids: Uint8Array, starts: Int32Array, out: Int32Array): void;
  /**
   * cli/malloc-arenas.ts: execve(2) of `path` with `argv` and `env`, each a block of NUL-terminated UTF-8 strings,
   * the descriptors `keep` left open (absent from a build before it). Returns only when the exec failed: the errno
   * (ENOSYS where not Linux with glibc).
   */
  processExec?(path: Uint8Array, argv: Uint8Array, env: Uint8Array, keep: Int32Array): number;
}

/** The file names `napi build --platform` gives the addon on this machine (glibc first, then musl). */
export function addonFileNames(): string[] {
  const base = `segstream.${process.platform}-${process.arch}`;
  if (process.platform === 'linux') return [`${base}-gnu.node`, `${base}-musl.node`];
  return [process.platform === 'win32' ? `${base}-msvc.node` : `${base}.node`];
}

/**
 * Where the addon may be: `SEGSTREAM_NATIVE_ADDON`, else `native/` of the package root, which is
 * two levels up from this file in the sources and three from its build in dist/.
 */
export function addonCandidates(): string[] {
  const override = process.env.SEGSTREAM_NATIVE_ADDON;
  if (override) return [override];
  return ['../../native/', '../../../native/'].flatMap((dir) => addonFileNames().map((name) => fileURLToPath(new URL(dir + name, import.meta.url))));
}

/** Loads the addon, or returns why it cannot be loaded. */
export function loadBinding(): { binding: NativeBinding } | { reason: string } {
  const candidates = addonCandidates();
  const path = candidates.find((p) => existsSync(p));
  if (path === undefined) return { reason: `no ${addonFileNames()[0]!} (run npm run build:native)` };
  let binding: NativeBinding;
  try {
    binding = createRequire(import.meta.url)(path) as NativeBinding;
  } catch (err) {
    return { reason: `${path} does not load: ${(err as Error).message}` };
  }
  const version = typeof binding.bindingVersion === 'function' ? binding.bindingVersion() : -1;
  if (version !== BINDING_VERSION) return { reason: `${path} is a stale build (binding ${version}, want ${BINDING_VERSION}; run npm run build:native)` };
  return { binding };
}

let shared: { binding: NativeBinding } | { reason: string } | undefined;

/** loadBinding's answer, looked up once per thread and shared: the kernels, twins, readers and scanners all use it. */
export function sharedBinding(): { binding: NativeBinding } | { reason: string } {
  shared ??= loadBinding();
  return shared;
}

/** The addon, or null where there is none (load-kernels.ts says why, once). */
export function nativeBinding(): NativeBinding | null {
  const found = sharedBinding();
  return 'binding' in found ? found.binding : null;
}
