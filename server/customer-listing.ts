/**
 * The shared shape of every customer listing: cursor pagination in JSON, or the whole listing
 * (from the cursor, up to `limit`) as CSV or Arrow when the Accept header asks for it.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { CustomerView, ListFilter, LiveState, Page } from '../engine/live/live-state.js';
import { encodeViews, exportKind } from './format/customers-export.js';
import { LISTING_QUERY, PAGE_SCHEMA, errors } from './schemas.js';
import type { ServerContext } from './server-context.js';

/** Reads a page of a listing from a state. */
export type PageReader = (state: LiveState, cursor: number, limit: number) => Page & { total?: number };

const JSON_PAGE = 100;
const EXPORT_CHUNK = 10_000;

/** Answers a listing request from `state` with `read`. */
export async function sendListing(state: LiveState, request: FastifyRequest, reply: FastifyReply, read: PageReader): Promise<unknown> {
  const q = request.query as { cursor?: string; limit?: number };
  const cursor = q.cursor === undefined ? 0 : Number(q.cursor);
  const exp = exportKind(request.headers.accept);
  if (!exp) {
    const page = read(state, cursor, q.limit ?? JSON_PAGE);
    return {
      snapshot: state.snapshot.id,
      customers: page.customers,
      next_cursor: page.next === null ? null : String(page.next),
      ...(page.total !== undefined ? { total: page.total } : {}),
    };
  }
  const views: CustomerView[] = [];
  let next: number | null = cursor;
  const limit = q.limit ?? Number.POSITIVE_INFINITY;
  while (next !== null && views.length < limit) {
    const page = read(state, next, Math.min(EXPORT_CHUNK, limit - views.length));
    views.push(...page.customers);
    next = page.next;
  }
  if (next !== null) void reply.header('x-next-cursor', String(next));
  return reply.type(exp.type).send(await encodeViews(views, exp.kind));
}

/** One class of customers (a segment, a tier, a spend band) listed by `GET path`. */
export interface ClassListing<V> {
  readonly path: string;
  readonly summary: string;
  /** The path parameter naming the class, and its JSON schema. */
  readonly param: string;
  readonly paramSchema: Record<string, unknown>;
  /** The filter for a class; throws BadRequestError for a class the snapshot does not have. */
  readonly filterOf: (state: LiveState, value: V) => ListFilter;
}

/** Registers a class listing route: cursor pagination, CSV or Arrow by Accept. */
export function classListingRoute<V>(app: FastifyInstance, ctx: ServerContext, route: ClassListing<V>): void {
  app.get<{ Params: Record<string, V> }>(
    route.path,
    {
      schema: {
        summary: route.summary,
        tags: ['listings'],
        params: { type: 'object', properties: { [route.param]: route.paramSchema }, required: [route.param] },
        querystring: LISTING_QUERY,
        response: { 200: PAGE_SCHEMA, ...errors(400, 503) },
      },
    },
    async (request, reply) => {
      const state = ctx.store.ready();
      const filter = route.filterOf(state, request.params[route.param]!);
      return sendListing(state, request, reply, (s, cursor, limit) => s.list(filter, cursor, limit));
    },
  );
}
