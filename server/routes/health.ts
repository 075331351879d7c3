/** `GET /healthz` (the process is up), `GET /readyz` (a snapshot is loaded) and `GET /metrics`. */
import type { FastifyInstance } from 'fastify';
import { errors } from '../schemas.js';
import type { ServerContext } from '../server-context.js';

/** Registers the health and metrics routes. */
export function healthRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get('/healthz', { schema: { summary: 'The process is up', tags: ['operations'] } }, async () => ({ status: 'ok' }));

  app.get(
    '/readyz',
    { schema: { summary: 'A snapshot is loaded and lookups can be answered (503 otherwise)', tags: ['operations'], response: errors(503) } },
    async () => {
      const state = ctx.store.ready();
      return { status: 'ready', snapshot: state.snapshot.id, customers: state.size };
    },
  );

  app.get('/metrics', { schema: { summary: 'Prometheus metrics', tags: ['operations'] } }, async (_request, reply) => {
    const text = await ctx.metrics.registry.metrics();
    return reply.type(ctx.metrics.registry.contentType).send(text);
  });
}
