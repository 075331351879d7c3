/**
 * `GET /v1/lifecycle` (customers per stage) and `GET /v1/lifecycle/:stage/customers`, listed
 * like the segments'. Lifecycle stages count days since the last purchase (DESIGN "Lifecycle");
 * the RFM segments (`/v1/segments`) rank recency against the base, so lifecycle `lost` and
 * segment `lost` are different customers.
 */
import type { FastifyInstance } from 'fastify';
import { BadRequestError } from '../../engine/errors.js';
import { LIFECYCLE_STAGES } from '../../engine/segment/lifecycle.js';
import { classListingRoute } from '../customer-listing.js';
import { errors } from '../schemas.js';
import type { ServerContext } from '../server-context.js';

/** Registers the lifecycle routes. */
export function lifecycleRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get(
    '/v1/lifecycle',
    {
      schema: {
        summary: 'Customers per lifecycle stage, in stage order, with live updates counted, and the day thresholds',
        tags: ['listings'],
        response: {
          200: {
            type: 'object',
            properties: {
              snapshot: { type: 'string' },
              as_of: { type: 'string' },
              customers: { type: 'integer' },
              days: { type: 'object', additionalProperties: { type: 'number' } },
              stages: {
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
      const stages = LIFECYCLE_STAGES.map((name) => {
        const customers = state.counts.lifecycle.get(name) ?? 0;
        return { name, customers, share: total ? customers / total : 0 };
      });
      const { new_days, active_days, at_risk_days, lapsed_days } = state.config.lifecycle;
      return { snapshot: state.snapshot.id, as_of: state.snapshot.manifest.as_of, customers: total, days: { new_days, active_days, at_risk_days, lapsed_days }, stages };
    },
  );

  classListingRoute<string>(app, ctx, {
    path: '/v1/lifecycle/:stage/customers',
    summary: 'Customers of a lifecycle stage (cursor pagination; CSV or Arrow by Accept)',
    param: 'stage',
    paramSchema: { type: 'string', maxLength: 100 },
    filterOf: (_state, stage) => {
      if (!(LIFECYCLE_STAGES as readonly string[]).includes(stage)) {
        throw new BadRequestError(`no lifecycle stage ${JSON.stringify(stage)}; stages: ${LIFECYCLE_STAGES.join(', ')}`);
      }
      return { lifecycle: stage };
    },
  });
}
