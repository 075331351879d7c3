/**
 * `GET /v1/customers/:id` and `POST /v1/customers/batch-get`: scores of customers while someone
 * waits. A customer live events have not changed is written as JSON bytes straight from the
 * snapshot's columns (format/customer-json.ts); one the overlay holds is built as an object first.
 * Single lookups read in the same turn of the event loop are answered together (lookup-queue.ts).
 * The response schemas stay for the OpenAPI document: the bytes sent are theirs, but fastify does
 * not serialize a string or Buffer body (a lookup's short body goes as a string, a batch's as a Buffer).
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { BadRequestError } from '../../engine/errors.js';
import { type CustomerKey, customerKeyFromValue } from '../../engine/parse/parse-values.js';
import { customerJsonOf } from '../format/customer-json.js';
import { CUSTOMER_SCHEMA, errors } from '../schemas.js';
import type { ServerContext } from '../server-context.js';

const MAX_BATCH = 10_000;
/** The single lookup's route (build-server.ts names its latency series). */
export const ONE = '/v1/customers/:id';
const JSON_TYPE = 'application/json; charset=utf-8';

function sendJson(reply: FastifyReply, body: string | Buffer): FastifyReply {
  return reply.header('content-type', JSON_TYPE).send(body);
}

/** Registers the customer lookup routes. */
export function customerRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const queue = ctx.lookups;
  app.get<{ Params: { id: string } }>(
    ONE,
    {
      config: { timesItself: true },
      // A refused id reaches the handler, which answers it through the queue: every request of the route is timed there.
      attachValidation: true,
      schema: {
        summary: 'One customer: every field, scores, segment, band, tier, lifecycle, snapshot and as_of',
        tags: ['customers'],
        params: { type: 'object', properties: { id: { type: 'string', minLength: 1, maxLength: 256 } }, required: ['id'] },
        response: { 200: CUSTOMER_SCHEMA, ...errors(404, 503) },
      },
    },
    // Nothing is returned: the queue sends the reply. A returned reply is a thenable to fastify,
    // which then waits for the response's end through stream.finished (~1 µs of listeners added
    // and removed per lookup).
    (request, reply) => {
      const id = request.params.id;
      const key = request.validationError ? null : customerKeyFromValue(id);
      const timed = request.method === 'GET';
      if (key === null || key === undefined) queue.refuse(id, reply, timed, request.validationError);
      else queue.push(key, id, reply, timed);
    },
  );

  app.post<{ Body: { ids: (string | number)[] } }>(
    '/v1/customers/batch-get',
    {
      schema: {
        summary: `Up to ${MAX_BATCH.toLocaleString('en-US')} customers at once, in the order asked; unknown ids listed in not_found`,
        tags: ['customers'],
        body: {
          type: 'object',
          properties: {
            // Items are checked by customerKeyFromValue, not by the schema: ajv's type coercion would turn 1.5 into "1.5".
            ids: { type: 'array', maxItems: MAX_BATCH, items: { description: 'customer id: text or an integer' } },
          },
          required: ['ids'],
          additionalProperties: false,
        },
        response: {
          200: {
            type: 'object',
            properties: {
              snapshot: { type: 'string' },
              customers: { type: 'array', items: CUSTOMER_SCHEMA },
              not_found: { type: 'array', items: { anyOf: [{ type: 'string' }, { type: 'integer' }] } },
            },
          },
          ...errors(400, 413, 503),
        },
      },
    },
    (request, reply) => {
      const state = ctx.store.ready();
      const raws = request.body.ids;
      const keys: CustomerKey[] = new Array(raws.length);
      for (let i = 0; i < raws.length; i++) {
        const raw = raws[i];
        const key = typeof raw === 'string' && raw.length > 256 ? null : customerKeyFromValue(raw);
        if (key === null || key === undefined) throw new BadRequestError(`body/ids/${i}: ${JSON.stringify(raw)} is not a customer id (text or an integer)`);
        keys[i] = key;
      }
      const json = customerJsonOf(state);
      const body = json.batch(keys, raws);
      // 'close' comes once the response is sent (or its connection is gone): the bytes are no longer read.
      reply.raw.once('close', () => json.release(body));
      return sendJson(reply, body);
    },
  );
}
