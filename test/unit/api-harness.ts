/**
 * An in-process API for tests: an empty embedded store, the real pipeline and GraphQL through
 * `yoga.fetch`, all on one clock the test sets, so recorded times (and `knownAt`) are chosen.
 */
import type { CloudEventInput } from '../../schema/events.js';
import { createGraphQL } from '../../src/api/graphql.js';
import { createPipeline, type Pipeline } from '../../src/ingest/pipeline.js';
import { silentLogger } from '../../src/logger.js';
import { toMillis } from '../../src/model/time.js';
import type { GraphReader } from '../../src/store/graph-store.js';
import { EmbeddedStore } from '../../src/store/memory/embedded-store.js';

/** Valid and recorded times in these tests are on one day; `hh:mm` is enough to read them. */
export const day = (hhmm: string): string => `2026-05-01T${hhmm}:00.000Z`;

export interface GraphQLAnswer<T> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

export interface Api {
  store: EmbeddedStore;
  pipeline: Pipeline;
  /** Sets the clock: what is recorded next is recorded at `hh:mm`, and `knownAt` defaults to it. */
  clock(hhmm: string): void;
  /** Ingests at the current clock; fails the test on an invalid batch. */
  ingest(events: CloudEventInput[]): Promise<void>;
  query<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>): Promise<GraphQLAnswer<T>>;
}

export async function postGraphQL<T>(
  yoga: { fetch: (url: string, init: RequestInit) => Response | Promise<Response> },
  query: string,
  variables?: Record<string, unknown>,
): Promise<GraphQLAnswer<T>> {
  const res = await yoga.fetch('http://localhost/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as GraphQLAnswer<T>;
}

export async function openApi(reader?: GraphReader): Promise<Api> {
  const { store } = await EmbeddedStore.open({ dataDir: null });
  let now = toMillis(day('00:00'));
  const clock = (): number => now;
  const pipeline = createPipeline({ store, now: clock });
  const yoga = createGraphQL({ reader: reader ?? store, logger: silentLogger, now: clock });
  return {
    store,
    pipeline,
    clock: (hhmm) => {
      now = toMillis(day(hhmm));
    },
    async ingest(events) {
      const r = await pipeline.ingest(events);
      if (!r.ok) throw new Error(`test events are invalid: ${JSON.stringify(r.errors)}`);
    },
    query: (query, variables) => postGraphQL(yoga, query, variables),
  };
}
