/** `POST /v1/jobs/rescore` and `GET /v1/jobs/:id`. */
import type { FastifyInstance } from 'fastify';
import { BadRequestError } from '../../engine/errors.js';
import { requireToken } from '../auth.js';
import { errors } from '../schemas.js';
import type { ServerContext } from '../server-context.js';

const JOB = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    status: { type: 'string', enum: ['running', 'succeeded', 'failed'] },
    input: { type: 'string' },
    started_at: { type: 'string' },
    finished_at: { type: ['string', 'null'] },
    progress: { type: 'object', properties: { rows: { type: 'integer' }, bytes_read: { type: 'integer' }, bytes_total: { type: 'integer' } } },
    summary: { type: ['object', 'null'], additionalProperties: true },
    error: { type: ['object', 'null'], properties: { code: { type: 'string' }, message: { type: 'string' } } },
  },
} as const;

interface RescoreBody {
  input?: string;
  as_of?: string;
  config?: string;
  include_log?: boolean;
}

/** Registers the job routes. */
export function jobRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.post<{ Body: RescoreBody | undefined }>(
    '/v1/jobs/rescore',
    {
      onRequest: requireToken(ctx.options.token),
      schema: {
        summary: 'Start a rescore on a worker thread; lookups go on; the new snapshot replaces the old atomically',
        tags: ['jobs'],
        security: [{ bearer: [] }],
        body: {
          type: 'object',
          properties: {
            input: { type: 'string', minLength: 1, description: 'file or folder of transactions (default: the server\'s --rescore-input)' },
            as_of: { type: 'string', description: 'YYYY-MM-DD or ISO date-time' },
            config: { type: 'string', description: 'path of a JSON configuration file' },
            include_log: { type: 'boolean', default: true, description: 'fold the live event log in (then trim it)' },
          },
          additionalProperties: false,
        },
        response: { 202: JOB, ...errors(400, 401, 409) },
      },
    },
    async (request, reply) => {
      const body = request.body ?? {};
      const input = body.input ?? ctx.options.rescoreInput;
      if (!input) throw new BadRequestError('no input: pass {"input": PATH} or start the server with --rescore-input');
      const job = ctx.jobs.start({
        input,
        ...(body.as_of !== undefined ? { asOf: body.as_of } : {}),
        ...(body.config !== undefined ? { configPath: body.config } : {}),
        ...(body.include_log !== undefined ? { includeLog: body.include_log } : {}),
      });
      return reply.code(202).header('location', `/v1/jobs/${job.id}`).send(job);
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/jobs/:id',
    {
      schema: {
        summary: 'A job: status, progress, and the rescore summary or error',
        tags: ['jobs'],
        params: { type: 'object', properties: { id: { type: 'string', maxLength: 64 } }, required: ['id'] },
        response: { 200: JOB, ...errors(404) },
      },
    },
    async (request) => ctx.jobs.get(request.params.id),
  );
}
