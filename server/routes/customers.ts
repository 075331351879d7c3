/** `GET /v1/customers/:id` and `POST /v1/customers/batch-get`: scores of customers while someone waits. */
import type { FastifyInstance } from 'fastify';
import { BadRequestError, CustomerNotFoundError } from '../../engine/errors.js';
import { type CustomerView, canonicalId } from '../../engine/live/live-state.js';
import { CUSTOMER_SCHEMA, errors } from '../schemas.js';
import type { ServerContext } from '../server-context.js';

const MAX_BATCH = 10_000;

/** Registers the customer lookup routes. */
export function customerRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get<{ Params: { id: string } }>(
    '/v1/customers/:id',
    {
      schema: {
        summary: 'One customer: every field, scores, segment, band, tier, lifecycle, snapshot and as_of',
        tags: ['customers'],
        params: { type: 'object', properties: { id: { type: 'string', minLength: 1, maxLength: 256 } }, required: ['id'] },
        response: { 200: CUSTOMER_SCHEMA, ...errors(404, 503) },
      },
    },
    async (request) => {
      const state = ctx.store.ready();
      const id = canonicalId(request.params.id);
      const view = id === null ? null : state.get(id);
      if (!view) throw new CustomerNotFoundError(`no customer ${JSON.stringify(request.params.id)} in snapshot ${state.snapshot.id} or the live events`);
      return view;
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
            // Items are checked by canonicalId, not by the schema: ajv's type coercion would turn 1.5 into "1.5".
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
    async (request) => {
      const state = ctx.store.ready();
      const customers: CustomerView[] = [];
      const notFound: (string | number)[] = [];
      const ids = request.body.ids.map((raw, i) => {
        const id = typeof raw === 'string' && raw.length > 256 ? null : canonicalId(raw);
        if (id === null) throw new BadRequestError(`body/ids/${i}: ${JSON.stringify(raw)} is not a customer id (text or an integer)`);
        return id;
      });
      for (const [i, raw] of request.body.ids.entries()) {
        const id = ids[i]!;
        const view = state.get(id);
        if (view) customers.push(view);
        else notFound.push(raw);
      }
      return { snapshot: state.snapshot.id, customers, not_found: notFound };
    },
  );
}
