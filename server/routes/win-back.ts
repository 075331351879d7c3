/** `GET /v1/win-back`: lapsed or lost customers worth winning back, by revenue, descending. */
import type { FastifyInstance } from 'fastify';
import { sendListing } from '../customer-listing.js';
import { LISTING_QUERY, PAGE_SCHEMA, errors } from '../schemas.js';
import type { ServerContext } from '../server-context.js';

/** Registers the win-back route. */
export function winBackRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get(
    '/v1/win-back',
    {
      schema: {
        summary: 'The win-back list: lapsed or lost customers with a high M score, by revenue (cursor pagination; CSV or Arrow by Accept)',
        tags: ['listings'],
        querystring: LISTING_QUERY,
        response: { 200: PAGE_SCHEMA, ...errors(400, 503) },
      },
    },
    async (request, reply) => sendListing(ctx.store.ready(), request, reply, (s, cursor, limit) => s.winBack(cursor, limit)),
  );
}
