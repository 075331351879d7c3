/**
 * Node's file-system errors (`EROFS: read-only file system, open '/data/snapshots/.tmp-…/x'`)
 * as one line a user can act on: what could not be written, why in words, and the errno code —
 * never an internal temporary path.
 */
import { OutputUnwritableError, SegError, SnapshotWriteError } from '../errors.js';

/** The errno code of a Node system error, or undefined for anything else. */
export function errnoCode(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) ? code : undefined;
}

const REASONS: Readonly<Record<string, string>> = {
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'file too large',
  ENOENT: 'a parent folder does not exist',
  ENOTDIR: 'a parent is not a folder',
  EISDIR: 'it is a folder',
  EEXIST: 'it already exists',
  EIO: 'input/output error',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
  EBUSY: 'resource busy',
  ENAMETOOLONG: 'name too long',
  ELOOP: 'too many levels of symbolic links',
  EXDEV: 'not on the same file system',
};

/** Errno codes that mean an output cannot be written where it was asked to go. */
const UNWRITABLE = new Set(['EROFS', 'EACCES', 'EPERM', 'ENOSPC', 'EDQUOT', 'EFBIG', 'ENOENT', 'ENOTDIR', 'EISDIR', 'EEXIST', 'ENAMETOOLONG', 'ELOOP', 'EXDEV']);

/** A system error's reason in words with its code, e.g. `read-only file system (EROFS)`. */
export function errnoReason(error: unknown): string {
  const code = errnoCode(error);
  if (code === undefined) return capMessage((error as Error | null)?.message ?? String(error));
  return `${REASONS[code] ?? code.toLowerCase()} (${code})`;
}

/** True for the system errors that say an output location cannot be written. */
export function isUnwritable(error: unknown): boolean {
  const code = errnoCode(error);
  return code !== undefined && UNWRITABLE.has(code);
}

/**
 * The error to throw when writing `what` failed: OutputUnwritableError for a location that cannot
 * be written (read-only, no permission, no space, missing parent), SnapshotWriteError otherwise;
 * a SegError passes through. `outcome` says what that left, e.g. "snapshot X stays live".
 */
export function outputError(cause: unknown, what: string, outcome?: string): SegError {
  if (cause instanceof SegError) return cause;
  const tail = outcome ? `; ${outcome}` : '';
  const message = `cannot write ${what}: ${errnoReason(cause)}${tail}`;
  return isUnwritable(cause) ? new OutputUnwritableError(message, { cause }) : new SnapshotWriteError(message, { cause });
}

/** At most `max` characters on one line: error messages never carry a whole file or a stack. */
export function capMessage(text: string, max = 300): string {
  const line = text.replace(/\s*[\r\n]+\s*/g, ' ');
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
