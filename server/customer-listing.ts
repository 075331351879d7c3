/**
 * The shared shape of every customer listing: cursor pagination in JSON, or the whole listing
 * (from the cursor, up to `limit`) as CSV or Arrow when the Accept header asks for it.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { CustomerView, LiveState, Page } from '../engine/live/live-state.js';
import { encodeViews, exportKind } from './format/customers-export.js';

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
