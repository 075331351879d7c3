/**
 * The event archive `DATA/events/` (DESIGN "An acknowledged event stays in the base"): where
 * log segments go once a rescore has folded them in, so that every later rescore (CLI, job,
 * schedule) still counts them. Segments are never just trimmed.
 *
 *   DATA/events/<from>-<through>.arrow   the rows of log segments from..through, in append order
 *   DATA/events/.tmp-<from>-<through>.arrow   being written; never read, removed at open
 *
 * Each file is Arrow IPC (file format) with columns seq (the log segment of the row),
 * customer_id (canonical text), ts and amount (float64), margin (float64, null where unknown)
 * event_id (utf8, null where none) and order_id (canonical text, null where none; files written
 * before it existed have no such column). It is written under a temporary name, fsynced, renamed
 * into place and the folder fsynced, so a file that has its name is complete.
 *
 * Invariant: the files cover segments 1..through without gaps or overlaps, each range a fold
 * (the archive only grows at its end). So "the archive plus the log segments above
 * `through`" holds every acknowledged row exactly once, whatever moment a crash came: a segment
 * archived but not yet trimmed is below `through` and ignored in the log.
 */
import { mkdir, readFile, readdir, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { type RecordBatch, RecordBatchFileWriter, Table, Utf8, type Vector, makeData, makeVector, tableFromIPC } from 'apache-arrow';
import { SnapshotCorruptError } from '../errors.js';
import type { TxBatch } from '../parse/parse-batch.js';
import { type CustomerKey, customerKeyFromText } from '../parse/parse-values.js';
import { float64Vector, utf8Vector } from '../snapshot/arrow-columns.js';
import { TurnBudget } from '../turn-budget.js';
import type { WalEntry } from './read-wal.js';
import { orderKey, orderText } from './wal-record.js';
import { replaceDurably, syncDir } from '../durable-files.js';

/** One archive file and the segments it holds. */
export interface ArchiveFile {
  readonly from: number;
  readonly through: number;
  readonly path: string;
}

/** Rows read back from the archive, with the log segment of each row. */
export interface ArchivedBatch {
  readonly batch: TxBatch;
  readonly seq: Float64Array;
}

/**
 * Rows per record batch of an archive file: what one read holds in memory at a time, and what is
 * made into Arrow vectors in one step while a server archives (65,536 rows took 20-40 ms).
 */
const ROWS_PER_BATCH = 16_384;
/** Rows between two looks at the clock while a file is built in slices (a power of two, dividing ROWS_PER_BATCH). */
const PIECE_ROWS = 4096;

const NAME = /^(\d{12})-(\d{12})\.arrow$/;

function pad(seq: number): string {
  return String(seq).padStart(12, '0');
}

/** File name of the archive file holding segments `from`..`through`. */
export function archiveFileName(from: number, through: number): string {
  return `${pad(from)}-${pad(through)}.arrow`;
}

/** Utf8 column whose nulls stay null (an event id may be absent). */
function nullableUtf8Vector(values: readonly (string | null)[]): Vector {
  const n = values.length;
  const offsets = new Int32Array(n + 1);
  const nullBitmap = new Uint8Array((n + 7) >> 3);
  let nullCount = 0;
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v === null || v === undefined) nullCount++;
    else {
      nullBitmap[i >> 3]! |= 1 << (i & 7);
      bytes += Buffer.byteLength(v, 'utf8');
    }
    offsets[i + 1] = bytes;
  }
  const data = Buffer.allocUnsafe(bytes);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v !== null && v !== undefined) data.write(v, offsets[i]!, 'utf8');
  }
  return makeVector(makeData({ type: new Utf8(), length: n, nullCount, nullBitmap, valueOffsets: offsets, data }));
}

/**
 * The rows of `entries` as an Arrow table of record batches of at most ROWS_PER_BATCH rows. It
 * works in the budget's slices, yielding to the event loop between them: a server archives the
 * log a job folded (millions of rows after a busy day) while it serves, and building it in one
 * step held lookups for seconds (then a turn after each batch of 65,536: still 20-60 ms at once).
 */
async function archiveTable(entries: readonly WalEntry[], budget: TurnBudget): Promise<Table> {
  const batches: Table['batches'] = [];
  let seq: number[] = [];
  let ids: string[] = [];
  let ts: number[] = [];
  let amount: number[] = [];
  let margin: number[] = [];
  let eventIds: (string | null)[] = [];
  let orderIds: (string | null)[] = [];
  const flush = (): void => {
    if (seq.length === 0) return;
    const t = new Table({
      seq: float64Vector(Float64Array.from(seq)),
      customer_id: utf8Vector(ids),
      ts: float64Vector(Float64Array.from(ts)),
      amount: float64Vector(Float64Array.from(amount)),
      margin: float64Vector(Float64Array.from(margin)),
      event_id: nullableUtf8Vector(eventIds),
      order_id: nullableUtf8Vector(orderIds),
    });
    batches.push(...t.batches);
    seq = [];
    ids = [];
    ts = [];
    amount = [];
    margin = [];
    eventIds = [];
    orderIds = [];
  };
  for (const { seq: s, batch } of entries) {
    for (let i = 0; i < batch.length; i++) {
      seq.push(s);
      ids.push(String(batch.ids[i]));
      ts.push(batch.ts[i]!);
      amount.push(batch.amount[i]!);
      margin.push(batch.margin ? batch.margin[i]! : Number.NaN);
      eventIds.push(batch.eventIds?.[i] ?? null);
      orderIds.push(orderText(batch.orderIds?.[i]));
      if (seq.length === ROWS_PER_BATCH) flush();
      if ((seq.length & (PIECE_ROWS - 1)) === 0) await budget.check();
    }
  }
  flush();
  return new Table(batches);
}

/**
 * The Arrow IPC file of `table` as the writer's chunks (the columns' own buffers between the small
 * metadata and padding pieces), a record batch per slice of the budget: the whole file in one
 * step (tableToIPC's file-sized copy, then the writer's schema check and encode of ~70 batches
 * for a million rows) held the loop 90 ms.
 */
async function ipcFileChunks(table: Table, budget: TurnBudget): Promise<Uint8Array[]> {
  const writer = new RecordBatchFileWriter();
  const chunks: Uint8Array[] = [];
  const drained = (async () => {
    for await (const chunk of writer) chunks.push(chunk);
  })();
  writer.reset(undefined, table.schema);
  for (const batch of table.batches) {
    writer.write(batch);
    await budget.check();
  }
  writer.finish();
  await drained;
  return chunks;
}

/** Rows `from`..`to` of a float64 column as a new array (NaN for an absent column). */
function floats(v: Vector | null, from: number, to: number): Float64Array {
  if (!v) return new Float64Array(to - from).fill(Number.NaN);
  // float64Vector keeps NaN in the data under a null, so the values buffer is the column.
  return (v.toArray() as Float64Array).slice(from, to);
}

/** Rows `from`..`to` of one record batch of an archive file. */
function archivedRows(rb: RecordBatch, from: number, to: number): ArchivedBatch {
  const n = to - from;
  const idCol = rb.getChild('customer_id');
  const eventCol = rb.getChild('event_id');
  const orderCol = rb.getChild('order_id');
  const orderIds: CustomerKey[] | null = orderCol && orderCol.nullCount < rb.numRows ? new Array(n) : null;
  const ids: CustomerKey[] = new Array(n);
  const eventIds: (string | null)[] = new Array(n);
  let anyEventId = false;
  for (let i = 0; i < n; i++) {
    ids[i] = customerKeyFromText(idCol?.get(from + i) as string) as CustomerKey;
    const e = (eventCol?.get(from + i) as string | null | undefined) ?? null;
    eventIds[i] = e;
    if (e !== null) anyEventId = true;
    if (orderIds) orderIds[i] = orderKey(orderCol!.get(from + i) as string | null);
  }
  const marginCol = rb.getChild('margin');
  const margin = marginCol && marginCol.nullCount < rb.numRows ? floats(marginCol, from, to) : null;
  const batch: TxBatch = {
    length: n,
    ids,
    ts: floats(rb.getChild('ts'), from, to),
    amount: floats(rb.getChild('amount'), from, to),
    margin,
    ...(anyEventId ? { eventIds } : {}),
    ...(orderIds ? { orderIds } : {}),
  };
  return { batch, seq: floats(rb.getChild('seq'), from, to) };
}

/** The archive of one data directory. */
export class EventArchive {
  private constructor(
    readonly dir: string,
    private readonly list: ArchiveFile[],
  ) {}

  /** Folder of the archive under a data directory. */
  static dirOf(dataDir: string): string {
    return join(dataDir, 'events');
  }

  /** Lists the archive in `dir` (which may not exist yet). Leftover temporary files of a crash are removed when `tidy`. */
  static async open(dir: string, tidy = false): Promise<EventArchive> {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new EventArchive(dir, []);
      throw error;
    }
    const list: ArchiveFile[] = [];
    for (const name of names) {
      const m = NAME.exec(name);
      if (m) list.push({ from: Number.parseInt(m[1]!, 10), through: Number.parseInt(m[2]!, 10), path: join(dir, name) });
      else if (tidy && name.startsWith('.tmp-')) await rm(join(dir, name), { force: true });
    }
    list.sort((a, b) => a.from - b.from);
    return new EventArchive(dir, list);
  }

  /** The files, in segment order. */
  get files(): readonly ArchiveFile[] {
    return this.list;
  }

  /** The last log segment the archive holds; 0 when empty. */
  get through(): number {
    return this.list.at(-1)?.through ?? 0;
  }

  /**
   * Archives the log entries of segments `this.through + 1`..`through` as one file. The caller
   * trims those segments from the log only after this resolves.
   */
  async add(through: number, entries: readonly WalEntry[], budget = new TurnBudget()): Promise<ArchiveFile | null> {
    const from = this.through + 1;
    if (through < from) return null;
    const created = await mkdir(this.dir, { recursive: true });
    if (created !== undefined) await syncDir(dirname(this.dir));
    const file: ArchiveFile = { from, through, path: join(this.dir, archiveFileName(from, through)) };
    const rows = entries.filter((e) => e.seq >= from && e.seq <= through);
    const chunks = await ipcFileChunks(await archiveTable(rows, budget), budget);
    await replaceDurably(file.path, join(dirname(file.path), `.tmp-${basename(file.path)}`), chunks);
    this.list.push(file);
    return file;
  }

  /**
   * The rows of one archive file in order, a record batch at a time, or in pieces of at most
   * `rows` rows: a server's swap re-applies archived rows between lookups, and decoding a record
   * batch of 65,536 rows at once (ids made JS keys one by one) held its event loop tens of ms.
   */
  static async *readFile(file: ArchiveFile, rows = ROWS_PER_BATCH): AsyncGenerator<ArchivedBatch> {
    let table: Table;
    try {
      table = tableFromIPC(await readFile(file.path));
    } catch (cause) {
      // Written whole or not at all (temp name, fsync, rename): a file that does not read is damage to look at, not to skip.
      const reason = (cause as NodeJS.ErrnoException).code ?? 'not an Arrow IPC file';
      throw new SnapshotCorruptError(`the event archive file ${file.path} cannot be read (${reason}); its events are not in any other place`, { cause });
    }
    for (const rb of table.batches) {
      for (let from = 0; from < rb.numRows; from += rows) yield archivedRows(rb, from, Math.min(rb.numRows, from + rows));
    }
  }

  /** Every archived row, file by file in segment order. */
  async *read(): AsyncGenerator<ArchivedBatch> {
    for (const file of this.list) yield* EventArchive.readFile(file);
  }
}
