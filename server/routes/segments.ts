/** `GET /v1/segments` and `GET /v1/segments/:name/customers`. */
import type { FastifyInstance } from 'fastify';
import { BadRequestError } from '../../engine/errors.js';
import { sendListing } from '../customer-listing.js';
import { LISTING_QUERY, PAGE_SCHEMA, errors } from '../schemas.js';
import type { ServerContext } from '../server-context.js';

/** Registers the segment routes. */
export function segmentRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get(
    '/v1/segments',
    {
      schema: {
        summary: 'Customers per segment, with live updates counted',
        tags: ['listings'],
        response: {
          200: {
            type: 'object',
            properties: {
              snapshot: { type: 'string' },
              as_of: { type: 'string' },
              customers: { type: 'integer' },
              segments: {
                type: 'array',
                items: { type: 'object', properties: { name: { type: 'string' }, customers: { type: 'integer' }, share: { type: 'number' } } },
              },
            },
          },
          ...errors(503),
        },
      },
    },
    async () => {
      const state = ctx.store.ready();
      const total = state.counts.customers;
      const segments = [...state.counts.segment].map(([name, customers]) => ({ name, customers, share: total ? customers / total : 0 }));
      return { snapshot: state.snapshot.id, as_of: state.snapshot.manifest.as_of, customers: total, segments };
    },
  );

  app.get<{ Params: { name: string } }>(
    '/v1/segments/:name/customers',
    {
      schema: {
        summary: 'Customers of a segment (cursor pagination; CSV or Arrow by Accept)',
        tags: ['listings'],
        params: { type: 'object', properties: { name: { type: 'string', maxLength: 100 } }, required: ['name'] },
        querystring: LISTING_QUERY,
        response: { 200: PAGE_SCHEMA, ...errors(400, 503) },
      },
    },
    async (request, reply) => {
      const state = ctx.store.ready();
      const segment = request.params.name;
      if (!state.counts.segment.has(segment)) {
        throw new BadRequestError(`no segment ${JSON.stringify(segment)}; segments: ${[...state.counts.segment.keys()].join(', ')}`);
      }
      return sendListing(state, request, reply, (s, cursor, limit) => s.list({ segment }, cursor, limit));
    },
  );
}
