/**
 * `POST /v1/jobs/rescore`, `GET /v1/jobs/:id` and `DELETE /v1/jobs/:id`, all behind the token.
 * A job reads only inside the server's input roots (input-roots.ts), checked before it starts.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { closest } from '../../engine/config/load-config.js';
import { BadRequestError } from '../../engine/errors.js';
import type { ColumnMap } from '../../engine/read/raw-batch.js';
import { requireToken } from '../auth.js';
import { quotePath } from '../input-roots.js';
import { errors } from '../schemas.js';
import type { ServerContext } from '../server-context.js';

const JOB = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    status: { type: 'string', enum: ['running', 'succeeded', 'failed', 'cancelled'] },
    input: { type: 'string' },
    started_at: { type: 'string' },
    finished_at: { type: ['string', 'null'] },
    progress: { type: 'object', properties: { rows: { type: 'integer' }, bytes_read: { type: 'integer' }, bytes_total: { type: 'integer' } } },
    summary: { type: ['object', 'null'], additionalProperties: true },
    error: { type: ['object', 'null'], properties: { code: { type: 'string' }, message: { type: 'string' } } },
  },
} as const;

const COLUMN_NAME = { type: 'string', minLength: 1, maxLength: 256 } as const;

/** Source column of each contract field, as a job body may name them. */
const COLUMNS = {
  customer_id: COLUMN_NAME,
  ts: COLUMN_NAME,
  amount: COLUMN_NAME,
  margin: COLUMN_NAME,
} as const;

const PATH = { type: 'string', minLength: 1, maxLength: 4096 } as const;

const BODY_PROPERTIES = {
  input: { ...PATH, description: "file or folder of transactions inside an --input-root (default: the server's --rescore-input)" },
  config: { ...PATH, description: 'JSON configuration file inside an --input-root' },
  as_of: { type: 'string', maxLength: 64, description: 'YYYY-MM-DD or ISO date-time' },
  force: { type: 'boolean', default: false, description: 'publish even when the publishing guard refuses the result' },
  include_log: { type: 'boolean', default: true, description: 'fold the live event log in' },
  columns: {
    type: 'object',
    properties: COLUMNS,
    additionalProperties: false,
    description: 'source column of each field the input names differently, e.g. {"customer_id": "CustomerID"}',
  },
} as const;

/** Keys DESIGN names for a job that this server does not take yet, and what to do instead. */
const NOT_YET: Readonly<Record<string, string>> = {
  ts_format: 'jobs read timestamps with the automatic detection only; ts_format is not supported yet',
  decimal: 'jobs read amounts with the automatic decimal mark only; decimal is not supported yet',
};

interface RescoreBody {
  input?: string;
  as_of?: string;
  config?: string;
  force?: boolean;
  include_log?: boolean;
  columns?: Partial<ColumnMap>;
}

/**
 * Refuses a key the body schema does not know, with a hint for a near miss. Fastify's validator
 * would silently drop it (`removeAdditional`), and a job sent with `asOf` ran at the default date.
 */
function checkKeys(value: unknown, known: readonly string[], where: string): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return;
  for (const key of Object.keys(value)) {
    if (known.includes(key)) continue;
    const shown = quotePath(key.slice(0, 64));
    const notYet = where === '' ? NOT_YET[key] : undefined;
    if (notYet) throw new BadRequestError(notYet);
    const hint = closest(key, [...known]);
    throw new BadRequestError(`unknown key ${where}${shown}${hint ? `; did you mean ${where}${hint}?` : ''} (known: ${known.join(', ')})`);
  }
}

async function refuseUnknownKeys(request: FastifyRequest): Promise<void> {
  const body = request.body as Record<string, unknown> | undefined;
  checkKeys(body, Object.keys(BODY_PROPERTIES), '');
  if (body && typeof body === 'object') checkKeys(body['columns'], Object.keys(COLUMNS), 'columns.');
}

const JOB_ID = { type: 'object', properties: { id: { type: 'string', maxLength: 64 } }, required: ['id'] } as const;

/** Registers the job routes. */
export function jobRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const onRequest = requireToken(ctx.options.token);
  app.post<{ Body: RescoreBody | undefined }>(
    '/v1/jobs/rescore',
    {
      onRequest,
      preValidation: refuseUnknownKeys,
      schema: {
        summary: 'Start a rescore on a worker thread; lookups go on; the new snapshot replaces the old atomically',
        tags: ['jobs'],
        security: [{ bearer: [] }],
        body: { type: 'object', properties: BODY_PROPERTIES, additionalProperties: false },
        response: { 202: JOB, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const body = request.body ?? {};
      const given = body.input ?? ctx.options.rescoreInput;
      if (!given) throw new BadRequestError('no input: pass {"input": PATH} or start the server with --rescore-input');
      // Both paths are confined before the job starts: a refused job reads nothing.
      const input = await ctx.inputRoots.confine(given, 'input');
      const configPath = body.config !== undefined ? await ctx.inputRoots.confine(body.config, 'config') : undefined;
      const job = ctx.jobs.start({
        input,
        ...(body.as_of !== undefined ? { asOf: body.as_of } : {}),
        ...(configPath !== undefined ? { configPath } : {}),
        ...(body.include_log !== undefined ? { includeLog: body.include_log } : {}),
        ...(body.force === true ? { force: true } : {}),
        ...(body.columns !== undefined ? { columns: body.columns } : {}),
      });
      return reply.code(202).header('location', `/v1/jobs/${job.id}`).send(job);
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/jobs/:id',
    {
      onRequest,
      schema: {
        summary: 'A job: status, progress, and the rescore summary or error',
        tags: ['jobs'],
        security: [{ bearer: [] }],
        params: JOB_ID,
        response: { 200: JOB, ...errors(401, 404) },
      },
    },
    async (request) => ctx.jobs.get(request.params.id),
  );

  app.delete<{ Params: { id: string } }>(
    '/v1/jobs/:id',
    {
      onRequest,
      schema: {
        summary: 'Cancel a running job (its worker stops, nothing it wrote goes live); a finished job is returned as it is',
        tags: ['jobs'],
        security: [{ bearer: [] }],
        params: JOB_ID,
        response: { 200: JOB, ...errors(401, 404) },
      },
    },
    async (request) => ctx.jobs.cancel(request.params.id),
  );
}
