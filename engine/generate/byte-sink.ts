/**
 * Where the generator's bytes go: a file (opened for writing, removed again if the run fails) or
 * standard output (`-`). Writes are awaited one at a time, which is the backpressure that keeps
 * memory bounded by one chunk whatever the row count.
 */

import { open, unlink, type FileHandle } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { outputError } from '../snapshot/output-error.js';

/** An output that counts the bytes written to it. */
export interface ByteSink {
  /** Bytes written so far. */
  readonly bytes: number;
  /** Writes all of `data`; resolves when it may be reused. */
  write(data: Uint8Array): Promise<void>;
  /** Flushes and closes; returns the byte count. */
  close(): Promise<number>;
  /** Closes after a failure, removing a partly written file. */
  abort(): Promise<void>;
}

class FileSink implements ByteSink {
  bytes = 0;
  constructor(
    private readonly handle: FileHandle,
    private readonly path: string,
  ) {}

  async write(data: Uint8Array): Promise<void> {
    let offset = 0;
    while (offset < data.byteLength) {
      const { bytesWritten } = await this.handle.write(data, offset, data.byteLength - offset);
      offset += bytesWritten;
    }
    this.bytes += data.byteLength;
  }

  async close(): Promise<number> {
    await this.handle.close();
    return this.bytes;
  }

  async abort(): Promise<void> {
    await this.handle.close().catch(() => undefined);
    await unlink(this.path).catch(() => undefined);
  }
}

class StreamSink implements ByteSink {
  bytes = 0;
  constructor(private readonly stream: Writable) {}

  write(data: Uint8Array): Promise<void> {
    this.bytes += data.byteLength;
    return new Promise((resolve, reject) => {
      // The callback fires once the data is handed to the OS; waiting for it bounds the buffer.
      this.stream.write(data, (error) => (error ? reject(error) : resolve()));
    });
  }

  async close(): Promise<number> {
    return this.bytes; // standard output stays open for the caller
  }

  async abort(): Promise<void> {}
}

/** Opens `out` (a path, or `-` for standard output) for writing; OutputUnwritableError if it cannot. */
export async function openByteSink(out: string, stdout: Writable = process.stdout): Promise<ByteSink> {
  if (out === '-') return new StreamSink(stdout);
  try {
    return new FileSink(await open(out, 'w'), out);
  } catch (error) {
    // One coded line (SEG_ERR_OUTPUT_UNWRITABLE for a missing folder, no permission, a read-only disk), as every output says.
    throw outputError(error, `--out ${out}`);
  }
}
