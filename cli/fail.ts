import { SegError } from '../engine/errors.js';

/** Prints an error as one clear line on stderr and exits non-zero (2 for bad usage). */
export function fail(error: unknown): never {
  if (error instanceof SegError) {
    process.stderr.write(`segstream: ${error.message} [${error.code}]\n`);
    process.exit(error.code === 'SEG_ERR_ARGUMENT' || error.code === 'SEG_ERR_CONFIG_INVALID' ? 2 : 1);
  }
  const e = error as Error;
  process.stderr.write(`segstream: unexpected error: ${e?.message ?? String(error)}\n`);
  if (process.env['SEGSTREAM_DEBUG']) process.stderr.write(`${e?.stack ?? ''}\n`);
  process.exit(1);
}
