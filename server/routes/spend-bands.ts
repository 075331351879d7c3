/** `GET /v1/spend-bands` and `GET /v1/spend-bands/:band/customers`. */
import type { FastifyInstance } from 'fastify';
import { BadRequestError } from '../../engine/errors.js';
import { sendListing } from '../customer-listing.js';
import { LISTING_QUERY, PAGE_SCHEMA, errors } from '../schemas.js';
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

  app.get<{ Params: { band: number } }>(
    '/v1/spend-bands/:band/customers',
    {
      schema: {
        summary: 'Customers of a spend band (cursor pagination; CSV or Arrow by Accept)',
        tags: ['listings'],
        params: { type: 'object', properties: { band: { type: 'integer', minimum: 1 } }, required: ['band'] },
        querystring: LISTING_QUERY,
        response: { 200: PAGE_SCHEMA, ...errors(400, 503) },
      },
    },
    async (request, reply) => {
      const state = ctx.store.ready();
      const band = request.params.band;
      const bands = state.counts.spendBands().length;
      if (band > bands) throw new BadRequestError(`no spend band ${band}; bands are 1..${bands}`);
      return sendListing(state, request, reply, (s, cursor, limit) => s.list({ spend_band: band }, cursor, limit));
    },
  );
}
