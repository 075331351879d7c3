/**
 * CSV and NDJSON writers: each chunk is written as bytes into one of two reused buffers
 * (`AsciiWriter`) while the other is being written out, so drawing and disk writes overlap.
 * Money is written with two decimals from whole cents (`40.10`), which reads back as exactly the
 * Float64 the Arrow and Parquet files hold (`cents / 100`).
 */

import { AsciiWriter } from './ascii-writer.js';
import type { ByteSink } from './byte-sink.js';
import type { TransactionChunk } from './transaction-chunk.js';

/** Header line of the CSV output. */
export const CSV_HEADER = 'customer_id,ts,amount,margin\n';

/**
 * Upper bound of one row's bytes: NDJSON keys (46) + id (10) + ts (24) + two amounts
 * (sign, 16 digits, point, 2 decimals: 20 each) + quotes and separators — well under 160.
 */
const MAX_ROW_BYTES = 160;

const ascii = (text: string): Uint8Array => Buffer.from(text, 'latin1');
const COMMA = ascii(',');
const NEWLINE = ascii('\n');
const JSON_ID = ascii('{"customer_id":');
const JSON_TS = ascii(',"ts":"');
const JSON_AMOUNT = ascii('","amount":');
const JSON_MARGIN = ascii(',"margin":');
const JSON_END = ascii('}\n');

/** Two buffers used in turn: a buffer is refilled only after its previous write has finished. */
class DoubleBuffer {
  private readonly buffers: AsciiWriter[] = [];
  private turn = 0;
  private pending: Promise<void> = Promise.resolve();

  constructor(private readonly sink: ByteSink) {}

  /** The buffer to fill next, emptied; `capacity` is the chunk's row capacity. */
  next(capacity: number): AsciiWriter {
    this.turn ^= 1;
    let out = this.buffers[this.turn];
    if (out === undefined) {
      out = new AsciiWriter(capacity * MAX_ROW_BYTES);
      this.buffers[this.turn] = out;
    }
    out.reset();
    return out;
  }

  /** Waits for the previous write, then starts writing `out` (awaited by the next call or `flush`). */
  async write(out: AsciiWriter): Promise<void> {
    await this.pending;
    this.pending = this.sink.write(out.view());
    // Marked handled at once: a failed write surfaces at the next await, not as an unhandled rejection.
    this.pending.catch(() => undefined);
  }

  /** Waits for the last write. */
  flush(): Promise<void> {
    return this.pending;
  }
}

/** Writes chunks as CSV with a header row; `ts` in ISO-8601 UTC. */
export async function writeCsv(chunks: Iterable<TransactionChunk>, sink: ByteSink): Promise<void> {
  const buffers = new DoubleBuffer(sink);
  await sink.write(ascii(CSV_HEADER));
  for (const { customerId, ts, amount, margin, length, capacity } of chunks) {
    const out = buffers.next(capacity);
    for (let i = 0; i < length; i++) {
      out.uint(customerId[i] ?? 0);
      out.literal(COMMA);
      out.isoTime(ts[i] ?? 0);
      out.literal(COMMA);
      // amount and margin are whole cents / 100, so * 100 rounds back to the exact cents.
      out.cents(Math.round((amount[i] ?? 0) * 100));
      out.literal(COMMA);
      out.cents(Math.round((margin[i] ?? 0) * 100));
      out.literal(NEWLINE);
    }
    await buffers.write(out);
  }
  await buffers.flush();
}

/** Writes chunks as NDJSON, one object per line: `customer_id`, `ts` (ISO string), `amount`, `margin`. */
export async function writeNdjson(chunks: Iterable<TransactionChunk>, sink: ByteSink): Promise<void> {
  const buffers = new DoubleBuffer(sink);
  for (const { customerId, ts, amount, margin, length, capacity } of chunks) {
    const out = buffers.next(capacity);
    for (let i = 0; i < length; i++) {
      out.literal(JSON_ID);
      out.uint(customerId[i] ?? 0);
      out.literal(JSON_TS);
      out.isoTime(ts[i] ?? 0);
      out.literal(JSON_AMOUNT);
      out.cents(Math.round((amount[i] ?? 0) * 100));
      out.literal(JSON_MARGIN);
      out.cents(Math.round((margin[i] ?? 0) * 100));
      out.literal(JSON_END);
    }
    await buffers.write(out);
  }
  await buffers.flush();
}
