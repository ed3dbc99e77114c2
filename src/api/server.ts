/**
 * The HTTP server: GraphQL at /graphql, the events door at /v1/events, and the operational
 * endpoints /healthz, /readyz and /metrics. It is returned unstarted; the caller listens.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createEventsDoor } from '../ingest/http.js';
import type { Pipeline } from '../ingest/pipeline.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../ops/metrics.js';
import type { GraphReader } from '../store/graph-store.js';
import type { ControlWiring } from './control-context.js';
import { createGraphQL } from './graphql.js';
import type { TrustContext } from './trust-context.js';

export interface HttpServerOptions {
  /** What GraphQL reads. */
  store: GraphReader;
  /** The HTTP door's pipeline (give it `metrics.observer('http')`). */
  pipeline: Pipeline;
  metrics: Metrics;
  /** False while the store recovers or the doors start: /readyz answers 503 until it is true. */
  ready: () => boolean;
  logger: Logger;
  /** Largest `POST /v1/events` body; default 16 MiB. */
  maxBodyBytes?: number;
  /** The clock for GraphQL's default `at` and `knownAt`; default `Date.now`. */
  now?: () => number;
  /** The control layer (proposeAction and friends) with its token authenticator. */
  control?: ControlWiring;
  /** The trust layer (postmortems, calibration, error budgets, the trust ladder, readiness). */
  trust?: TrustContext;
}

const ROUTES = new Set(['/graphql', '/v1/events', '/healthz', '/readyz', '/metrics']);

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/**
 * @example
 * const server = createHttpServer({ store, pipeline, metrics, ready: () => true, logger });
 * server.listen(4000, '127.0.0.1');
 */
export function createHttpServer(options: HttpServerOptions): Server {
  const { metrics, logger } = options;
  const yoga = createGraphQL({
    reader: options.store,
    logger,
    ...(options.now ? { now: options.now } : {}),
    ...(options.control ? { control: options.control } : {}),
    ...(options.trust ? { trust: options.trust } : {}),
  });
  const door = createEventsDoor({ pipeline: options.pipeline, logger: logger.child({ component: 'http-ingest' }), ...(options.maxBodyBytes !== undefined ? { maxBodyBytes: options.maxBodyBytes } : {}) });

  const onlyMethod = (req: IncomingMessage, res: ServerResponse, allowed: string): boolean => {
    if (req.method === allowed || (allowed === 'GET' && req.method === 'HEAD')) return true;
    req.resume();
    sendJson(res, 405, { errors: [{ message: `${req.url ?? ''} accepts ${allowed} only` }] }, { allow: allowed });
    return false;
  };

  async function route(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    switch (path) {
      case '/graphql':
        await yoga.handle(req, res);
        return;
      case '/v1/events': {
        if (!onlyMethod(req, res, 'POST')) return;
        const reply = await door.handle(req);
        sendJson(res, reply.status, reply.body, reply.close ? { connection: 'close' } : {});
        return;
      }
      case '/healthz':
        if (onlyMethod(req, res, 'GET')) sendJson(res, 200, { status: 'ok' });
        return;
      case '/readyz':
        if (onlyMethod(req, res, 'GET')) {
          if (options.ready()) sendJson(res, 200, { status: 'ready' });
          else sendJson(res, 503, { status: 'starting' }, { 'retry-after': '1' });
        }
        return;
      case '/metrics': {
        if (!onlyMethod(req, res, 'GET')) return;
        const { contentType, body } = await metrics.render();
        res.writeHead(200, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
        res.end(body);
        return;
      }
      default:
        req.resume();
        sendJson(res, 404, { errors: [{ message: `no route ${path}; try /graphql, /v1/events, /healthz, /readyz or /metrics` }] });
    }
  }

  return createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    res.once('finish', () => metrics.httpAnswered(ROUTES.has(path) ? path : 'other', res.statusCode));
    route(req, res, path).catch((e: unknown) => {
      logger.error({ err: e, path }, 'request failed');
      if (!res.headersSent) sendJson(res, 500, { errors: [{ message: 'internal error' }] });
      else res.destroy();
    });
  });
}
