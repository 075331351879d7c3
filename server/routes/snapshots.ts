/** `GET /v1/snapshots` and `GET /v1/migrations?from=&to=&by=`. */
import type { FastifyInstance } from 'fastify';
import { ArgumentError } from '../../engine/errors.js';
import { MIGRATION_DIMENSIONS, migrationMatrix } from '../../engine/report/migration.js';
import { type LoadedSnapshot, listSnapshotIds, loadSnapshot, readManifest } from '../../engine/snapshot/snapshot-store.js';
import { errors } from '../schemas.js';
import type { ServerContext } from '../server-context.js';

const MATRIX = { type: 'array', items: { type: 'array', items: { type: 'number' } } } as const;

/** Registers the snapshot and migration routes. */
export function snapshotRoutes(app: FastifyInstance, ctx: ServerContext): void {
  // Snapshots are immutable once published, so a loaded one can be kept; two cover a migration.
  const cache = new Map<string, LoadedSnapshot>();
  const load = async (id: string): Promise<LoadedSnapshot> => {
    const live = ctx.store.state?.snapshot;
    if (live?.id === id) return live;
    const hit = cache.get(id);
    if (hit) return hit;
    const snap = await loadSnapshot(ctx.options.dataDir, id);
    cache.set(id, snap);
    while (cache.size > 2) cache.delete(cache.keys().next().value!);
    return snap;
  };

  app.get(
    '/v1/snapshots',
    {
      schema: {
        summary: 'The snapshots on disk, oldest first, and which one is live',
        tags: ['snapshots'],
        response: {
          200: {
            type: 'object',
            properties: {
              live: { type: ['string', 'null'] },
              snapshots: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    id: { type: 'string' }, created_at: { type: 'string' }, as_of: { type: 'string' }, customers: { type: 'integer' },
                    purchasing_customers: { type: 'integer' }, revenue: { type: 'number' }, rows_read: { type: 'integer' }, live: { type: 'boolean' },
                  },
                },
              },
            },
          },
        },
      },
    },
    async () => {
      const live = ctx.store.state?.snapshot.id ?? null;
      const snapshots = [];
      for (const id of await listSnapshotIds(ctx.options.dataDir)) {
        const m = await readManifest(ctx.options.dataDir, id);
        snapshots.push({ id, created_at: m.created_at, as_of: m.as_of, customers: m.customers, purchasing_customers: m.purchasing_customers, revenue: m.revenue, rows_read: m.rows.read, live: id === live });
      }
      return { live, snapshots };
    },
  );

  app.get<{ Querystring: { from?: string; to?: string; by?: string } }>(
    '/v1/migrations',
    {
      schema: {
        summary: 'Customer counts and revenue moving between two snapshots by segment, tier, spend_band or lifecycle',
        tags: ['snapshots'],
        querystring: {
          type: 'object',
          properties: {
            from: { type: 'string', description: 'snapshot id (default: the one before `to`)' },
            to: { type: 'string', description: 'snapshot id (default: the live one)' },
            by: { type: 'string', enum: [...MIGRATION_DIMENSIONS], default: 'segment' },
          },
          additionalProperties: false,
        },
        response: {
          200: {
            type: 'object',
            properties: {
              by: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' },
              rows: { type: 'array', items: { type: 'string' } }, columns: { type: 'array', items: { type: 'string' } },
              counts: MATRIX, revenue: MATRIX, revenue_365d: MATRIX,
            },
          },
          ...errors(400, 404),
        },
      },
    },
    async (request) => {
      const ids = await listSnapshotIds(ctx.options.dataDir);
      const to = request.query.to ?? ctx.store.state?.snapshot.id ?? ids.at(-1);
      if (to === undefined) throw new ArgumentError('no snapshots yet');
      const from = request.query.from ?? ids.filter((id) => id < to).at(-1);
      if (from === undefined) throw new ArgumentError(`no snapshot before ${to} to compare with; pass from=`);
      return migrationMatrix(await load(from), await load(to), request.query.by ?? 'segment');
    },
  );
}
