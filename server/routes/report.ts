/** `GET /v1/report`: the report of the live snapshot (or another), the document the dashboard and `segstream report` draw. */
import type { FastifyInstance } from 'fastify';
import { listCampaignNames, readCampaign } from '../../engine/campaign/campaign-store.js';
import { previousSnapshotId } from '../../engine/report/load-report.js';
import type { ReportData } from '../../engine/report/report-data.js';
import { keptReport } from '../../engine/report/report-process.js';
import { listSnapshotIds } from '../../engine/snapshot/snapshot-store.js';
import { SnapshotNotFoundError } from '../../engine/errors.js';
import { errors } from '../schemas.js';
import type { ServerContext } from '../server-context.js';

/** Registers the report route. */
export function reportRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const dataDir = ctx.options.dataDir;

  app.get<{ Querystring: { snapshot?: string; compare?: string; campaign?: string } }>(
    '/v1/report',
    {
      schema: {
        summary: 'The report of a snapshot (default: the live one): headline, segments, spend bands, Pareto curve, R x F heatmap, tiers, lifecycle, lost, win-back, models, migration and a campaign',
        tags: ['report'],
        querystring: {
          type: 'object',
          properties: {
            snapshot: { type: 'string', maxLength: 100, description: 'snapshot id (default: the live one)' },
            compare: { type: 'string', maxLength: 100, description: 'snapshot the migration compares with (default: the one before)' },
            campaign: { type: 'string', maxLength: 100, description: 'a saved campaign whose result the report includes' },
          },
          additionalProperties: false,
        },
        response: { 200: { type: 'object', additionalProperties: true }, ...errors(400, 404, 503) },
      },
    },
    async (request) => {
      const snapshot = request.query.snapshot ?? ctx.store.ready().snapshot.id;
      const ids = await listSnapshotIds(dataDir);
      for (const id of [snapshot, request.query.compare]) {
        if (id !== undefined && !ids.includes(id)) throw new SnapshotNotFoundError(`no snapshot ${id.slice(0, 100)} in ${dataDir}`);
      }
      const compare = request.query.compare ?? (await previousSnapshotId(dataDir, snapshot));
      const campaign = request.query.campaign === undefined ? null : await readCampaign(dataDir, request.query.campaign);
      const report = await keptReport(dataDir, snapshot, compare);
      return { ...report, campaign, campaigns: await listCampaignNames(dataDir) } satisfies ReportData;
    },
  );
}
