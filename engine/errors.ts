/**
 * Every error segstream raises, each a class with a stable `SEG_ERR_*` code (after fastify's
 * error registry and undici's error classes): callers branch on `code`, never on `message`.
 * `docs/errors.md` lists the same codes; a test keeps the two in step.
 */

/** Base class of every segstream error. */
export class SegError extends Error {
  /** Stable machine-readable code, e.g. `SEG_ERR_CONFIG_INVALID`. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** The configuration file is not valid JSON or breaks the schema; the message names the path. */
export class ConfigError extends SegError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SEG_ERR_CONFIG_INVALID', message, options);
  }
}

/** A command-line argument or API parameter has a wrong value. */
export class ArgumentError extends SegError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SEG_ERR_ARGUMENT', message, options);
  }
}

/** The input path does not exist or holds no readable files. */
export class InputNotFoundError extends SegError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SEG_ERR_INPUT_NOT_FOUND', message, options);
  }
}

/** An input file cannot be read at all (wrong magic, truncated, corrupt); the job fails. */
export class InputUnreadableError extends SegError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SEG_ERR_INPUT_UNREADABLE', message, options);
  }
}

/** A required column is absent from an input file; `--map` renames columns. */
export class ColumnMissingError extends SegError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SEG_ERR_COLUMN_MISSING', message, options);
  }
}

/** No snapshot is published yet, or the named one does not exist. */
export class SnapshotNotFoundError extends SegError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SEG_ERR_SNAPSHOT_NOT_FOUND', message, options);
  }
}

/** A snapshot on disk cannot be read back (missing file, bad manifest). */
export class SnapshotCorruptError extends SegError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SEG_ERR_SNAPSHOT_CORRUPT', message, options);
  }
}

/** Writing a snapshot failed; the previous snapshot stays live. */
export class SnapshotWriteError extends SegError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SEG_ERR_SNAPSHOT_WRITE', message, options);
  }
}

/** The native addon failed or was asked for where it is not built. */
export class NativeError extends SegError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SEG_ERR_NATIVE', message, options);
  }
}

/** The write-ahead log cannot be written; the events were not accepted. */
export class WalWriteError extends SegError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SEG_ERR_WAL_WRITE', message, options);
  }
}

/** No customer with that id, in the live snapshot or among live events. */
export class CustomerNotFoundError extends SegError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SEG_ERR_CUSTOMER_NOT_FOUND', message, options);
  }
}

/** A write was sent without the right bearer token. */
export class UnauthorizedError extends SegError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SEG_ERR_UNAUTHORIZED', message, options);
  }
}

/** A rescore job is already running; one runs at a time. */
export class JobRunningError extends SegError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SEG_ERR_JOB_RUNNING', message, options);
  }
}

/** No job with that id. */
export class JobNotFoundError extends SegError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SEG_ERR_JOB_NOT_FOUND', message, options);
  }
}

/** A request's body, parameters or query break the route's schema. */
export class BadRequestError extends SegError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SEG_ERR_BAD_REQUEST', message, options);
  }
}

/** A request body is larger than the limit. */
export class PayloadTooLargeError extends SegError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SEG_ERR_PAYLOAD_TOO_LARGE', message, options);
  }
}

/** A request body has a Content-Type the route does not read. */
export class UnsupportedMediaTypeError extends SegError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SEG_ERR_UNSUPPORTED_MEDIA_TYPE', message, options);
  }
}

/** No route answers this method and path. */
export class RouteNotFoundError extends SegError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SEG_ERR_ROUTE_NOT_FOUND', message, options);
  }
}

/** The server has no snapshot loaded yet (or is shutting down). */
export class NotReadyError extends SegError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SEG_ERR_NOT_READY', message, options);
  }
}

/** A cluster rescore failed: a task failed on a node past its last delivery, or no node finished the tasks in time; the live pointer did not move. */
export class ClusterJobError extends SegError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SEG_ERR_CLUSTER_JOB_FAILED', message, options);
  }
}

/** A path a server job may not read: outside every `--input-root`, a FIFO, a device, or a symlink leading out. */
export class InputForbiddenError extends SegError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SEG_ERR_INPUT_FORBIDDEN', message, options);
  }
}

/** A rescore checked its own result and refused to replace the live snapshot (DESIGN "A bad run never goes live"); CLI exit 3. */
export class PublishRefusedError extends SegError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SEG_ERR_PUBLISH_REFUSED', message, options);
  }
}

/** An output (the data directory, `--out`) cannot be written: read-only, no permission, no space. */
export class OutputUnwritableError extends SegError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SEG_ERR_OUTPUT_UNWRITABLE', message, options);
  }
}

/** A rescore job was cancelled (`DELETE /v1/jobs/:id`) or the server stopped it at shutdown. */
export class JobCancelledError extends SegError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SEG_ERR_JOB_CANCELLED', message, options);
  }
}

/** A rescore job ran past its time limit and was stopped. */
export class JobTimeoutError extends SegError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SEG_ERR_JOB_TIMEOUT', message, options);
  }
}

/** No saved campaign of that name under `DATA/campaigns/`. */
export class CampaignNotFoundError extends SegError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SEG_ERR_CAMPAIGN_NOT_FOUND', message, options);
  }
}

/** Something failed that no other code describes (a bug); the message says what. */
export class InternalError extends SegError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SEG_ERR_INTERNAL', message, options);
  }
}

/** Longest message an error answer or a job record carries (a 50 MB CSV header was once echoed whole). */
export const MAX_MESSAGE_LENGTH = 500;

/** `message` cut to {@link MAX_MESSAGE_LENGTH} characters, saying that it was. */
export function capMessage(message: string): string {
  return message.length <= MAX_MESSAGE_LENGTH ? message : `${message.slice(0, MAX_MESSAGE_LENGTH - 15)}... (truncated)`;
}

/** Every error class by its code: the registry the docs test and the HTTP mapping read. */
export const ERROR_CODES = {
  SEG_ERR_CONFIG_INVALID: ConfigError,
  SEG_ERR_ARGUMENT: ArgumentError,
  SEG_ERR_INPUT_NOT_FOUND: InputNotFoundError,
  SEG_ERR_INPUT_UNREADABLE: InputUnreadableError,
  SEG_ERR_COLUMN_MISSING: ColumnMissingError,
  SEG_ERR_SNAPSHOT_NOT_FOUND: SnapshotNotFoundError,
  SEG_ERR_SNAPSHOT_CORRUPT: SnapshotCorruptError,
  SEG_ERR_SNAPSHOT_WRITE: SnapshotWriteError,
  SEG_ERR_NATIVE: NativeError,
  SEG_ERR_WAL_WRITE: WalWriteError,
  SEG_ERR_CUSTOMER_NOT_FOUND: CustomerNotFoundError,
  SEG_ERR_UNAUTHORIZED: UnauthorizedError,
  SEG_ERR_JOB_RUNNING: JobRunningError,
  SEG_ERR_JOB_NOT_FOUND: JobNotFoundError,
  SEG_ERR_BAD_REQUEST: BadRequestError,
  SEG_ERR_PAYLOAD_TOO_LARGE: PayloadTooLargeError,
  SEG_ERR_UNSUPPORTED_MEDIA_TYPE: UnsupportedMediaTypeError,
  SEG_ERR_ROUTE_NOT_FOUND: RouteNotFoundError,
  SEG_ERR_NOT_READY: NotReadyError,
  SEG_ERR_INPUT_FORBIDDEN: InputForbiddenError,
  SEG_ERR_PUBLISH_REFUSED: PublishRefusedError,
  SEG_ERR_OUTPUT_UNWRITABLE: OutputUnwritableError,
  SEG_ERR_JOB_CANCELLED: JobCancelledError,
  SEG_ERR_JOB_TIMEOUT: JobTimeoutError,
  SEG_ERR_CAMPAIGN_NOT_FOUND: CampaignNotFoundError,
  SEG_ERR_CLUSTER_JOB_FAILED: ClusterJobError,
  SEG_ERR_INTERNAL: InternalError,
} as const;
