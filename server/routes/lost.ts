/**
 * `GET /v1/lost?by=&snapshot=`: the lost report (DESIGN "Lost customers") of a snapshot, the live
 * one by default, against the snapshot before it. It scans every customer of both snapshots, so
 * it is taken from the snapshot's report, built once in a child process at the lowest priority
 * (engine/report/report-process.ts), never on the serving thread; `GET /v1/report`'s `lost` is
 * the same computation.
 */
import type { FastifyInstance } from 'fastify';
import { ArgumentError, SnapshotNotFoundError } from '../../engine/errors.js';
import { LOST_DIMENSIONS, lostDimension } from '../../engine/lost/lost-report.js';
import { previousSnapshotId } from '../../engine/report/load-report.js';
import { keptReport } from '../../engine/report/report-process.js';
import { listSnapshotIds } from '../../engine/snapshot/snapshot-store.js';
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
  const dataDir = ctx.options.dataDir;

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
      const by = lostDimension(request.query.by ?? 'segment');
      const snapshot = request.query.snapshot ?? ctx.store.ready().snapshot.id;
      if (!(await listSnapshotIds(dataDir)).includes(snapshot)) throw new SnapshotNotFoundError(`no snapshot ${snapshot.slice(0, 100)} in ${dataDir}`);
      const report = await keptReport(dataDir, snapshot, await previousSnapshotId(dataDir, snapshot));
      const lost = report.lost?.[by];
      if (!lost) throw new ArgumentError(`snapshot ${snapshot} was written before lost customers were recorded; rescore to get the lost report`);
      return lost;
    },
  );
}
