/**
 * Arrow IPC file writer: one record batch per chunk, through apache-arrow's
 * `RecordBatchFileWriter`. The writer normally queues its bytes until a reader pulls them; here its
 * sink is a collector that is emptied into the output after every batch, so memory holds one
 * batch's bytes at a time and the file's footer still lists every block.
 */

import { AsyncByteQueue, RecordBatchFileWriter } from 'apache-arrow';
import type { ByteSink } from './byte-sink.js';
import { TransactionBatchBuilder } from './transaction-batch.js';
import type { TransactionChunk } from './transaction-chunk.js';

/** Takes the writer's bytes synchronously instead of queueing them for an async reader. */
class ByteCollector extends AsyncByteQueue {
  private parts: Uint8Array[] = [];
  private size = 0;

  override write(value: Uint8Array): void {
    // Views of the chunk's columns: valid only until `take` copies them, before the next refill.
    this.parts.push(value);
    this.size += value.byteLength;
  }

  /** The bytes written since the last take. */
  take(): Uint8Array {
    const joined = Buffer.concat(this.parts, this.size);
    this.parts = [];
    this.size = 0;
    return joined;
  }
}

/** Writes chunks as an Arrow IPC file (`customer_id` Int32, `ts` Timestamp ms UTC, `amount`/`margin` Float64). */
export async function writeArrow(chunks: Iterable<TransactionChunk>, sink: ByteSink): Promise<void> {
  const collector = new ByteCollector();
  const writer = new RecordBatchFileWriter();
  writer.reset(collector);
  let builder: TransactionBatchBuilder | undefined;
  // One write in flight while the next chunk is drawn; `take` copies, so the chunk can be refilled.
  let pending: Promise<void> = Promise.resolve();
  for (const chunk of chunks) {
    builder ??= new TransactionBatchBuilder(chunk.capacity);
    writer.write(builder.build(chunk));
    const bytes = collector.take();
    await pending;
    pending = sink.write(bytes);
    pending.catch(() => undefined); // surfaces at the next await, not as an unhandled rejection
  }
  await pending;
  if (builder === undefined) throw new Error('writeArrow needs at least one chunk (the schema comes with it)');
  writer.finish();
  await sink.write(collector.take());
}
