import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHttpServer } from '../../src/api/server.js';
import { createPipeline } from '../../src/ingest/pipeline.js';
import { silentLogger } from '../../src/logger.js';
import { createMetrics } from '../../src/ops/metrics.js';
import { EmbeddedStore } from '../../src/store/memory/embedded-store.js';
import { createEvents } from '../support/events.js';

const T = '2026-05-01T10:00:00Z';

describe('the HTTP server', () => {
  let server: Server;
  let url: string;
  let ready = false;

  beforeEach(async () => {
    ready = false;
    const { store } = await EmbeddedStore.open({ dataDir: null });
    const metrics = createMetrics(store);
    const pipeline = createPipeline({ store, observer: metrics.observer('http') });
    server = createHttpServer({ store, pipeline, metrics, ready: () => ready, logger: silentLogger });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );

  const post = (body: unknown) =>
    fetch(`${url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('says it is alive at /healthz, and ready at /readyz only once ready', async () => {
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const starting = await fetch(`${url}/readyz`);
    expect(starting.status).toBe(503);
    expect(await starting.json()).toEqual({ status: 'starting' });
    ready = true;
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
  });

  it('counts what the HTTP door accepted, repeated and rejected, and the store sizes, at /metrics', async () => {
    const ev = createEvents();
    const batch = [ev.serviceUpserted(T, { service: 'web' }), ev.serviceUpserted(T, { service: 'cart' }), ev.dependencyUpserted(T, { from: 'web', to: 'cart' })];
    const posted = Date.now();
    expect((await post(batch)).status).toBe(200);
    expect((await post(batch.slice(0, 1))).status).toBe(200);
    expect((await post([ev.serviceUpserted(T, { service: 'db' }), { nonsense: true }])).status).toBe(400);

    const res = await fetch(`${url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toContain('ctxgraph_events_accepted_total{door="http"} 3');
    expect(text).toContain('ctxgraph_events_duplicates_total{door="http"} 1');
    expect(text).toContain('ctxgraph_events_rejected_total{door="http"} 2');
    expect(text).toContain('ctxgraph_ingest_duration_seconds_count{door="http"} 2');
    expect(text).toContain('ctxgraph_store_items{kind="events"} 3');
    expect(text).toContain('ctxgraph_store_items{kind="services"} 2');
    expect(text).toContain('ctxgraph_store_items{kind="dependencies"} 1');
    expect(text).toContain('ctxgraph_http_responses_total{route="/v1/events",status="400"} 1');
    // When the store last recorded something: the batches above, recorded as they arrived.
    const last = Number(/^ctxgraph_store_last_recorded_timestamp_seconds (\S+)$/m.exec(text)?.[1]);
    expect(last * 1000).toBeGreaterThanOrEqual(posted - 1000);
    expect(last * 1000).toBeLessThanOrEqual(Date.now());
    expect(text).toMatch(/^process_cpu_user_seconds_total /m);
  });

  it('serves GraphQL at /graphql over POST, and GraphiQL to a browser', async () => {
    expect((await post([createEvents().serviceUpserted(T, { service: 'web', tier: 1 })])).status).toBe(200);
    const res = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ graphAt(at: "${T}") { services { id tier } } }` }),
    });
    expect(await res.json()).toEqual({ data: { graphAt: { services: [{ id: 'web', tier: 1 }] } } });
    const page = await fetch(`${url}/graphql`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('GraphiQL');
  });

  it('answers 404 with the routes it has', async () => {
    const res = await fetch(`${url}/nope`);
    expect(res.status).toBe(404);
    expect(JSON.stringify(await res.json())).toContain('/graphql');
  });
});

describe('store gauges', () => {
  it('read the store once per scrape for both gauges, and again on the next scrape', async () => {
    let reads = 0;
    const stats = { events: 4, facts: 9, services: 2, dependencies: 1, lastRecordedAt: 1_780_000_000_000 };
    const metrics = createMetrics({ stats: () => (reads++, Promise.resolve(stats)) }, { processMetrics: false });
    const text = await metrics.registry.metrics();
    expect(text).toContain('ctxgraph_store_items{kind="events"} 4');
    expect(text).toContain('ctxgraph_store_last_recorded_timestamp_seconds 1780000000');
    expect(reads).toBe(1);
    await metrics.registry.metrics();
    expect(reads).toBe(2);
  });
});
