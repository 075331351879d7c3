/**
 * The one place SegError codes become HTTP statuses, and every error becomes `{ code, message }`.
 * Fastify's own errors (schema validation, body limits, media types, bad JSON) are translated to
 * registry codes first, so a client only ever sees SEG_ERR_* codes.
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import { capMessage, type ERROR_CODES, SegError } from '../engine/errors.js';
import { answerWhileDraining } from './request-bodies.js';

/** HTTP status of every registry code; docs/errors.md shows the same (a test keeps them in step). */
export const STATUS_BY_CODE: Readonly<Record<keyof typeof ERROR_CODES, number>> = {
  SEG_ERR_CONFIG_INVALID: 400,
  SEG_ERR_ARGUMENT: 400,
  SEG_ERR_INPUT_NOT_FOUND: 404,
  SEG_ERR_INPUT_UNREADABLE: 422,
  SEG_ERR_COLUMN_MISSING: 422,
  SEG_ERR_SNAPSHOT_NOT_FOUND: 404,
  SEG_ERR_SNAPSHOT_CORRUPT: 500,
  SEG_ERR_SNAPSHOT_WRITE: 500,
  SEG_ERR_NATIVE: 500,
  SEG_ERR_WAL_WRITE: 503,
  SEG_ERR_CUSTOMER_NOT_FOUND: 404,
  SEG_ERR_UNAUTHORIZED: 401,
  SEG_ERR_JOB_RUNNING: 409,
  SEG_ERR_JOB_NOT_FOUND: 404,
  SEG_ERR_BAD_REQUEST: 400,
  SEG_ERR_PAYLOAD_TOO_LARGE: 413,
  SEG_ERR_UNSUPPORTED_MEDIA_TYPE: 415,
  SEG_ERR_ROUTE_NOT_FOUND: 404,
  SEG_ERR_NOT_READY: 503,
  SEG_ERR_INPUT_FORBIDDEN: 403,
  SEG_ERR_PUBLISH_REFUSED: 422,
  SEG_ERR_OUTPUT_UNWRITABLE: 500,
  SEG_ERR_JOB_CANCELLED: 409,
  SEG_ERR_JOB_TIMEOUT: 504,
  SEG_ERR_CAMPAIGN_NOT_FOUND: 404,
  SEG_ERR_CLUSTER_JOB_FAILED: 500,
  SEG_ERR_INTERNAL: 500,
};

/** The JSON body of every error response. */
export interface ErrorBody {
  readonly code: string;
  readonly message: string;
}

/** JSON schema of {@link ErrorBody}, for route documentation. */
export const ERROR_SCHEMA = {
  type: 'object',
  properties: { code: { type: 'string' }, message: { type: 'string' } },
  required: ['code', 'message'],
} as const;

/** Status and body for any thrown value; the message is capped in length. */
export function toHttpError(error: unknown): { status: number; body: ErrorBody } {
  const { status, body } = classify(error);
  return { status, body: { code: body.code, message: capMessage(String(body.message)) } };
}

function classify(error: unknown): { status: number; body: ErrorBody } {
  if (error instanceof SegError) {
    const status = STATUS_BY_CODE[error.code as keyof typeof STATUS_BY_CODE] ?? 500;
    return { status, body: { code: error.code, message: error.message } };
  }
  const e = error as FastifyError;
  if (e?.validation) return { status: 400, body: { code: 'SEG_ERR_BAD_REQUEST', message: e.message } };
  switch (e?.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, body: { code: 'SEG_ERR_PAYLOAD_TOO_LARGE', message: e.message } };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return e.statusCode === 415
        ? { status: 415, body: { code: 'SEG_ERR_UNSUPPORTED_MEDIA_TYPE', message: e.message } }
        : { status: 400, body: { code: 'SEG_ERR_BAD_REQUEST', message: e.message } };
  }
  const status = typeof e?.statusCode === 'number' ? e.statusCode : 500;
  if (status === 413) return { status, body: { code: 'SEG_ERR_PAYLOAD_TOO_LARGE', message: e.message } };
  if (status === 415) return { status, body: { code: 'SEG_ERR_UNSUPPORTED_MEDIA_TYPE', message: e.message } };
  if (status >= 400 && status < 500) return { status, body: { code: 'SEG_ERR_BAD_REQUEST', message: e.message } };
  return { status: 500, body: { code: 'SEG_ERR_INTERNAL', message: e?.message ?? String(error) } };
}

/** Installs the error and not-found handlers on `app`. */
export function installErrorMapping(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => {
    const { status, body } = toHttpError(error);
    if (status >= 500) request.log.error({ err: error }, body.message);
    if (status === 413) answerWhileDraining(request, reply);
    void reply.code(status).type('application/json').send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send({ code: 'SEG_ERR_ROUTE_NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0]}` });
  });
}
