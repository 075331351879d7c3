/**
 * How the CLI ends on an error: one line on stderr, `segstream: <what> [SEG_ERR_*]`, and an exit
 * code a script can branch on — 2 for bad usage or configuration, 3 for a run the publishing
 * guard refused, 1 for everything else. A Node system error that escaped the engine still gets
 * a code (a full disk is not a bug); "unexpected error" is kept for real bugs.
 */
import { InputNotFoundError, InternalError, OutputUnwritableError, SegError } from '../engine/errors.js';
import { capMessage, errnoCode, errnoReason, isUnwritable } from '../engine/snapshot/output-error.js';

/** The exit code of an error code. */
export function exitCode(code: string): number {
  if (code === 'SEG_ERR_ARGUMENT' || code === 'SEG_ERR_CONFIG_INVALID') return 2;
  if (code === 'SEG_ERR_PUBLISH_REFUSED') return 3;
  return 1;
}

/** System calls that create or change files: ENOENT from them is a missing parent of an output. */
const WRITING_CALLS = new Set(['mkdir', 'rename', 'write', 'writev', 'unlink', 'rmdir', 'rm', 'fsync', 'ftruncate', 'copyfile', 'symlink', 'link', 'utime', 'chmod']);

/** A Node system error as a coded error; its path is named unless it is one of the engine's temporary names. */
function fromSystemError(error: NodeJS.ErrnoException): SegError {
  const path = typeof error.path === 'string' && !/[\\/]\.(tmp|CURRENT)-/.test(error.path) ? ` ${error.path}` : '';
  const call = error.syscall ?? 'file operation';
  const message = `${call}${path} failed: ${errnoReason(error)}`;
  if (error.code === 'ENOENT' && !WRITING_CALLS.has(call)) return new InputNotFoundError(`${path.trim() || call}: no such file or folder`, { cause: error });
  if (isUnwritable(error)) return new OutputUnwritableError(message, { cause: error });
  return new InternalError(message, { cause: error });
}

/** True for a closed pipe on standard output or error (`segstream export ... | head`). */
export function isBrokenPipe(error: unknown): boolean {
  return errnoCode(error) === 'EPIPE';
}

/** Prints an error as one line on stderr and exits with its code. */
export function fail(error: unknown): never {
  // The reader went away: nothing is left to tell it.
  if (isBrokenPipe(error)) process.exit(0);
  const coded = error instanceof SegError ? error : errnoCode(error) !== undefined ? fromSystemError(error as NodeJS.ErrnoException) : null;
  if (coded !== null) {
    process.stderr.write(`segstream: ${capMessage(coded.message, 1000)} [${coded.code}]\n`);
    if (process.env['SEGSTREAM_DEBUG']) process.stderr.write(`${(error as Error).stack ?? ''}\n`);
    process.exit(exitCode(coded.code));
  }
  const e = error as Error;
  process.stderr.write(`segstream: unexpected error: ${capMessage(e?.message ?? String(error), 1000)} [SEG_ERR_INTERNAL]\n`);
  if (process.env['SEGSTREAM_DEBUG']) process.stderr.write(`${e?.stack ?? ''}\n`);
  process.exit(1);
}
