/**
 * Starting a server for real (what `segstream serve` and the demo do): the bind-safety check,
 * listen, and a SIGTERM/SIGINT handler that stops accepting, lets requests in flight finish,
 * flushes the event log and exits 0.
 */
import type { FastifyInstance } from 'fastify';
import { checkBindSafety } from './auth.js';
import { buildServer } from './build-server.js';
import type { ServerOptions } from './server-context.js';

/** Options of {@link startServer}. */
export interface StartOptions extends ServerOptions {
  readonly host: string;
  readonly port: number;
}

/** Builds, listens and installs the signal handlers; returns the server and its URL. */
export async function startServer(opts: StartOptions): Promise<{ app: FastifyInstance; url: string }> {
  checkBindSafety(opts.host, opts.token);
  const app = await buildServer(opts);
  await app.listen({ host: opts.host, port: opts.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
  let closing = false;
  const stop = (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info(`${signal}: closing`);
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
