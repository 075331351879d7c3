/**
 * Which log segments a snapshot already holds. A rescore that folds segments <= N in writes
 * `wal.json` ({"folded_through": N}) into the snapshot's folder before the snapshot is renamed
 * into place, so the marker is published atomically with the data: after a crash between the
 * publish and the trim, replay skips those segments instead of counting them twice. A snapshot
 * without the marker (e.g. one made by `segstream rescore`) folded nothing in.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** File name of the marker inside a snapshot folder. */
export const FOLDED_MARKER = 'wal.json';

/** Writes the marker into a (temporary) snapshot folder. */
export async function writeFoldedMarker(snapshotDir: string, foldedThrough: number): Promise<void> {
  await writeFile(join(snapshotDir, FOLDED_MARKER), `${JSON.stringify({ folded_through: foldedThrough })}\n`);
}

/** The last segment a snapshot folded in, 0 when none. */
export async function readFoldedMarker(snapshotDir: string): Promise<number> {
  try {
    const parsed = JSON.parse(await readFile(join(snapshotDir, FOLDED_MARKER), 'utf8')) as { folded_through?: unknown };
    return typeof parsed.folded_through === 'number' ? parsed.folded_through : 0;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
}
