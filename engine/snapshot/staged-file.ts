/**
 * A snapshot file written in two rounds, so that most of `customers.arrow` reaches the disk while
 * the models are still being fitted (rescore.ts), and only what the predictions decide is written
 * after them. The Arrow IPC file's chunks (customers-file.ts `encodeCustomerChunks`) tile the file;
 * the predictions are its last columns, so they change only the record batch's header (null
 * counts, buffer lengths), their own buffers and the footer:
 *
 *   file:  magic │ schema │ dictionaries │ batch header │ columns 0…27 │ predictions │ footer
 *   fit:   ──────── written and fsynced ─┘             └── written ───┘
 *   then:                                 rewritten                    └── rewritten ───────┘
 *
 * Which chunks the predictions cannot change is found by encoding the table twice with stand-ins
 * that differ in everything a prediction column can (all null, and no null): a chunk at the same
 * place with the same bytes in both is written early. After the fit every chunk of the real
 * encode that is not that very chunk is written over its place, and the file cut to its length,
 * so the bytes are those of one write whatever the stand-ins missed.
 */
import { randomBytes } from 'node:crypto';
import { type FileHandle, open, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** Where each chunk starts, and the end of the last. */
function offsetsOf(chunks: readonly Uint8Array[]): number[] {
  const at = [0];
  for (const chunk of chunks) at.push(at[at.length - 1]! + chunk.byteLength);
  return at;
}

/** Whether two chunks hold the same bytes: the same view of the same memory (a column's buffer), or equal bytes. */
function sameChunk(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  if (a.buffer === b.buffer && a.byteOffset === b.byteOffset) return true;
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

/** Writes `chunk` at `position`, however many writes it takes. */
async function writeAt(fh: FileHandle, chunk: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < chunk.byteLength) {
    const { bytesWritten } = await fh.write(chunk, done, chunk.byteLength - done, position + done);
    done += bytesWritten;
  }
}

/** A file being written in two rounds; see the file comment. */
export class StagedFile {
  private constructor(
    /** Where it is written: a name of its own beside the snapshots (snapshot-publisher.ts moves it in). */
    readonly path: string,
    private readonly fh: FileHandle,
    /** The chunks written early, by their offset. */
    private readonly early: Map<number, Uint8Array>,
  ) {}

  /** A name for a staged file in `dir` that no other run uses (snapshot-publisher.ts `STAGE_PREFIX`). */
  static pathIn(dir: string): string {
    return join(dir, `${STAGE_PREFIX}${randomBytes(6).toString('hex')}.arrow`);
  }

  /**
   * Starts the file at `path` with the chunks two stand-in encodes `a` and `b` share, fsynced.
   * The caller owns the file from here: {@link finish} or {@link discard} it.
   */
  static async start(path: string, a: readonly Uint8Array[], b: readonly Uint8Array[]): Promise<StagedFile> {
    const [atA, atB] = [offsetsOf(a), offsetsOf(b)];
    const early = new Map<number, Uint8Array>();
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      if (atA[i] === atB[i] && sameChunk(a[i]!, b[i]!) && a[i]!.byteLength > 0) early.set(atA[i]!, a[i]!);
    }
    const fh = await open(path, 'w');
    const staged = new StagedFile(path, fh, early);
    try {
      for (const [position, chunk] of early) await writeAt(fh, chunk, position);
      // The early bytes go to the disk now, while the fit runs, not in the fsync after it.
      await fh.datasync();
    } catch (error) {
      await staged.discard();
      throw error;
    }
    return staged;
  }

  /** Completes the file as the real encode's `chunks` (every chunk not written early already), fsynced and closed. */
  async finish(chunks: readonly Uint8Array[]): Promise<void> {
    try {
      const at = offsetsOf(chunks);
      for (let i = 0; i < chunks.length; i++) {
        const written = this.early.get(at[i]!);
        if (written === undefined || !sameChunk(written, chunks[i]!)) await writeAt(this.fh, chunks[i]!, at[i]!);
      }
      await this.fh.truncate(at[chunks.length]!);
      await this.fh.sync();
    } finally {
      await this.fh.close();
    }
  }

  /** Closes and removes the file (a run that failed or was refused before it was moved). */
  async discard(): Promise<void> {
    await this.fh.close().catch(() => {});
    await rm(this.path, { force: true });
  }
}

/** How staged files' names start; snapshot-publisher.ts removes those a crashed run left. */
export const STAGE_PREFIX = '.stage-';
