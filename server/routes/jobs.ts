/**
 * `POST /v1/jobs/rescore`, `GET /v1/jobs/:id` and `DELETE /v1/jobs/:id`, all behind the token.
 * A job reads only inside the server's input roots (input-roots.ts), checked before it starts.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { closest } from '../../engine/config/load-config.js';
import { BadRequestError } from '../../engine/errors.js';
import { checkTsFormat } from '../../engine/parse/input-dialect.js';
import type { ColumnNames } from '../../engine/read/column-map.js';
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

/** Source column of each contract field, as a job body may name them (`amount` may be `Quantity*UnitPrice`). */
const COLUMNS = {
  customer_id: COLUMN_NAME,
  ts: COLUMN_NAME,
  amount: COLUMN_NAME,
  margin: COLUMN_NAME,
  order_id: COLUMN_NAME,
  quantity: COLUMN_NAME,
  price: COLUMN_NAME,
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
    description: 'source column of each field the input names differently, e.g. {"customer_id": "CustomerID", "order_id": "InvoiceNo", "amount": "Quantity*UnitPrice"}; over the config\'s input.columns',
  },
  ts_format: { type: 'string', minLength: 1, maxLength: 128, description: "timestamps: auto, iso, yyyymmdd, epoch_s, epoch_ms or a strftime-style pattern such as %m/%d/%Y %H:%M (default: the config's input.ts_format)" },
  decimal: { type: 'string', enum: ['auto', '.', ','], description: "decimal mark of text amounts (default: the config's input.decimal)" },
} as const;

interface RescoreBody {
  input?: string;
  as_of?: string;
  config?: string;
  force?: boolean;
  include_log?: boolean;
  columns?: ColumnNames;
  ts_format?: string;
  decimal?: 'auto' | '.' | ',';
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
      if (body.ts_format !== undefined) {
        try {
          checkTsFormat(body.ts_format);
        } catch (error) {
          throw new BadRequestError(`ts_format: ${(error as Error).message}`);
        }
      }
      // A job on the nightly input (no input named) reads it the way the schedule does, unless the body says otherwise.
      const nightly = body.input === undefined ? (ctx.options.rescoreJob ?? {}) : {};
      const columns = body.columns ?? nightly.columns;
      const tsFormat = body.ts_format ?? nightly.tsFormat;
      const decimal = body.decimal ?? nightly.decimal;
      const config = configPath ?? (body.input === undefined ? nightly.configPath : undefined);
      const job = ctx.jobs.start({
        input,
        ...(body.as_of !== undefined ? { asOf: body.as_of } : {}),
        ...(config !== undefined ? { configPath: config } : {}),
        ...(body.include_log !== undefined ? { includeLog: body.include_log } : {}),
        ...(body.force === true ? { force: true } : {}),
        ...(columns !== undefined ? { columns } : {}),
        ...(tsFormat !== undefined ? { tsFormat } : {}),
        ...(decimal !== undefined ? { decimal } : {}),
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
