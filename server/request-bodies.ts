/**
 * How the server reads request bodies, whatever a client sends: JSON no deeper than
 * {@link MAX_JSON_DEPTH} (deeper structures overflow the stack of whatever walks them later, and no
 * route takes more than a few levels), no `text/plain` parser (so such a body is a 415, not a
 * string a route never expected), and a body over the limit answered 413 in a way the client can
 * read (see {@link answerWhileDraining}).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BadRequestError } from '../engine/errors.js';

/** Deepest nesting of arrays and objects a JSON body may have. */
export const MAX_JSON_DEPTH = 64;

/** True when `text` (JSON or not) nests `[`/`{` deeper than `max` outside strings. */
export function nestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

/** A JSON body parser that refuses nesting deeper than MAX_JSON_DEPTH, then parses as fastify does (no `__proto__`, no `constructor.prototype`). */
export function jsonTextParser(app: FastifyInstance): (request: FastifyRequest, body: string, done: (err: Error | null, body?: unknown) => void) => void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  return (request, body, done) => {
    if (nestsDeeperThan(body, MAX_JSON_DEPTH)) {
      done(new BadRequestError(`the JSON body nests deeper than ${MAX_JSON_DEPTH} levels`), undefined);
      return;
    }
    parseJson(request, body, done);
  };
}

/** Replaces fastify's JSON and text parsers (see the module comment). */
export function installBodyParsers(app: FastifyInstance): void {
  const parseJson = jsonTextParser(app);
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => parseJson(request, body as string, done));
}

/**
 * Answers a body that is over the limit while the client is still sending it. Fastify asks for
 * `Connection: close`, and Node then closes the socket as soon as the answer is written: the
 * client's unsent bytes meet a closed socket, the kernel resets the connection, and the client
 * reports a reset instead of the 413. So the answer keeps the connection open, Node reads and
 * discards the rest of the body (bounded by the request timeout), and the socket is closed
 * once the whole request has arrived.
 */
export function answerWhileDraining(request: FastifyRequest, reply: FastifyReply): void {
  const raw = request.raw;
  if (raw.complete) return;
  reply.removeHeader('connection');
  raw.once('end', () => raw.socket?.end());
}
