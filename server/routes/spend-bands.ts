/** `GET /v1/spend-bands` and `GET /v1/spend-bands/:band/customers`. */
import type { FastifyInstance } from 'fastify';
import { BadRequestError } from '../../engine/errors.js';
import { classListingRoute } from '../customer-listing.js';
import { errors } from '../schemas.js';
import type { ServerContext } from '../server-context.js';

const BAND = {
  type: 'object',
  properties: {
    band: { type: 'integer' },
    customers: { type: 'integer' },
    share_customers: { type: 'number' },
    revenue: { type: 'number' },
    share_revenue: { type: 'number' },
    mean_weekly_spend: { type: 'number' },
    min: { type: ['number', 'null'] },
    max: { type: ['number', 'null'] },
  },
} as const;

/** Registers the spend-band routes. */
export function spendBandRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get(
    '/v1/spend-bands',
    {
      schema: {
        summary: 'The spend-band table: customers, revenue and their shares per band (band 1 spends least)',
        tags: ['listings'],
        response: {
          200: { type: 'object', properties: { snapshot: { type: 'string' }, by: { type: 'string' }, bands: { type: 'array', items: BAND } } },
          ...errors(503),
        },
      },
    },
    async () => {
      const state = ctx.store.ready();
      return { snapshot: state.snapshot.id, by: state.snapshot.manifest.thresholds.spend_band.by, bands: state.counts.spendBands() };
    },
  );

  classListingRoute<number>(app, ctx, {
    path: '/v1/spend-bands/:band/customers',
    summary: 'Customers of a spend band (cursor pagination; CSV or Arrow by Accept)',
    param: 'band',
    paramSchema: { type: 'integer', minimum: 1 },
    filterOf: (state, band) => {
      const bands = state.counts.spendBands().length;
      if (band > bands) throw new BadRequestError(`no spend band ${band}; bands are 1..${bands}`);
      return { spend_band: band };
    },
  });
}
