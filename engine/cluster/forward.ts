/**
 * Lookups of customers another node owns: NATS request/reply on `segstream.lookup.<node>`. The
 * request is `{ ids }` (customer ids as the client gave them); the owner answers with its
 * batch-get body, `{ snapshot, customers, not_found }`, as text.
 */
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { NotReadyError } from '../errors.js';

/** Subject a node answers lookups on. */
export function lookupSubject(node: string): string {
  return `segstream.lookup.${node}`;
}

/** How long a forwarded lookup may take before the asker answers 503. */
const FORWARD_TIMEOUT_MS = 5000;

/** The owner's batch-get answer for `ids`. */
export async function forwardLookup(nc: NatsConnection, owner: string, ids: readonly (string | number)[]): Promise<string> {
  try {
    const reply = await nc.request(lookupSubject(owner), JSON.stringify({ ids }), { timeout: FORWARD_TIMEOUT_MS });
    return reply.string();
  } catch (error) {
    throw new NotReadyError(`node ${owner}, which owns the customer, did not answer a lookup (${(error as Error).message}); retry`, { cause: error });
  }
}

/** Answers lookups for this node with `answer(ids)` (its batch-get text). */
export function serveLookups(nc: NatsConnection, node: string, answer: (ids: (string | number)[]) => Promise<string>): Subscription {
  return nc.subscribe(lookupSubject(node), {
    callback: (error, msg) => {
      if (error) return;
      let ids: (string | number)[];
      try {
        ids = (msg.json() as { ids: (string | number)[] }).ids;
      } catch {
        return;
      }
      answer(ids).then(
        (text) => msg.respond(text),
        () => {},
      );
    },
  });
}
