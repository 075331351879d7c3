/**
 * `segstream cluster import-events`: a one-machine data folder's acknowledged live events moved
 * into the cluster's shard streams, so the cluster's first rescore folds them as that machine's
 * rescore would (docs/cluster.md "Events"). A cluster reads no node's `wal/` or `events/`: without
 * this, a folder's purchases drop out of the base at the first cluster rescore.
 *
 * The rows are read as a one-machine rescore folds them (event-fold.ts): the archive's files in
 * order, then the log segments above the archive, each in append order; they are published as
 * `POST /v1/events` publishes in cluster mode ({@link publishRows}), batch by batch, each batch
 * acknowledged before the next is read.
 *
 * Running it twice imports each row once: a row keeps its `event_id`, and a row without one gets
 * `import.<hash>` of its place in the folder's log history (the segment and the row's number in
 * it, which the archive keeps as the log had it, so a fold between two imports changes no id) and
 * of its values (two folders' rows at one place differ). Every reader counts an event id once per
 * shard (firstOfEventId), and within JetStream's duplicate window the repeated messages are
 * reported as already present.
 */
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { InputNotFoundError, NotReadyError, SegError, SnapshotCorruptError } from '../errors.js';
import { LiveStore } from '../live/live-store.js';
import { concatTxBatches } from '../live/tx-batches.js';
import type { TxBatch } from '../parse/parse-batch.js';
import { EventArchive } from '../wal/event-archive.js';
import { readWal } from '../wal/read-wal.js';
import { publishRows } from './event-stream.js';
import type { NatsCluster } from './nats-connection.js';
import { readAssignment, SHARD_BUCKET } from './shard-map.js';

/** What an import did: the one-line JSON the command prints. */
export interface ImportSummary {
  /** Acknowledged rows read from the folder (archive and log). */
  readonly rows_read: number;
  /** Rows the streams stored now. */
  readonly published: number;
  /** Rows whose message JetStream already held (an import run again within its duplicate window). */
  readonly already_present: number;
  /** Rows that had no event_id and got `import.<hash>`. */
  readonly ids_generated: number;
  /** Log records cut short by a crash (never acknowledged): not read. */
  readonly torn_records: number;
}

/** Rows published per call: the archive's record batches (16,384 rows), the log's small records gathered up to it. */
const ROWS_PER_PUBLISH = 16_384;

/** A row's id when it has none: its place in the folder's log history and its values. */
function importId(seq: number, row: number, batch: TxBatch, i: number): string {
  const h = createHash('sha256').update(`${seq}\u0000${row}\u0000${String(batch.ids[i])}\u0000${batch.ts[i]}\u0000${batch.amount[i]}`);
  return `import.${h.digest('base64url')}`;
}

/** Rows of the folder in fold order, each with the log segment it was appended to. */
async function* folderRows(dataDir: string, onTorn: () => void): AsyncGenerator<{ batch: TxBatch; seqOf: (i: number) => number }> {
  const archive = await EventArchive.open(EventArchive.dirOf(dataDir));
  for (const file of archive.files) {
    try {
      for await (const { batch, seq } of EventArchive.readFile(file)) yield { batch, seqOf: (i) => seq[i]! };
    } catch (error) {
      if (error instanceof SegError) throw error;
      throw new SnapshotCorruptError(`event archive file ${file.path} cannot be read`, { cause: error });
    }
  }
  for await (const { seq, batch } of readWal(LiveStore.walDir(dataDir), { after: archive.through, onTorn })) yield { batch, seqOf: () => seq };
}

/** Publishes every acknowledged row of `dataDir` to the cluster's shard streams. */
export async function importEvents(cluster: NatsCluster, dataDir: string, node: string): Promise<ImportSummary> {
  const info = await stat(dataDir).catch(() => null);
  if (!info?.isDirectory()) throw new InputNotFoundError(`data folder ${dataDir}: no such folder`);
  const map = await readAssignment(await cluster.bucket(SHARD_BUCKET));
  if (map === null) throw new NotReadyError('the cluster has no shard map yet: start its serve nodes first, then import');
  const shards = map.assignment.shards;
  let rowsRead = 0;
  let published = 0;
  let present = 0;
  let generated = 0;
  let torn = 0;
  // Rows per log segment so far: a row's number in its segment, the same in the archive and the log.
  const rowsInSegment = new Map<number, number>();
  let pending: TxBatch[] = [];
  let pendingRows = 0;
  const flush = async (): Promise<void> => {
    if (pendingRows === 0) return;
    const r = await publishRows(cluster.js, node, shards, concatTxBatches(pending));
    published += r.stored;
    present += r.duplicates;
    pending = [];
    pendingRows = 0;
  };
  for await (const { batch, seqOf } of folderRows(dataDir, () => torn++)) {
    const eventIds = new Array<string>(batch.length);
    for (let i = 0; i < batch.length; i++) {
      const seq = seqOf(i);
      const row = rowsInSegment.get(seq) ?? 0;
      rowsInSegment.set(seq, row + 1);
      const given = batch.eventIds?.[i] ?? null;
      if (given === null) generated++;
      eventIds[i] = given ?? importId(seq, row, batch, i);
    }
    rowsRead += batch.length;
    pending.push({ ...batch, eventIds });
    pendingRows += batch.length;
    if (pendingRows >= ROWS_PER_PUBLISH) await flush();
  }
  await flush();
  return { rows_read: rowsRead, published, already_present: present, ids_generated: generated, torn_records: torn };
}
