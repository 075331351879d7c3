/**
 * `POST /v1/events`: live purchases. Every row is judged by the batch path's parser; the valid
 * rows are made durable in the write-ahead log (group commit) and applied to the live state
 * before the 202 answer, which counts accepted and rejected rows and lists rejected ones.
 */
import type { FastifyInstance } from 'fastify';
import { BadRequestError, PayloadTooLargeError } from '../../engine/errors.js';
import { arrowEventBatch } from '../../engine/live/arrow-events.js';
import { IdKeyCache } from '../../engine/live/id-key-cache.js';
import { scanJsonBatch } from '../../engine/live/json-rows.js';
import { concatTxBatches, jsonRowsBatch } from '../../engine/live/tx-batches.js';
import { type TxBatch, parseBatch } from '../../engine/parse/parse-batch.js';
import { RejectLog } from '../../engine/parse/reject-log.js';
import { readStream } from '../../engine/read/open-input.js';
import { DEFAULT_COLUMN_MAP, type InputFormat, type RawBatch } from '../../engine/read/raw-batch.js';
import { requireToken } from '../auth.js';
import { eventDialect } from '../event-dialect.js';
import { jsonTextParser } from '../request-bodies.js';
import { errors } from '../schemas.js';
import type { ServerContext } from '../server-context.js';

/** Body media types other than JSON, and how they are read. */
const STREAM_TYPES: Readonly<Record<string, InputFormat>> = {
  'application/x-ndjson': 'ndjson',
  'application/jsonl': 'ndjson',
  'text/csv': 'csv',
  'application/vnd.apache.arrow.stream': 'arrow',
  'application/vnd.apache.arrow.file': 'arrow',
};

/** Rejected rows listed in an answer (all are counted). */
const LISTED_REJECTS = 1000;

const ANSWER = {
  type: 'object',
  properties: {
    accepted: { type: 'integer' },
    rejected: { type: 'integer' },
    rejected_by_reason: { type: 'object', additionalProperties: { type: 'integer' } },
    rejected_rows: {
      type: 'array',
      description: `the first ${LISTED_REJECTS} rejected rows: index (0-based, in the body) and reason`,
      items: { type: 'object', properties: { index: { type: 'integer' }, reason: { type: 'string' }, value: { type: 'string' } } },
    },
    customers: { type: 'integer', description: 'distinct customers the accepted rows changed' },
    duplicates: { type: 'integer', description: 'accepted rows whose event_id was already acknowledged: not counted again' },
  },
} as const;

async function* once(body: Buffer): AsyncGenerator<Uint8Array> {
  yield body;
}

/** A JSON body already read into the typed columns of its rows, every one valid (engine/live/json-rows.ts). */
class ScannedRows {
  constructor(
    readonly batch: TxBatch,
    readonly rows: number,
  ) {}
}

/** Registers the events route (in its own scope, for its body parsers and limit). */
export function eventRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const maxRows = ctx.options.maxEventRows ?? 100_000;
  // Keys of the text ids bodies name, by their bytes: one cache for the server's requests.
  const idKeys = new IdKeyCache();
  void app.register(async (scope) => {
    scope.addContentTypeParser(Object.keys(STREAM_TYPES), { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    // Valid rows of the common shape go straight to typed columns; any other body takes the
    // server's JSON parser, with its checks, and parseBatch judges its rows.
    const parseJson = jsonTextParser(scope);
    scope.removeContentTypeParser('application/json');
    scope.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
      const state = ctx.store.state;
      const scanned = state ? scanJsonBatch(body as Buffer, state.config.input.ts_format, idKeys) : null;
      if (scanned) done(null, new ScannedRows(scanned.batch, scanned.rows));
      else parseJson(request, (body as Buffer).toString('utf8'), done);
    });
    scope.post<{ Body: unknown | Buffer | ScannedRows }>(
      '/v1/events',
      {
        bodyLimit: ctx.options.eventsBodyLimit ?? 32 * 1024 * 1024,
        onRequest: requireToken(ctx.options.token),
        schema: {
          summary: 'Push purchases (JSON array, NDJSON, CSV or Arrow stream by Content-Type); 202 once they are in the log',
          tags: ['events'],
          security: [{ bearer: [] }],
          body: {
            content: {
              'application/json': {
                // No maxItems: the validator would answer 400 where a batch over the row limit is a 413 (checked below).
                schema: { type: 'array', items: {}, description: `rows: {customer_id, ts, amount, margin?, event_id?}; at most ${maxRows}` },
              },
            },
          },
          response: { 202: ANSWER, ...errors(400, 401, 413, 415, 503) },
        },
        // The body schema documents the route; the handler checks the body itself (a scanned body is columns, not an array).
        validatorCompiler: () => () => true,
      },
      async (request, reply) => {
        const live = ctx.store.ready();
        const rejects = new RejectLog(LISTED_REJECTS);
        const batches: TxBatch[] = [];
        let source: string;
        let rows = 0;
        if (Buffer.isBuffer(request.body)) {
          const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
          const format = STREAM_TYPES[type]!;
          source = format;
          for await (const raw of readStream(once(request.body), 'request', { columns: { ...DEFAULT_COLUMN_MAP, event_id: 'event_id' }, format, batchSize: 65_536 })) {
            rows += raw.length;
            if (rows > maxRows) throw new PayloadTooLargeError(`more than ${maxRows} rows in one request; split the batch`);
            // Arrow columns of valid rows go straight to a batch; any other batch is judged row by row.
            const dialectOf = (b: RawBatch) => eventDialect(live.config, live.snapshot.manifest, b);
            batches.push((format === 'arrow' ? arrowEventBatch(raw, dialectOf, idKeys) : null) ?? parseBatch(raw, rejects, dialectOf(raw)));
          }
        } else {
          source = 'json';
          const body = request.body;
          if (!(body instanceof ScannedRows) && !Array.isArray(body)) throw new BadRequestError('body must be array');
          rows = body instanceof ScannedRows ? body.rows : body.length;
          if (rows > maxRows) throw new PayloadTooLargeError(`more than ${maxRows} rows in one request; split the batch`);
          if (body instanceof ScannedRows) batches.push(body.batch);
          else {
            const raw = jsonRowsBatch(body, 'request');
            batches.push(parseBatch(raw, rejects, eventDialect(live.config, live.snapshot.manifest, raw)));
          }
        }
        const batch = concatTxBatches(batches);
        // In cluster mode the rows go to their shards' streams, and the 202 waits for JetStream's acknowledgements.
        const { customers, duplicates } = ctx.cluster ? await ctx.cluster.ingest(batch) : await ctx.store.ingest(batch);
        ctx.metrics.rowsIngested.inc({ source }, batch.length);
        for (const [reason, n] of Object.entries(rejects.counts)) ctx.metrics.rowsRejected.inc({ reason }, n);
        return reply.code(202).send({
          accepted: batch.length,
          rejected: rejects.total,
          rejected_by_reason: rejects.counts,
          rejected_rows: rejects.kept.map((r) => ({ index: r.row - 1, reason: r.reason, value: r.value })),
          customers,
          duplicates,
        });
      },
    );
  });
}
