/** `GET /v1/segments` and `GET /v1/segments/:name/customers`. */
import type { FastifyInstance } from 'fastify';
import { BadRequestError } from '../../engine/errors.js';
import { classListingRoute } from '../customer-listing.js';
import { errors } from '../schemas.js';
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

  classListingRoute<string>(app, ctx, {
    path: '/v1/segments/:name/customers',
    summary: 'Customers of a segment (cursor pagination; CSV or Arrow by Accept)',
    param: 'name',
    paramSchema: { type: 'string', maxLength: 100 },
    filterOf: (state, segment) => {
      if (!state.counts.segment.has(segment)) {
        throw new BadRequestError(`no segment ${JSON.stringify(segment)}; segments: ${[...state.counts.segment.keys()].join(', ')}`);
      }
      return { segment };
    },
  });
}
