/**
 * The server factory: a thin fastify shell over engine/live. It opens the live store (snapshot
 * plus replayed event log), registers one file of routes per resource, the OpenAPI document at
 * /docs, error mapping, metrics, and the optional nightly schedule. Tests call it and use
 * `inject` or `listen({ port: 0 })`; `segstream serve` calls it and listens.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { Cron } from 'croner';
import Fastify, { type FastifyInstance, type onResponseHookHandler } from 'fastify';
import { ArgumentError } from '../engine/errors.js';
import { LiveStore } from '../engine/live/live-store.js';
import { RescoreJobs } from '../engine/live/rescore-jobs.js';
import { installErrorMapping } from './error-mapping.js';
import { InputRoots } from './input-roots.js';
import { LookupQueue, type RequestHandler } from './lookup-queue.js';
import { ServerMetrics } from './metrics.js';
import { installBodyParsers } from './request-bodies.js';
import { campaignRoutes } from './routes/campaigns.js';
import { customerRoutes, ONE } from './routes/customers.js';
import { dashboardRoutes } from './routes/dashboard.js';
import { eventRoutes } from './routes/events.js';
import { healthRoutes } from './routes/health.js';
import { jobRoutes } from './routes/jobs.js';
import { lifecycleRoutes } from './routes/lifecycle.js';
import { lostRoutes } from './routes/lost.js';
import { reportRoutes } from './routes/report.js';
import { segmentRoutes } from './routes/segments.js';
import { snapshotRoutes } from './routes/snapshots.js';
import { spendBandRoutes } from './routes/spend-bands.js';
import { tierRoutes } from './routes/tiers.js';
import { winBackRoutes } from './routes/win-back.js';
import type { ServerContext, ServerOptions } from './server-context.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The live store, jobs and metrics behind this server. */
    segstream: ServerContext;
  }
  interface FastifyContextConfig {
    /** The route records its requests in the lookup histogram itself, so it gets no latency hook (lookup-queue.ts). */
    timesItself?: boolean;
  }
}

const VERSION = (JSON.parse(readFileSync(new URL(import.meta.url.endsWith('.ts') ? '../package.json' : '../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** Routes whose latency is the lookup histogram's. */
function isLookup(method: string, url: string | undefined): boolean {
  return url?.startsWith('/v1/') === true && (method === 'GET' || url === '/v1/customers/batch-get');
}

/** Builds a server over `options.dataDir`; the caller listens (or injects) and closes it. */
export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  if (options.rescoreCron && !options.rescoreInput) throw new ArgumentError('--rescore-cron needs --rescore-input');
  const inputRoots = await InputRoots.open(options.inputRoots ?? [], options.rescoreInput);
  const metrics = new ServerMetrics();
  // Node's defaults keep a client that trickles its headers for up to 90 s (60 s, checked every
  // 30 s) and an idle keep-alive connection for fastify's 72 s: a few hundred slow clients then
  // hold the server. Each limit is short and checked often.
  const headersTimeout = options.headersTimeoutMs ?? 15_000;
  const requestTimeout = Math.max(options.requestTimeoutMs ?? 120_000, headersTimeout);
  const keepAliveTimeout = options.keepAliveTimeoutMs ?? 5_000;
  // Set once the store is open: single lookups taken off the socket before fastify (lookup-queue.ts).
  // A cluster node forwards lookups to their shard's owner and a logger must see every request:
  // there, fastify takes them all.
  let lookups: LookupQueue | null = null;
  let fastifyHandler: RequestHandler | null = null;
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    // The router refuses a longer path parameter with its own 414 body; ids up to the schemas' 256
    // characters, percent-encoded (3 bytes each), reach the routes, which answer in SEG_ERR codes.
    routerOptions: { maxParamLength: 1024 },
    requestTimeout,
    keepAliveTimeout,
    // A socket with no traffic at all for this long is closed, whatever state it is in.
    connectionTimeout: requestTimeout,
    http: { headersTimeout, requestTimeout, connectionsCheckingInterval: Math.max(50, Math.min(1_000, headersTimeout / 4)) },
    // fastify's own server, as it would build it (lib/server.js), with the lookups' fast path in front of its handler.
    serverFactory: (handler: RequestHandler, opts) => {
      fastifyHandler = handler;
      const server: Server = createServer(opts.http as object, (request, response) => {
        if (lookups === null || !lookups.takeRaw(request, response, server)) handler(request, response);
      });
      server.keepAliveTimeout = keepAliveTimeout;
      server.requestTimeout = requestTimeout;
      server.setTimeout(requestTimeout);
      return server;
    },
  });
  const store = await LiveStore.open({
    dataDir: options.dataDir,
    hooks: {
      ...metrics.storeHooks(),
      onTorn: (seq, offset, reason) => app.log.warn({ seq, offset, reason }, 'cut a torn tail off the event log'),
      onProblem: (what, error) => app.log.error({ err: error }, `event log: ${what} failed; the rows stay in the log and it is retried`),
    },
  });
  metrics.store = store;
  const jobs = new RescoreJobs(store, { onFinished: (job, seconds) => metrics.jobFinished(job, seconds) }, options.jobTimeoutMs);
  const queue = new LookupQueue(store, metrics.lookupSeconds.series(ONE), fastifyHandler!);
  const ctx: ServerContext = { options, store, jobs, metrics, inputRoots, lookups: queue };
  app.decorate('segstream', ctx);
  installErrorMapping(app);
  installBodyParsers(app);
  // Cluster mode loads the NATS client; a single machine never imports it.
  if (options.cluster) ctx.cluster = await (await import('./cluster.js')).startClusterNode(app, ctx, options.cluster);

  await app.register(swagger, {
    openapi: {
      info: { title: 'segstream', description: 'Customer scores, segments, bands, tiers and live purchases', version: VERSION },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  // The latency hook goes on the read routes alone, each bound to its route's series, and runs
  // synchronously: a hook on every route that asked each request for its route options (an object
  // per call) and returned a promise cost every lookup. A route that times itself gets none: a
  // route with an onResponse hook makes fastify put 'finish' and 'error' listeners on every
  // response and run its hook chain when it ends (~2 µs of a single lookup's server CPU).
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (!methods.some((m) => isLookup(m, route.url)) || route.config?.timesItself === true) return;
    const record = metrics.lookupSeconds.series(route.url);
    const observe: onResponseHookHandler = (_request, reply, done) => {
      record(reply.elapsedTime / 1000);
      done();
    };
    route.onResponse = [...(route.onResponse === undefined ? [] : Array.isArray(route.onResponse) ? route.onResponse : [route.onResponse]), observe];
  });

  for (const register of [customerRoutes, segmentRoutes, spendBandRoutes, tierRoutes, winBackRoutes, snapshotRoutes, campaignRoutes, lifecycleRoutes, lostRoutes, reportRoutes, eventRoutes, jobRoutes, healthRoutes]) {
    register(app, ctx);
  }
  dashboardRoutes(app);
  if (!options.cluster && !options.logger) lookups = queue;

  const cron = options.rescoreCron
    ? new Cron(options.rescoreCron, { protect: true }, async () => {
        try {
          const job = options.rescoreJob ?? {};
          jobs.start({
            input: await inputRoots.confine(options.rescoreInput!, 'input'),
            ...(job.configPath !== undefined ? { configPath: job.configPath } : {}),
            ...(job.columns !== undefined ? { columns: job.columns } : {}),
            ...(job.tsFormat !== undefined ? { tsFormat: job.tsFormat } : {}),
            ...(job.decimal !== undefined ? { decimal: job.decimal } : {}),
          });
        } catch (error) {
          app.log.warn({ err: error }, 'scheduled rescore not started');
        }
      })
    : null;
  // Pick up snapshots published by `segstream rescore` from outside (an outside scheduler). A
  // cluster node installs the cluster's snapshots itself (server/cluster.ts): a reload racing its
  // install would drop the stream rows it applies on top.
  const reloadMs = options.cluster ? 0 : (options.reloadIntervalMs ?? 2000);
  const reload =
    reloadMs > 0
      ? setInterval(() => {
          if (!jobs.current) store.reloadIfChanged().catch((error: unknown) => app.log.error({ err: error }, 'snapshot reload failed'));
        }, reloadMs).unref()
      : null;

  app.addHook('onClose', async () => {
    cron?.stop();
    if (reload) clearInterval(reload);
    await jobs.stop();
    await store.close();
  });
  return app;
}
