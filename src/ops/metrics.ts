/**
 * Prometheus metrics in their own registry: what each door let in or turned away, how long a
 * durable append took, and how big the store is (read from `stats()` at each scrape, so the
 * numbers are never stale and cost nothing between scrapes).
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { PipelineObserver } from '../ingest/pipeline.js';
import type { GraphReader, StoreStats } from '../store/graph-store.js';

/** The ways into the pipeline. */
export type Door = 'http' | 'file' | 'kafka';

export interface Metrics {
  readonly registry: Registry;
  /**
   * An observer for one door's pipeline; give each door its own:
   * `createPipeline({ store, observer: metrics.observer('http') })`.
   */
  observer(door: Door): PipelineObserver;
  /** Counts one HTTP answer by route (`/graphql`, `/v1/events`, ...) and status. */
  httpAnswered(route: string, status: number): void;
  /** The Prometheus text exposition and its content type. */
  render(): Promise<{ contentType: string; body: string }>;
}

const STATS: readonly (keyof StoreStats)[] = ['events', 'facts', 'services', 'dependencies'];

/**
 * @example
 * const metrics = createMetrics(store);
 * const pipeline = createPipeline({ store, observer: metrics.observer('kafka') });
 */
export function createMetrics(store?: Pick<GraphReader, 'stats'>, options: { processMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.processMetrics !== false) collectDefaultMetrics({ register: registry });
  const labelNames = ['door'] as const;
  const accepted = new Counter({ name: 'ctxgraph_events_accepted_total', help: 'New events stored durably.', labelNames, registers: [registry] });
  const duplicates = new Counter({
    name: 'ctxgraph_events_duplicates_total',
    help: 'Events acknowledged as repeats of a known (source, id); they change nothing.',
    labelNames,
    registers: [registry],
  });
  const rejected = new Counter({
    name: 'ctxgraph_events_rejected_total',
    help: 'Events in batches refused as invalid (all or nothing: every event of such a batch counts).',
    labelNames,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'ctxgraph_ingest_duration_seconds',
    help: 'From a valid batch to its durable append (including fsync).',
    labelNames,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const http = new Counter({
    name: 'ctxgraph_http_responses_total',
    help: 'HTTP answers by route and status.',
    labelNames: ['route', 'status'] as const,
    registers: [registry],
  });
  if (store) {
    // One stats read per scrape for both gauges: a scrape collects them together, so the second
    // collect finds the first one's read still pending and shares it.
    let pending: Promise<StoreStats | null> | null = null;
    const readStats = (): Promise<StoreStats | null> => {
      if (pending) return pending;
      const p = store.stats().catch(() => null);
      pending = p;
      void p.finally(() => {
        if (pending === p) pending = null;
      });
      return p;
    };
    new Gauge({
      name: 'ctxgraph_store_items',
      help: 'What the store holds: events, facts, services and dependencies ever recorded.',
      labelNames: ['kind'] as const,
      registers: [registry],
      async collect() {
        this.reset();
        // A store that cannot answer leaves the gauge empty: absent beats stale.
        const stats = await readStats();
        if (stats) for (const k of STATS) this.set({ kind: k }, stats[k]);
      },
    });
    new Gauge({
      name: 'ctxgraph_store_last_recorded_timestamp_seconds',
      help: 'When the store last recorded a fact (Unix time): time() minus this is how long ingest has been quiet.',
      registers: [registry],
      async collect() {
        this.reset();
        const stats = await readStats();
        if (stats && stats.lastRecordedAt > 0) this.set(stats.lastRecordedAt / 1000);
      },
    });
  }
  return {
    registry,
    observer: (door) => ({
      accepted(n, dup, seconds) {
        accepted.inc({ door }, n);
        duplicates.inc({ door }, dup);
        latency.observe({ door }, seconds);
      },
      rejected(n) {
        rejected.inc({ door }, n);
      },
    }),
    httpAnswered: (route, status) => http.inc({ route, status: String(status) }),
    render: async () => ({ contentType: registry.contentType, body: await registry.metrics() }),
  };
}
