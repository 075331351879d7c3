/**
 * Turns a chunk into an apache-arrow `RecordBatch` without copying the value columns: the batch's
 * buffers are views of the chunk, valid until the chunk is refilled. Shared by the Arrow and
 * Parquet writers, so both files hold the same types.
 */

import {
  Field,
  Float64,
  Int32,
  RecordBatch,
  Schema,
  Struct,
  TimestampMillisecond,
  makeData,
} from 'apache-arrow';
import type { TransactionChunk } from './transaction-chunk.js';

/** Arrow schema of generated files: Int32 ids (ids are `1..customers`), UTC millisecond timestamps. */
export const TRANSACTION_SCHEMA = new Schema([
  new Field('customer_id', new Int32(), false),
  new Field('ts', new TimestampMillisecond('UTC'), false),
  new Field('amount', new Float64(), false),
  new Field('margin', new Float64(), false),
]);

const TWO_POW_32 = 4294967296;

/** Builds record batches from chunks of one capacity, reusing one timestamp buffer. */
export class TransactionBatchBuilder {
  private readonly ts64: BigInt64Array;
  /** The same memory as 32-bit words: filling words avoids a BigInt per row. */
  private readonly tsWords: Int32Array;

  /** `capacity`: the row capacity of the chunks to come. */
  constructor(capacity: number) {
    this.ts64 = new BigInt64Array(capacity);
    this.tsWords = new Int32Array(this.ts64.buffer);
  }

  /** A record batch over rows `[0, chunk.length)`; valid until the chunk or builder is reused. */
  build(chunk: TransactionChunk): RecordBatch {
    const length = chunk.length;
    const words = this.tsWords;
    for (let i = 0; i < length; i++) {
      const ms = chunk.ts[i] ?? 0;
      const high = Math.floor(ms / TWO_POW_32);
      // Little-endian int64 (every platform Node runs on): low word first, then the signed high.
      words[2 * i] = ms - high * TWO_POW_32;
      words[2 * i + 1] = high;
    }
    const [idField, tsField, amountField, marginField] = TRANSACTION_SCHEMA.fields as [
      Field<Int32>,
      Field<TimestampMillisecond>,
      Field<Float64>,
      Field<Float64>,
    ];
    const children = [
      makeData({ type: idField.type, length, nullCount: 0, data: chunk.customerId.subarray(0, length) }),
      makeData({ type: tsField.type, length, nullCount: 0, data: this.ts64.subarray(0, length) }),
      makeData({ type: amountField.type, length, nullCount: 0, data: chunk.amount.subarray(0, length) }),
      makeData({ type: marginField.type, length, nullCount: 0, data: chunk.margin.subarray(0, length) }),
    ];
    const data = makeData({ type: new Struct(TRANSACTION_SCHEMA.fields), length, nullCount: 0, children });
    return new RecordBatch(TRANSACTION_SCHEMA, data);
  }
}
