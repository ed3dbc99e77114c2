/**
 * The GraphQL endpoint: graphql-yoga over the schema, with a context per request. Usable on its
 * own through `yoga.fetch` (tests) or mounted on the HTTP server (server.ts).
 */
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import type { Logger } from '../logger.js';
import type { GraphReader } from '../store/graph-store.js';
import type { ApiContext } from './builder.js';
import { useArgumentNames } from './argument-names.js';
import { useCompiledExecution } from './compiled-execution.js';
import { controlContext, type ControlWiring } from './control-context.js';
import { useControlReadGate } from './control-read-gate.js';
import { schema } from './schema.js';
import type { TrustContext } from './trust-context.js';

export interface GraphQLOptions {
  reader: GraphReader;
  logger: Logger;
  /** Epoch milliseconds; default `Date.now`. */
  now?: () => number;
  /** The control layer; callers authenticate per request with `Authorization: Bearer <token>`. */
  control?: ControlWiring;
  /** The trust layer: postmortems, calibration, error budgets, the trust ladder and readiness. */
  trust?: TrustContext;
}

export type GraphQLServer = YogaServerInstance<Record<string, unknown>, ApiContext>;

/**
 * @example
 * const yoga = createGraphQL({ reader: store, logger });
 * const res = await yoga.fetch('http://localhost/graphql', { method: 'POST', headers: { 'content-type': 'application/json' },
 *   body: JSON.stringify({ query: '{ graphAt(at: "2026-05-01T00:00:00Z") { services { id } } }' }) });
 */
export function createGraphQL(options: GraphQLOptions): GraphQLServer {
  const context: ApiContext = { reader: options.reader, now: options.now ?? Date.now, ...(options.trust ? { trust: options.trust } : {}) };
  const log = options.logger.child({ component: 'graphql' });
  return createYoga<Record<string, unknown>, ApiContext>({
    schema,
    graphqlEndpoint: '/graphql',
    context: ({ request }) => (options.control ? { ...context, control: controlContext(options.control, request.headers.get('authorization')) } : context),
    plugins: [useArgumentNames(), useControlReadGate(), useCompiledExecution()],
    // Masked errors stay on (the default): a bug's message never reaches a client, but it is logged here.
    logging: {
      debug: (...args: unknown[]) => log.debug({ args }, 'yoga'),
      info: (...args: unknown[]) => log.info({ args }, 'yoga'),
      warn: (...args: unknown[]) => log.warn({ args }, 'yoga'),
      error: (...args: unknown[]) => log.error({ err: args[0] }, 'graphql request failed'),
    },
  });
}
