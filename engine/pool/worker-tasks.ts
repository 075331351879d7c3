/**
 * The two kinds of task a pool worker runs, as plain functions (worker.ts only dispatches), and
 * the messages they post back on the task's MessagePort. Results travel on the port rather than
 * as piscina's return value so that many ArrayBuffers can be transferred at once.
 */
import type { MessagePort } from 'node:worker_threads';
import { Aggregator } from '../aggregate/aggregator.js';
import { type KernelMode, loadKernels } from '../kernels/load-kernels.js';
import { DEFAULT_INPUT_OPTIONS, type DialectDecisions, InputDialect } from '../parse/input-dialect.js';
import { type RejectReason, type RejectedRow, RejectLog } from '../parse/reject-log.js';
import type { RawBatch, ReadOptions } from '../read/raw-batch.js';
import type { Share } from './plan-shares.js';
import { type ShareFlags, readShare } from './read-share.js';
import { combinePartials, windowList } from '../aggregate/combine-partials.js';
import { dayOf } from '../parse/parse-timestamp.js';
import { type PartitionPack, packBuffers, packPartitions } from '../aggregate/partial-pack.js';
import { type TablePart, tablePartBuffers, toTablePart } from './table-pack.js';

/** Phase 1: read, parse and pre-aggregate one share, then cut its state into partitions. */
export interface AggregateTask {
  readonly kind: 'aggregate';
  readonly share: Share;
  readonly partitions: number;
  readonly asOfMs: number;
  readonly read: ReadOptions;
  /** Kernels to aggregate with; the main thread has already checked that `native` loads. */
  readonly engine: KernelMode;
  /** The input's dialect as the main thread decided it (absent: today's rules). */
  readonly dialect?: DialectDecisions;
  /** The stage's customer table, which a native sink joins (kernels/native-sink.ts `join`); absent: a table of its own. */
  readonly customers?: number;
  readonly port: MessagePort;
}

/**
 * Phase 2: merge one partition's packs (in share order) and finalize its customers; on the native
 * kernels, the partition `partition` of `partitions` of the published sinks `sinks` instead.
 */
export interface MergeTask {
  readonly kind: 'merge';
  readonly packs: PartitionPack[];
  /** `base`: the base the stage's merge tasks put together (kernels/native-sink.ts `base`), where the addon has one. */
  readonly sinks: { readonly ids: number[]; readonly shares: number[]; readonly partition: number; readonly partitions: number; readonly base?: number } | null;
  readonly asOfMs: number;
  readonly hasMargin: boolean;
  readonly windowDays: number[];
  readonly port: MessagePort;
}

/** A task of the pool. */
export type PoolTask = AggregateTask | MergeTask;

/** What an aggregate task found. */
export interface ShareResult {
  /** The share's partial state cut into partitions (TypeScript kernels), or empty when `sink` holds it. */
  readonly packs: PartitionPack[];
  /** The id of the share's published native sink (kernels/native-sink.ts), when it has one. */
  readonly sink?: number | null;
  /** Rows read (valid or not). */
  readonly rows: number;
  readonly validRows: number;
  readonly futureRows: number;
  readonly maxTs: number;
  readonly hasMargin: boolean;
  readonly rejects: { readonly total: number; readonly counts: Partial<Record<RejectReason, number>>; readonly kept: RejectedRow[] };
  readonly quoted: boolean;
}

/** Messages on a task's port. */
export type PoolMessage =
  | { readonly type: 'progress'; readonly rows: number; readonly bytes: number }
  | { readonly type: 'share'; readonly result: ShareResult }
  | { readonly type: 'part'; readonly part: TablePart }
  /** A native merge's finalized partition, kept in the addon (kernels/native-sink.ts `gather`). */
  | { readonly type: 'kept'; readonly id: number }
  | { readonly type: 'error'; readonly code: string | undefined; readonly message: string };

/** What sinking a share needs: the share, how to read it, and how to aggregate. */
export type ShareSinkTask = Pick<AggregateTask, 'share' | 'asOfMs' | 'read' | 'engine' | 'dialect' | 'customers'>;

/**
 * Reads one share and sinks it into a new aggregator: the aggregate task of a pool worker and of
 * a cluster node (engine/cluster/rescore-node.ts). `onBatch` sees each batch after it is sunk.
 */
export async function sinkShare(task: ShareSinkTask, onBatch?: (raw: RawBatch) => void): Promise<{ agg: Aggregator; summary: Omit<ShareResult, 'packs' | 'sink'> }> {
  const agg = new Aggregator(task.asOfMs, loadKernels(task.engine, { notice: () => undefined }));
  if (task.customers !== undefined) agg.sink?.join(task.customers);
  const rejects = new RejectLog(1000);
  const flags: ShareFlags = { quoted: false };
  const dialect = task.dialect ? new InputDialect(DEFAULT_INPUT_OPTIONS, task.dialect) : undefined;
  let rows = 0;
  const share = task.share;
  // The sink's record logs are sized once for the whole share: from the file's row counts, or
  // (text) from the first batch's rows per byte, with a little to spare.
  let sized = share.rows !== undefined;
  if (share.rows !== undefined) agg.reserve(share.rows);
  for await (const raw of readShare(share, dialect ? { ...task.read, dialect } : task.read, flags)) {
    if (!sized && raw.bytesRead > 0 && share.bytes > 0) {
      agg.reserve(Math.ceil(((raw.length * share.bytes) / Math.min(raw.bytesRead, share.bytes)) * 1.02));
      sized = true;
    }
    rows += raw.length;
    agg.addRaw(raw, rejects, dialect);
    onBatch?.(raw);
  }
  const summary = {
    rows,
    validRows: agg.state.rows,
    futureRows: agg.futureRows,
    maxTs: agg.state.maxTs,
    hasMargin: agg.hasMargin,
    rejects: { total: rejects.total, counts: rejects.counts, kept: rejects.kept },
    quoted: flags.quoted,
  };
  return { agg, summary };
}

/** Runs an aggregate task; posts progress and then the share's result. */
export async function runAggregate(task: AggregateTask): Promise<void> {
  const { share, port } = task;
  let bytes = 0;
  const { agg, summary } = await sinkShare(task, (raw) => {
    const done = raw.bytesRead >= 0 ? Math.min(share.bytes, raw.bytesRead) : bytes;
    port.postMessage({ type: 'progress', rows: raw.length, bytes: done - bytes } satisfies PoolMessage);
    bytes = done;
  });
  if (bytes < share.bytes) port.postMessage({ type: 'progress', rows: 0, bytes: share.bytes - bytes } satisfies PoolMessage);
  if (agg.sink !== null) {
    // The sink stays in the addon's memory, which every worker of the process shares: only its id travels.
    const result: ShareResult = { packs: [], sink: agg.sink.publish(), ...summary };
    port.postMessage({ type: 'share', result } satisfies PoolMessage);
    return;
  }
  const packs = packPartitions(agg, share.index, task.partitions);
  const result: ShareResult = { packs, sink: null, ...summary };
  port.postMessage({ type: 'share', result } satisfies PoolMessage, packs.flatMap(packBuffers));
}

/** Runs a merge task; posts the finalized partition. */
export function runMerge(task: MergeTask): void {
  const { sinks } = task;
  if (sinks !== null) {
    // The finalized partition stays in the addon, by id, for the main thread to gather; or it
    // joins the stage's base, and this task copies rows of the base once every partition is in.
    const id = loadKernels('native').sinks!.combine(sinks.ids, sinks.shares, sinks.partition, sinks.partitions, dayOf(task.asOfMs), windowList(task.windowDays), sinks.base);
    task.port.postMessage({ type: 'kept', id } satisfies PoolMessage);
    return;
  }
  const { table, order } = combinePartials(task.packs, task.asOfMs, task.hasMargin, task.windowDays);
  const part = toTablePart(table, order);
  task.port.postMessage({ type: 'part', part } satisfies PoolMessage, tablePartBuffers(part));
}
