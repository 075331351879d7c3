/**
 * JSON schemas shared by routes: the customer view (every DESIGN field plus snapshot, as_of and
 * live), pages of customers, and the listing query. Response schemas also make fastify
 * serialize with fast-json-stringify.
 */
import { CUSTOMER_FIELDS, jsonSchemaOf } from '../engine/snapshot/customer-schema.js';
import { ERROR_SCHEMA } from './error-mapping.js';

/** One customer as the API shows it. */
export const CUSTOMER_SCHEMA = {
  type: 'object',
  properties: {
    ...Object.fromEntries(CUSTOMER_FIELDS.map((f) => [f.name, jsonSchemaOf(f)])),
    snapshot: { type: 'string', description: 'id of the live snapshot' },
    as_of: { type: 'string', format: 'date-time', description: 'instant the fields are computed at' },
    live: { type: 'boolean', description: 'true when live events changed the customer since the snapshot' },
  },
} as const;

/** A page of customers. */
export const PAGE_SCHEMA = {
  type: 'object',
  properties: {
    snapshot: { type: 'string' },
    customers: { type: 'array', items: CUSTOMER_SCHEMA },
    next_cursor: { type: ['string', 'null'], description: 'pass as ?cursor= for the next page' },
    total: { type: 'integer' },
  },
} as const;

/** Query of every customer listing. */
export const LISTING_QUERY = {
  type: 'object',
  properties: {
    cursor: { type: 'string', pattern: '^[0-9]{1,12}$', description: 'from next_cursor of the previous page' },
    limit: { type: 'integer', minimum: 1, maximum: 10_000, description: 'page size (JSON default 100); CSV/Arrow exports default to every customer' },
  },
  additionalProperties: false,
} as const;

/** Error responses a route documents. */
export function errors(...statuses: number[]): Record<number, typeof ERROR_SCHEMA> {
  return Object.fromEntries(statuses.map((s) => [s, ERROR_SCHEMA]));
}
