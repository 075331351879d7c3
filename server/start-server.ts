/**
 * Starting a server for real (what `segstream serve` and the demo do): the bind-safety check,
 * listen, and a SIGTERM/SIGINT handler that stops accepting, stops a running job's worker, lets
 * requests in flight finish, flushes the event log and exits 0 — or 1 when that takes longer
 * than {@link CLOSE_GRACE_MS}, so a signal always ends the process.
 */
import type { FastifyInstance } from 'fastify';
import { bareHost, checkBindSafety } from './auth.js';
import { buildServer } from './build-server.js';
import type { ServerOptions } from './server-context.js';

/** Longest wait for requests in flight and the job's worker after a signal. */
export const CLOSE_GRACE_MS = 10_000;

/** Options of {@link startServer}. */
export interface StartOptions extends ServerOptions {
  readonly host: string;
  readonly port: number;
}

/** Builds, listens and installs the signal handlers; returns the server and its URL. */
export async function startServer(opts: StartOptions): Promise<{ app: FastifyInstance; url: string }> {
  checkBindSafety(opts.host, opts.token);
  const app = await buildServer(opts);
  const bare = bareHost(opts.host);
  await app.listen({ host: bare, port: opts.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  const host = bare.includes(':') ? `[${bare}]` : bare;
  const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
  let closing = false;
  const stop = (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info(`${signal}: closing`);
    setTimeout(() => {
      process.stderr.write(`segstream: still closing ${CLOSE_GRACE_MS / 1000} s after ${signal}; exiting\n`);
      process.exit(1);
    }, CLOSE_GRACE_MS).unref();
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`segstream: error while closing: ${(error as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  return { app, url };
}
