/** `GET /v1/lost?by=&snapshot=`: the lost report (DESIGN "Lost customers") of a snapshot, the live one by default. */
import type { FastifyInstance } from 'fastify';
import { LOST_DIMENSIONS, type LostReport, loadLostReport } from '../../engine/lost/lost-report.js';
import { errors } from '../schemas.js';
import type { ServerContext } from '../server-context.js';

const LINE = {
  type: 'object',
  properties: {
    value: { type: 'string' },
    customers: { type: 'integer' },
    revenue_365d_before: { type: 'number' },
    reasons: { type: 'object', additionalProperties: { type: 'integer' } },
  },
} as const;

/** Registers the lost report route. */
export function lostRoutes(app: FastifyInstance, ctx: ServerContext): void {
  // Snapshots never change once published, so a report is kept by (snapshot, by); a few suffice.
  const cache = new Map<string, LostReport>();
  app.get<{ Querystring: { by?: string; snapshot?: string } }>(
    '/v1/lost',
    {
      schema: {
        summary: 'Customers lost (lifecycle lost, not the RFM segment), per month of lost_at and per their segment, tier or spend band in the snapshot before: how many, their revenue in the year before their last purchase, why',
        tags: ['listings'],
        querystring: {
          type: 'object',
          properties: {
            by: { type: 'string', enum: [...LOST_DIMENSIONS], default: 'segment' },
            snapshot: { type: 'string', maxLength: 100, description: 'snapshot id (default: the live one)' },
          },
          additionalProperties: false,
        },
        response: {
          200: {
            type: 'object',
            properties: {
              snapshot: { type: 'string' }, as_of: { type: 'string' }, previous: { type: ['string', 'null'] }, by: { type: 'string' },
              total: LINE, newly_lost: { type: 'integer' }, months: { type: 'array', items: LINE }, groups: { type: 'array', items: LINE },
            },
          },
          ...errors(400, 404, 503),
        },
      },
    },
    async (request) => {
      const by = request.query.by ?? 'segment';
      const id = request.query.snapshot ?? ctx.store.ready().snapshot.id;
      const key = `${id}\u0000${by}`;
      const hit = cache.get(key);
      if (hit) return hit;
      const report = await loadLostReport(ctx.options.dataDir, id, by);
      cache.set(key, report);
      while (cache.size > 8) cache.delete(cache.keys().next().value!);
      return report;
    },
  );
}
