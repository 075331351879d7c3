/**
 * Single-customer lookups answered together: the lookups whose requests were read in the same
 * turn of the event loop wait until that turn's reading is done (one `setImmediate`), then their
 * rows are gathered in one pass (format/customer-json.ts `several`) and each reply is sent.
 *
 * A lookup reads ~45 random cells of the snapshot's columns, and alone it waits for each cache
 * miss in turn; gathered with the others of its turn, the misses overlap. Under 100 connections a
 * turn holds 1 to ~80 lookups; measured on the loaded 2-core machine with wrk, the server's CPU per
 * lookup fell from 44-54 us to 38-44 and requests/s rose 25-37%. An idle server answers a lone
 * lookup a few microseconds later than before: the wait is the rest of its turn.
 *
 * The queue also times each lookup for the latency histogram (from the route's handler to its
 * reply handed to the socket), so the route needs no onResponse hook (build-server.ts).
 *
 *   request ─► push(key, reply) ─► [keys | replies | started]  ──setImmediate──►  flush: gather all, send and time each
 *
 * A plain `GET /v1/customers/<id>` need not pass through fastify at all: {@link LookupQueue.takeRaw}
 * takes it off the socket (build-server.ts puts it before fastify's request handler), and the
 * flush writes a found customer's bytes to the raw response. Whatever else the request turns out
 * to be — a miss, no snapshot yet, an id needing decoding, a HEAD — goes to fastify's own handler
 * untouched, so every answer but a found customer's 200 has one implementation: the route's.
 * fastify's routing, its request and reply objects, hooks and send were ~8 µs of a lookup's ~30 µs
 * of server CPU (session 20), which put a lookup's p99 above fastify's hello route's.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { FastifyReply } from 'fastify';
import { CustomerNotFoundError } from '../engine/errors.js';
import type { LiveStore } from '../engine/live/live-store.js';
import { type CustomerKey, customerKeyFromValue } from '../engine/parse/parse-values.js';
import { customerJsonOf } from './format/customer-json.js';
import type { LatencyRecorder } from './route-latency.js';

const JSON_TYPE = 'application/json; charset=utf-8';
/** The path of a single lookup, up to its id. */
const PREFIX = '/v1/customers/';
/** The route schema's longest id. */
const MAX_ID = 256;
/** Characters after which fastify's router would read the path differently (decoding, a query, segments). */
const NOT_PLAIN = /[%?#/;]/;

/** fastify's request handler: takes every request the fast path leaves. */
export type RequestHandler = (request: IncomingMessage, response: ServerResponse) => void;

function notFound(asked: string, snapshotId: string): CustomerNotFoundError {
  return new CustomerNotFoundError(`no customer ${JSON.stringify(asked)} in snapshot ${snapshotId} or the live events`);
}

/** Sends `error` through the error mapping; a reply that cannot take it any more is logged, not thrown from a timer. */
function fail(reply: FastifyReply, error: unknown): void {
  try {
    reply.send(error);
  } catch (failure) {
    reply.log.error({ err: failure }, 'a queued lookup could not be answered');
  }
}

/** Lookups waiting for the end of the event loop's turn. */
export class LookupQueue {
  private keys: CustomerKey[] = [];
  private asked: string[] = [];
  /** fastify's reply of a routed lookup; null for one taken off the socket ({@link takeRaw}). */
  private replies: (FastifyReply | null)[] = [];
  /** The raw request and response of a lookup taken off the socket; null for a routed one. */
  private rawRequests: (IncomingMessage | null)[] = [];
  private rawResponses: (ServerResponse | null)[] = [];
  /** When each request reached the route (performance.now(), ms); -1 for one not timed. */
  private started: number[] = [];
  private bodies: (string | null)[] = [];
  private scheduled = false;

  /**
   * `record` takes each lookup's latency, from its route's handler (or the socket) to its reply
   * handed to the socket; `fallback` is fastify's handler, for the raw lookups the queue does not answer itself.
   */
  constructor(
    private readonly store: LiveStore,
    private readonly record: LatencyRecorder,
    private readonly fallback: RequestHandler,
  ) {}

  /**
   * Queues the lookup of `key` (the request's id as sent: `asked`); `reply` is sent when the turn
   * ends, and its latency recorded when `timed` (a GET: the histogram counts no HEAD, as the
   * other read routes' hooks do not).
   */
  push(key: CustomerKey, asked: string, reply: FastifyReply, timed: boolean): void {
    this.enqueue(key, asked, reply, null, null, timed);
  }

  /**
   * Queues a plain `GET /v1/customers/<id>` straight from the socket and returns true; returns
   * false, having touched nothing, for any other request, which the caller hands to fastify. A
   * queued request that turns out to be a miss (or meets no snapshot) goes to `fallback` (fastify's
   * handler) then. `server` not listening means the server is closing: fastify answers then, as it
   * answers every request of a closing server.
   */
  takeRaw(request: IncomingMessage, response: ServerResponse, server: Server): boolean {
    const url = request.url;
    if (request.method !== 'GET' || url === undefined || !url.startsWith(PREFIX) || !server.listening) return false;
    const id = url.slice(PREFIX.length);
    if (id.length === 0 || id.length > MAX_ID || NOT_PLAIN.test(id)) return false;
    // A GET with a body is fastify's to refuse or ignore.
    const headers = request.headers;
    if (headers['transfer-encoding'] !== undefined || (headers['content-length'] !== undefined && headers['content-length'] !== '0')) return false;
    const key = customerKeyFromValue(id);
    if (key === null || key === undefined) return false;
    this.enqueue(key, id, null, request, response, true);
    return true;
  }

  private enqueue(key: CustomerKey, asked: string, reply: FastifyReply | null, request: IncomingMessage | null, response: ServerResponse | null, timed: boolean): void {
    this.keys.push(key);
    this.asked.push(asked);
    this.replies.push(reply);
    this.rawRequests.push(request);
    this.rawResponses.push(response);
    this.started.push(timed ? performance.now() : -1);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flush);
    }
  }

  /**
   * Answers at once a request that names no customer: `invalid` (the route's schema refused the
   * id) or a 404 (the id is a missing-value token or too long); a 503 while no snapshot is loaded.
   * Its latency is recorded when `timed`, as {@link push}'s.
   */
  refuse(asked: string, reply: FastifyReply, timed: boolean, invalid?: Error): void {
    const started = performance.now();
    let error: unknown = invalid;
    try {
      error ??= notFound(asked, this.store.ready().snapshot.id);
    } catch (notReady) {
      error = notReady;
    }
    fail(reply, error);
    if (timed) this.record((performance.now() - started) / 1000);
  }

  /** Answers every queued lookup from the live state as it is now; never throws (a timer's exception would end the process). */
  private readonly flush = (): void => {
    const { keys, asked, replies, rawRequests, rawResponses, started, record } = this;
    const n = keys.length;
    // Lookups of the next turn queue into fresh arrays while these are answered.
    this.keys = [];
    this.asked = [];
    this.replies = [];
    this.rawRequests = [];
    this.rawResponses = [];
    this.started = [];
    this.scheduled = false;
    if (this.bodies.length < n) this.bodies = new Array(n).fill(null);
    const bodies = this.bodies;
    let snapshotId: string;
    try {
      const state = this.store.ready();
      snapshotId = state.snapshot.id;
      customerJsonOf(state).several(keys, n, bodies);
    } catch (error) {
      for (let i = 0; i < n; i++) {
        const reply = replies[i]!;
        if (reply === null) {
          this.handBack(rawRequests[i]!, rawResponses[i]!);
          continue;
        }
        fail(reply, error);
        if (started[i]! >= 0) record((performance.now() - started[i]!) / 1000);
      }
      return;
    }
    for (let i = 0; i < n; i++) {
      const body = bodies[i]!;
      bodies[i] = null;
      const reply = replies[i]!;
      if (reply === null) {
        // The route answers a miss (and times it): one implementation of the 404.
        if (body === null) {
          this.handBack(rawRequests[i]!, rawResponses[i]!);
          continue;
        }
        sendRaw(rawResponses[i]!, body);
      } else {
        try {
          if (body === null) reply.send(notFound(asked[i]!, snapshotId));
          else reply.header('content-type', JSON_TYPE).send(body);
        } catch (error) {
          fail(reply, error);
        }
      }
      if (started[i]! >= 0) record((performance.now() - started[i]!) / 1000);
    }
  };

  /** Gives a raw lookup to fastify's handler, as if it had never been taken. */
  private handBack(request: IncomingMessage, response: ServerResponse): void {
    try {
      this.fallback(request, response);
    } catch (error) {
      // fastify's handler answers its own errors; this is a bug, and the process must live on.
      response.destroy(error instanceof Error ? error : undefined);
    }
  }
}

/**
 * Writes a found customer's JSON as fastify's reply.send would: the same status and headers
 * (content-type and content-length; Node adds date and the connection's keep-alive as for any
 * response). A socket gone by now only fails this write, as it would fastify's.
 */
function sendRaw(response: ServerResponse, body: string): void {
  if (response.destroyed) return;
  response.writeHead(200, ['content-type', JSON_TYPE, 'content-length', String(Buffer.byteLength(body))]);
  response.end(body);
}
