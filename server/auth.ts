/**
 * Bearer-token check for the write routes, and the refusal to serve writes on a non-loopback
 * address without a token.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { ArgumentError, UnauthorizedError } from '../engine/errors.js';

/** True for addresses only this machine can reach. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** Throws when `host` is reachable from elsewhere and no token protects the writes. */
export function checkBindSafety(host: string, token: string | undefined): void {
  if (!isLoopback(host) && !token) {
    throw new ArgumentError(`refusing to listen on ${host} without a token: set SEGSTREAM_TOKEN, or bind to 127.0.0.1`);
  }
}

/** An onRequest hook that requires `Authorization: Bearer <token>`; without a token every write is allowed (loopback only). */
export function requireToken(token: string | undefined): (request: FastifyRequest) => Promise<void> {
  const expected = token ? Buffer.from(token) : null;
  return async (request) => {
    if (!expected) return;
    const header = request.headers.authorization ?? '';
    const given = Buffer.from(header.startsWith('Bearer ') ? header.slice(7) : '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new UnauthorizedError(header ? 'the bearer token is not valid' : 'this route needs Authorization: Bearer <SEGSTREAM_TOKEN>');
    }
  };
}
