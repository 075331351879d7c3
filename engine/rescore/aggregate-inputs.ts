/**
 * The read → parse → aggregate stage of a rescore, on the calling thread: every input file in
 * order, then the extra batches (the real-time log). The pool (engine/pool) offers the same
 * contract on worker threads.
 */
import { Aggregator } from '../aggregate/aggregator.js';
import { RejectLog } from '../parse/reject-log.js';
import { type InputFile, readFile } from '../read/open-input.js';
import type { InputFormat, ReadOptions, ReadProgress } from '../read/raw-batch.js';
import { type ExtraBatches, extraBatches } from '../aggregate/extra-batches.js';
import type { ManifestInput } from '../snapshot/manifest.js';
import type { InputDialect } from '../parse/input-dialect.js';
import type { ColumnsSeen } from './input-decisions.js';
import type { Kernels } from '../kernels/kernels.js';

/** What the aggregation stage hands to scoring. */
export interface AggregatedInputs {
  readonly agg: Aggregator;
  readonly rejects: RejectLog;
  readonly inputs: ManifestInput[];
  /** Rows read, valid or not, future or not. */
  readonly rowsRead: number;
}


/** Options of the aggregation stage. */
export interface AggregateInputsOptions {
  readonly asOfMs: number;
  readonly format?: InputFormat;
  readonly extra?: ExtraBatches;
  readonly onProgress?: (p: ReadProgress) => void;
  /** The interner and aggregation kernel (engine/kernels); default: the TypeScript ones. */
  readonly kernels?: Kernels;
  /** How values are read (given, or sniffed from the first batches); default: today's rules. */
  readonly dialect?: InputDialect;
  /** Notes which columns the batches carried (for the manifest's input.decisions). */
  readonly seen?: ColumnsSeen;
}

/** Reads, parses and aggregates every input file, then the extra batches. */
export async function aggregateInputs(files: readonly InputFile[], readOptions: ReadOptions, opts: AggregateInputsOptions): Promise<AggregatedInputs> {
  const bytesTotal = files.some((f) => f.size < 0) ? -1 : files.reduce((s, f) => s + f.size, 0);
  const rejects = new RejectLog(1000);
  const agg = new Aggregator(opts.asOfMs, opts.kernels);
  const inputs: ManifestInput[] = [];
  let rowsRead = 0;
  let bytesDone = 0;
  for (const file of files) {
    let fileRows = 0;
    let fileBytes = 0;
    // The dialect rides along so a native reader parses only by the rules decided so far (csv-native.ts).
    for await (const raw of readFile(file, opts.dialect ? { ...readOptions, dialect: opts.dialect } : readOptions)) {
      fileRows += raw.length;
      rowsRead += raw.length;
      opts.seen?.observe(raw);
      agg.addRaw(raw, rejects, opts.dialect);
      if (raw.bytesRead >= 0) fileBytes = raw.bytesRead;
      opts.onProgress?.({ rows: rowsRead, bytesRead: bytesDone + fileBytes, bytesTotal });
    }
    const bytes = file.size >= 0 ? file.size : fileBytes;
    bytesDone += bytes;
    inputs.push({ path: file.path, format: file.format ?? opts.format ?? 'detected', bytes, rows: fileRows });
  }
  if (opts.extra) {
    let extraRows = 0;
    for await (const batch of extraBatches(opts.extra, agg.state.rows > 0 ? agg.state.maxTs : Number.NEGATIVE_INFINITY)) {
      extraRows += batch.length;
      agg.add(batch);
    }
    rowsRead += extraRows;
    inputs.push({ path: '(event log)', format: 'wal', bytes: 0, rows: extraRows });
  }
  return { agg, rejects, inputs, rowsRead };
}
