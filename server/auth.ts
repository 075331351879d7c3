/**
 * Bearer-token check for the write and job routes, and the refusal to serve writes on a
 * non-loopback address without a token.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { ArgumentError, UnauthorizedError } from '../engine/errors.js';

/** True for addresses only this machine can reach. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** A host as `listen` takes it: an IPv6 literal written as in a URL (`[::1]`) loses its brackets. */
export function bareHost(host: string): string {
  return /^\[.+\]$/.test(host) ? host.slice(1, -1) : host;
}

/** Throws when `host` is reachable from elsewhere and no token protects the writes. */
export function checkBindSafety(host: string, token: string | undefined): void {
  if (!isLoopback(host) && !token) {
    throw new ArgumentError(`refusing to listen on ${host} without a token: set SEGSTREAM_TOKEN, or bind to 127.0.0.1`);
  }
}

/** The credentials of an `Authorization` header of the Bearer scheme (the scheme is case-insensitive, RFC 9110 11.1); null otherwise. */
function bearerCredentials(header: string): string | null {
  const m = /^bearer +(.*)$/i.exec(header);
  return m ? m[1]!.trim() : null;
}

/** Digest compared instead of the raw token, so the comparison takes the same time whatever the length of what was sent. */
function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** An onRequest hook that requires `Authorization: Bearer <token>`; without a token every write is allowed (loopback only). */
export function requireToken(token: string | undefined): (request: FastifyRequest) => Promise<void> {
  const expected = token ? digest(token) : null;
  return async (request) => {
    if (!expected) return;
    const header = request.headers.authorization ?? '';
    const given = bearerCredentials(header);
    if (given === null || !timingSafeEqual(digest(given), expected)) {
      throw new UnauthorizedError(header ? 'the bearer token is not valid' : 'this route needs Authorization: Bearer <SEGSTREAM_TOKEN>');
    }
  };
}
