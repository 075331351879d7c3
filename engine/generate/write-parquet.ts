/**
 * Parquet writer, streaming through parquet-wasm's `transformParquetStream`: a pull-based stream of
 * wasm record batches in, a stream of Parquet bytes out (one part per finished row group, then the
 * footer). A chunk is drawn only when the encoder pulls, so memory is one row group in wasm
 * (1M rows, ~24 MB of values) plus one chunk in JS, whatever the row count. Snappy compression.
 *
 * Each chunk crosses into wasm as a one-batch Arrow IPC stream (`Table.fromIPCStream`), the only
 * way in that parquet-wasm 0.8 offers besides the C data interface.
 */

import { RecordBatchStreamWriter } from 'apache-arrow';
import type { ByteSink } from './byte-sink.js';
import { TransactionBatchBuilder } from './transaction-batch.js';
import type { TransactionChunk } from './transaction-chunk.js';

/** Rows per Parquet row group (parquet-rs's default, 16 chunks of 64k). */
export const PARQUET_ROW_GROUP_ROWS = 1 << 20;

/** Writes chunks as one Parquet file with row groups of `PARQUET_ROW_GROUP_ROWS`, Snappy-compressed. */
export async function writeParquet(chunks: Iterable<TransactionChunk>, sink: ByteSink): Promise<void> {
  // Loaded here, not at the top: instantiating the wasm module costs time the other formats skip.
  const wasm = await import('parquet-wasm');
  const iterator = chunks[Symbol.iterator]();
  let builder: TransactionBatchBuilder | undefined;
  const batches = new ReadableStream(
    {
      pull(controller) {
        const next = iterator.next();
        if (next.done === true) {
          controller.close();
          return;
        }
        builder ??= new TransactionBatchBuilder(next.value.capacity);
        const ipc = RecordBatchStreamWriter.writeAll([builder.build(next.value)]).toUint8Array(true);
        const table = wasm.Table.fromIPCStream(ipc);
        for (const batch of table.recordBatches()) controller.enqueue(batch);
        table.free();
      },
    },
    { highWaterMark: 1 },
  );
  const properties = new wasm.WriterPropertiesBuilder()
    .setCompression(wasm.Compression.SNAPPY)
    .setMaxRowGroupSize(PARQUET_ROW_GROUP_ROWS)
    .setCreatedBy('segstream generate')
    .build();
  const bytes = await wasm.transformParquetStream(batches, properties);
  for await (const part of bytes) await sink.write(part as Uint8Array);
}
