/** `GET /`: the dashboard page. */
import type { FastifyInstance } from 'fastify';
import { dashboardPage } from '../dashboard-page.js';

/** Registers the dashboard route. */
export function dashboardRoutes(app: FastifyInstance): void {
  app.get('/', { schema: { hide: true } }, async (request, reply) => {
    const { html, etag } = dashboardPage();
    reply.header('etag', etag).header('cache-control', 'no-cache');
    if (request.headers['if-none-match'] === etag) return reply.code(304).send();
    return reply.type('text/html; charset=utf-8').send(html);
  });
}
