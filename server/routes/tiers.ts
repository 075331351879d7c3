/** `GET /v1/tiers` and `GET /v1/tiers/:name/customers`. */
import type { FastifyInstance } from 'fastify';
import { BadRequestError } from '../../engine/errors.js';
import { classListingRoute } from '../customer-listing.js';
import { errors } from '../schemas.js';
import type { ServerContext } from '../server-context.js';

/** Registers the loyalty-tier routes. */
export function tierRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get(
    '/v1/tiers',
    {
      schema: {
        summary: 'Customers per loyalty tier, with the configured levels',
        tags: ['listings'],
        response: {
          200: {
            type: 'object',
            properties: {
              snapshot: { type: 'string' },
              window_days: { type: 'integer' },
              tiers: {
                type: 'array',
                items: { type: 'object', properties: { name: { type: 'string' }, min_spend: { type: 'number' }, customers: { type: 'integer' }, share: { type: 'number' } } },
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
      const tiers = state.config.tiers.levels.map((l) => {
        const customers = state.counts.tier.get(l.name) ?? 0;
        return { name: l.name, min_spend: l.min_spend, customers, share: total ? customers / total : 0 };
      });
      return { snapshot: state.snapshot.id, window_days: state.config.tiers.window_days, tiers };
    },
  );

  classListingRoute<string>(app, ctx, {
    path: '/v1/tiers/:name/customers',
    summary: 'Customers of a loyalty tier (cursor pagination; CSV or Arrow by Accept)',
    param: 'name',
    paramSchema: { type: 'string', maxLength: 100 },
    filterOf: (state, tier) => {
      if (!state.config.tiers.levels.some((l) => l.name === tier)) {
        throw new BadRequestError(`no tier ${JSON.stringify(tier)}; tiers: ${state.config.tiers.levels.map((l) => l.name).join(', ')}`);
      }
      return { tier };
    },
  });
}
