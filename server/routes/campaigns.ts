/** `GET /v1/campaigns` and `GET /v1/campaigns/:name`: the campaigns saved by `segstream campaign`. */
import type { FastifyInstance } from 'fastify';
import { listCampaigns, readCampaign } from '../../engine/campaign/campaign-store.js';
import { errors } from '../schemas.js';
import type { ServerContext } from '../server-context.js';

const WINDOW = { type: 'object', properties: { from: { type: 'string' }, to: { type: 'string' }, days: { type: 'integer' } } } as const;

/** Registers the campaign routes. */
export function campaignRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get(
    '/v1/campaigns',
    {
      schema: {
        summary: 'The saved campaigns, newest first: windows, group sizes and the effect (the whole result at /v1/campaigns/:name)',
        tags: ['campaigns'],
        response: {
          200: {
            type: 'object',
            properties: {
              campaigns: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    name: { type: 'string' },
                    created_at: { type: 'string' },
                    windows: { type: 'object', properties: { C: WINDOW, P: WINDOW } },
                    participants: { type: 'integer' },
                    control: { type: 'integer' },
                    did: { type: 'number' },
                    se: { type: ['number', 'null'] },
                    ci95: { type: ['array', 'null'], items: { type: 'number' } },
                    incremental_revenue: { type: 'number' },
                  },
                },
              },
            },
          },
        },
      },
    },
    async () => {
      const campaigns = (await listCampaigns(ctx.options.dataDir)).map((c) => ({
        name: c.name,
        created_at: c.created_at,
        windows: c.windows,
        participants: c.participants.customers,
        control: c.control.customers,
        ...c.effect,
      }));
      return { campaigns };
    },
  );

  app.get<{ Params: { name: string } }>(
    '/v1/campaigns/:name',
    {
      schema: {
        summary: 'One saved campaign, with the keys of DESIGN "Campaigns" (groups, effect, spend-band and segment matrices)',
        tags: ['campaigns'],
        params: { type: 'object', properties: { name: { type: 'string', maxLength: 100 } }, required: ['name'] },
        response: { 200: { type: 'object', additionalProperties: true }, ...errors(404) },
      },
    },
    async (request) => readCampaign(ctx.options.dataDir, request.params.name),
  );
}
