/** `GET /`: the dashboard page. */
import type { FastifyInstance } from 'fastify';
import { dashboardPage } from '../dashboard-page.js';

/** Registers the dashboard route. */
export function dashboardRoutes(app: FastifyInstance): void {
  app.get('/', { schema: { hide: true } }, async (_request, reply) => reply.type('text/html; charset=utf-8').send(dashboardPage()));
}
