/**
 * An in-process ctxgraph with the trust layer for tests: an empty embedded store, the real
 * pipeline, the trust service over the event-sourced trust store (its writes are events through
 * the pipeline), and GraphQL through `yoga.fetch`, all on one clock the test moves. `restart()`
 * drops the trust layer and rebuilds it from the graph, as the app does when it starts.
 */
import type { CloudEventInput } from '../../schema/events.js';
import { createGraphQL } from '../../src/api/graphql.js';
import { createPipeline, type Pipeline } from '../../src/ingest/pipeline.js';
import { silentLogger } from '../../src/logger.js';
import { EmbeddedStore } from '../../src/store/memory/embedded-store.js';
import { eventSourcedTrustStore, openEventSourcedTrustStore } from '../../src/trust-store/event-sourced.js';
import { createMemoryTrustStore } from '../../src/trust-store/memory.js';
import type { TrustStore } from '../../src/trust-store/trust-store.js';
import { createTrustService, DEFAULT_TRUST_POLICY, type TrustPolicy, type TrustService } from '../../src/trust-store/trust-service.js';
import { DAY } from '../../src/trust/durations.js';
import type { LadderTransition } from '../../src/trust/ladder.js';
import { type GraphQLAnswer, postGraphQL } from './api-harness.js';

export const T0 = Date.parse('2026-03-01T00:00:00Z');
/** An instant `days` (fractions allowed) after T0, as RFC 3339. */
export const dayIso = (days: number): string => new Date(T0 + days * DAY).toISOString();

export interface TrustApi {
  store: EmbeddedStore;
  pipeline: Pipeline;
  trustStore: TrustStore;
  trust: TrustService;
  /** Forgets the trust layer's process memory and rebuilds it from the graph; the API then serves the new one. */
  restart(): Promise<void>;
  /** What the audit sink received, in order. */
  audited: LadderTransition[];
  /** Moves the clock to T0 + `days`. */
  at(days: number): void;
  ingest(events: CloudEventInput[]): Promise<void>;
  query<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>): Promise<GraphQLAnswer<T>>;
}

export async function openTrustApi(policy: TrustPolicy = DEFAULT_TRUST_POLICY): Promise<TrustApi> {
  const { store } = await EmbeddedStore.open({ dataDir: null });
  let now = T0;
  const clock = (): number => now;
  const pipeline = createPipeline({ store, now: clock });
  const ingest = (events: readonly unknown[]) => pipeline.ingest(events);
  const audited: LadderTransition[] = [];
  let n = 0;
  const layer = (trustStore: TrustStore) => {
    const trust = createTrustService({
      reader: store,
      store: trustStore,
      ingest,
      logger: silentLogger,
      policy,
      now: clock,
      newId: () => `t${++n}`,
      audit: (t) => {
        audited.push(t);
        return Promise.resolve();
      },
    });
    return { trustStore, trust, yoga: createGraphQL({ reader: store, logger: silentLogger, now: clock, trust: { service: trust } }) };
  };
  let current = layer(eventSourcedTrustStore({ projection: createMemoryTrustStore(), ingest }));
  return {
    store,
    pipeline,
    get trustStore() {
      return current.trustStore;
    },
    get trust() {
      return current.trust;
    },
    async restart() {
      current = layer(await openEventSourcedTrustStore({ reader: store, ingest }));
    },
    audited,
    at: (days) => {
      now = T0 + days * DAY;
    },
    async ingest(events) {
      const r = await pipeline.ingest(events);
      if (!r.ok) throw new Error(`test events are invalid: ${JSON.stringify(r.errors)}`);
    },
    query: (q, v) => postGraphQL(current.yoga, q, v),
  };
}

let seq = 0;
/** One event at T0 + `days`, with a fresh id. */
export const ev = (days: number, type: CloudEventInput['type'], data: object, extra: Partial<CloudEventInput> = {}): CloudEventInput =>
  ({ specversion: '1.0', id: `e${++seq}`, source: 'test', type, time: dayIso(days), data, ...extra }) as CloudEventInput;
