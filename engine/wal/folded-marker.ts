/**
 * Which log segments a snapshot already holds. A rescore that folds segments <= N in (the
 * archive, and for a server job the sealed log segments above it) writes `wal.json`
 * ({"folded_through": N}) into the snapshot's folder before the snapshot is renamed into place,
 * so the marker is published atomically with the data: after a crash between the publish and
 * the archiving, the live state skips those segments instead of counting them twice.
 *
 * The marker is written under a temporary name, fsynced and renamed, so it is whole or absent.
 * A snapshot without one (made before the archive existed) folded nothing in. A marker that is
 * nevertheless unreadable (a disk that lied) must not stop the server: it reads as "folded up to
 * what the archive holds", which can only show a few live rows twice until the next rescore,
 * never lose one, and never changes what a rescore counts (the archive plus the log above it).
 */
import { readFile } from 'node:fs/promises';
import { replaceDurably } from '../durable-files.js';
import { join } from 'node:path';

/** File name of the marker inside a snapshot folder. */
export const FOLDED_MARKER = 'wal.json';

/** Writes the marker durably into a (temporary) snapshot folder. */
export async function writeFoldedMarker(snapshotDir: string, foldedThrough: number): Promise<void> {
  const path = join(snapshotDir, FOLDED_MARKER);
  await replaceDurably(path, `${path}.tmp`, `${JSON.stringify({ folded_through: foldedThrough })}\n`);
}

/** What a snapshot's marker says. */
export type FoldedMarker =
  | { readonly kind: 'folded'; readonly through: number }
  /** No marker: the snapshot folded nothing in. */
  | { readonly kind: 'none' }
  /** A marker that cannot be read (empty, garbage): the caller falls back, see above. */
  | { readonly kind: 'unreadable'; readonly reason: string };

/** Reads a snapshot's marker; never throws for a bad marker. */
export async function readFoldedMarkerFile(snapshotDir: string): Promise<FoldedMarker> {
  let text: string;
  try {
    text = await readFile(join(snapshotDir, FOLDED_MARKER), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'none' };
    return { kind: 'unreadable', reason: (error as NodeJS.ErrnoException).code ?? 'read failed' };
  }
  try {
    const parsed = JSON.parse(text) as { folded_through?: unknown };
    const n = parsed?.folded_through;
    if (typeof n === 'number' && Number.isSafeInteger(n) && n >= 0) return { kind: 'folded', through: n };
  } catch {
    // reported below
  }
  return { kind: 'unreadable', reason: text.length === 0 ? 'the file is empty' : 'not {"folded_through": N}' };
}

/** The last segment a snapshot folded in: 0 when none; `fallback` when its marker is unreadable. */
export async function readFoldedMarker(snapshotDir: string, fallback = 0): Promise<number> {
  const m = await readFoldedMarkerFile(snapshotDir);
  return m.kind === 'folded' ? m.through : m.kind === 'none' ? 0 : fallback;
}
