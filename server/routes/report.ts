/** `GET /v1/report`: the report of the live snapshot (or another), the document the dashboard and `segstream report` draw. */
import type { FastifyInstance } from 'fastify';
import { listCampaignNames, readCampaign } from '../../engine/campaign/campaign-store.js';
import { previousSnapshotId } from '../../engine/report/load-report.js';
import { type ReportData, buildReport } from '../../engine/report/report-data.js';
import { type LoadedSnapshot, loadSnapshot } from '../../engine/snapshot/snapshot-store.js';
import { errors } from '../schemas.js';
import type { ServerContext } from '../server-context.js';

/** Registers the report route. */
export function reportRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const dataDir = ctx.options.dataDir;
  // Snapshots never change once published, so a report of a (snapshot, compare) pair is kept:
  // the dashboard asks again every few seconds and a report scans every customer.
  const reports = new Map<string, Omit<ReportData, 'campaign' | 'campaigns'>>();
  const load = async (id?: string): Promise<LoadedSnapshot> => {
    const live = ctx.store.ready().snapshot;
    return id === undefined || id === live.id ? live : loadSnapshot(dataDir, id);
  };

  app.get<{ Querystring: { snapshot?: string; compare?: string; campaign?: string } }>(
    '/v1/report',
    {
      schema: {
        summary: 'The report of a snapshot (default: the live one): headline, segments, spend bands, Pareto curve, R x F heatmap, tiers, lifecycle, win-back, models, migration and a campaign',
        tags: ['report'],
        querystring: {
          type: 'object',
          properties: {
            snapshot: { type: 'string', maxLength: 100, description: 'snapshot id (default: the live one)' },
            compare: { type: 'string', maxLength: 100, description: 'snapshot the migration compares with (default: the one before)' },
            campaign: { type: 'string', maxLength: 100, description: "a saved campaign whose result the report includes" },
          },
          additionalProperties: false,
        },
        response: { 200: { type: 'object', additionalProperties: true }, ...errors(400, 404, 503) },
      },
    },
    async (request) => {
      const snapshot = await load(request.query.snapshot);
      const compareId = request.query.compare ?? (await previousSnapshotId(dataDir, snapshot.id));
      const key = `${snapshot.id}|${compareId ?? ''}`;
      let base = reports.get(key);
      if (base === undefined) {
        const compare = compareId === null || compareId === snapshot.id ? null : await load(compareId);
        const { campaign: _c, campaigns: _n, ...rest } = buildReport({ snapshot, compare });
        base = rest;
        reports.set(key, base);
        while (reports.size > 4) reports.delete(reports.keys().next().value!);
      }
      const campaign = request.query.campaign === undefined ? null : await readCampaign(dataDir, request.query.campaign);
      return { ...base, campaign, campaigns: await listCampaignNames(dataDir) } satisfies ReportData;
    },
  );
}
