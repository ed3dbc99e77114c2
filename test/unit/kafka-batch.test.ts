import { describe, expect, it } from 'vitest';
import { createBatchHandler } from '../../ingestors/kafka-batch.js';
import { DLQ_HEADERS } from '../../ingestors/kafka-message.js';
import { createPipeline, type Pipeline } from '../../src/ingest/pipeline.js';
import { silentLogger } from '../../src/logger.js';
import { END_OF_TIME } from '../../src/model/time.js';
import { EmbeddedStore } from '../../src/store/memory/embedded-store.js';
import { createEvents } from '../support/events.js';
import { deferred, fakeBatch, fakePayload, fakeProducer, settle } from './kafka-fakes.js';

const TOPIC = 'ctx.events';
const T = '2026-05-01T10:00:00Z';
const NOW = { at: Date.parse('2026-06-01T00:00:00Z'), knownAt: END_OF_TIME };

async function setup(options: { maxBatchEvents?: number; wrapStore?: (store: Pipeline['store']) => Pipeline['store'] } = {}) {
  const { store } = await EmbeddedStore.open({ dataDir: null });
  const pipeline = createPipeline({ store });
  const producer = fakeProducer();
  const handler = createBatchHandler({
    pipeline: { store: options.wrapStore ? options.wrapStore((events) => pipeline.store(events)) : (events) => pipeline.store(events) },
    dlq: producer,
    logger: silentLogger,
    ...(options.maxBatchEvents ? { maxBatchEvents: options.maxBatchEvents } : {}),
  });
  const services = async () => (await store.graphAt(NOW)).services.map((s) => s.id).sort();
  return { store, producer, handler, services };
}

describe('Kafka batch handler', () => {
  it('stores valid events and commits their offsets only after the store resolved', async () => {
    const ev = createEvents({ source: 'catalog' });
    const order: string[] = [];
    const { handler, services, producer } = await setup({
      wrapStore: (store) => async (events) => {
        const r = await store(events);
        order.push(`stored ${events.length}`);
        return r;
      },
    });
    const batch = fakeBatch(TOPIC, 0, [
      { value: ev.serviceUpserted(T, { service: 'cart' }), key: 'cart' },
      { value: ev.serviceUpserted(T, { service: 'web' }), key: 'web' },
      { value: ev.dependencyUpserted(T, { from: 'web', to: 'cart' }) },
    ], 40);
    const consumer = fakePayload(batch, { log: order });

    await handler(consumer.payload);

    expect(await services()).toEqual(['cart', 'web']);
    expect(order).toEqual(['stored 3', 'resolve 42', 'commit 43', 'heartbeat']);
    expect(consumer.committed()).toBe('43');
    expect(producer.sent).toEqual([]);
  });

  it('routes invalid messages to <topic>.dlq with the original key, value and headers and the reason', async () => {
    const ev = createEvents({ source: 'catalog' });
    const { handler, services, producer } = await setup();
    const badSchema = ev.serviceUpserted(T, { service: 'cart', tier: 9 });
    const batch = fakeBatch(TOPIC, 3, [
      { value: Buffer.from('{not json'), key: 'k1', headers: { traceparent: '00-abc-01' } },
      { value: badSchema, key: 'cart' },
      { value: ev.serviceUpserted(T, { service: 'web' }) },
      { value: null, key: 'tombstone' },
      { value: [ev.serviceUpserted(T, { service: 'db' })] },
    ], 100);
    const consumer = fakePayload(batch);

    await handler(consumer.payload);

    expect(await services()).toEqual(['web']);
    expect(consumer.committed()).toBe('105');
    expect(producer.sent.map((s) => s.topic)).toEqual(Array(4).fill('ctx.events.dlq'));
    const [badJson, schema, tombstone, array] = producer.sent.map((s) => s.message);

    expect(badJson?.key?.toString()).toBe('k1');
    expect(badJson?.value?.toString()).toBe('{not json');
    expect(badJson?.headers).toMatchObject({
      traceparent: '00-abc-01',
      [DLQ_HEADERS.topic]: TOPIC,
      [DLQ_HEADERS.partition]: '3',
      [DLQ_HEADERS.offset]: '100',
    });
    expect(String(badJson?.headers[DLQ_HEADERS.error])).toMatch(/not valid JSON/);

    expect(JSON.parse(schema?.value?.toString() ?? '')).toEqual(badSchema);
    expect(schema?.headers[DLQ_HEADERS.offset]).toBe('101');
    expect(String(schema?.headers[DLQ_HEADERS.error])).toMatch(/^data\.tier: /);

    expect(tombstone?.value).toBeNull();
    expect(String(tombstone?.headers[DLQ_HEADERS.error])).toMatch(/no value/);
    expect(String(array?.headers[DLQ_HEADERS.error])).toMatch(/one CloudEvent per message/);
  });

  it('commits nothing when the store fails, and says why', async () => {
    const ev = createEvents();
    const { handler, services } = await setup({ wrapStore: () => () => Promise.reject(new Error('disk full')) });
    const consumer = fakePayload(fakeBatch(TOPIC, 0, [{ value: ev.serviceUpserted(T, { service: 'cart' }) }]));

    await expect(handler(consumer.payload)).rejects.toThrow('disk full');

    expect(consumer.log).toEqual([]);
    expect(await services()).toEqual([]);
  });

  it('commits nothing when the dead-letter topic does not acknowledge', async () => {
    const ev = createEvents();
    const { handler, producer } = await setup();
    producer.failNext = new Error('NOT_ENOUGH_REPLICAS');
    const consumer = fakePayload(fakeBatch(TOPIC, 0, [{ value: ev.serviceUpserted(T, { service: 'cart' }) }, { value: 'garbage' }]));

    await expect(handler(consumer.payload)).rejects.toThrow('NOT_ENOUGH_REPLICAS');

    expect(consumer.log).toEqual([]);
  });

  it('applies a redelivered batch once: a crash between store and commit loses nothing and doubles nothing', async () => {
    const ev = createEvents({ source: 'argo-cd/prod' });
    const { handler, store, services } = await setup();
    const batch = fakeBatch(TOPIC, 0, [
      { value: ev.serviceUpserted(T, { service: 'cart' }) },
      { value: ev.deployStarted(T, { deploy: 'd1', service: 'cart', version: 'v2' }) },
    ]);
    const crashing = fakePayload(batch, { commit: () => Promise.reject(new Error('connection reset')) });
    await expect(handler(crashing.payload)).rejects.toThrow('connection reset');
    const before = await store.stats();

    const redelivered = fakePayload(batch);
    await handler(redelivered.payload);

    expect(await store.stats()).toEqual(before);
    expect(before.events).toBe(2);
    expect(await services()).toEqual(['cart']);
    expect(redelivered.committed()).toBe('2');
  });

  it('works in chunks: each chunk is committed and heartbeated before the next is stored', async () => {
    const ev = createEvents();
    const order: string[] = [];
    const { handler } = await setup({
      maxBatchEvents: 2,
      wrapStore: (store) => async (events) => {
        order.push(`store ${events.length}`);
        return store(events);
      },
    });
    const consumer = fakePayload(fakeBatch(TOPIC, 0, ['a', 'b', 'c', 'd', 'e'].map((s) => ({ value: ev.serviceUpserted(T, { service: s }) }))), { log: order });

    await handler(consumer.payload);

    expect(order).toEqual([
      'store 2', 'resolve 1', 'commit 2', 'heartbeat',
      'store 2', 'resolve 3', 'commit 4', 'heartbeat',
      'store 1', 'resolve 4', 'commit 5', 'heartbeat',
    ]);
  });

  it('stops mid-batch when the consumer stops, leaving the unprocessed offsets uncommitted', async () => {
    const ev = createEvents();
    let running = true;
    const { handler, services } = await setup({
      maxBatchEvents: 2,
      wrapStore: (store) => async (events) => {
        const r = await store(events);
        running = false; // SIGTERM arrives while the first chunk is being stored
        return r;
      },
    });
    const consumer = fakePayload(
      fakeBatch(TOPIC, 0, ['a', 'b', 'c', 'd', 'e'].map((s) => ({ value: ev.serviceUpserted(T, { service: s }) }))),
      { isRunning: () => running },
    );

    await handler(consumer.payload);

    expect(await services()).toEqual(['a', 'b']);
    expect(consumer.log).toEqual(['resolve 1', 'commit 2', 'heartbeat']);
  });

  it('stops when the partition went stale (sought or reassigned) before a chunk', async () => {
    const ev = createEvents();
    const { handler, services } = await setup();
    const consumer = fakePayload(fakeBatch(TOPIC, 0, [{ value: ev.serviceUpserted(T, { service: 'a' }) }]), { isStale: () => true });

    await handler(consumer.payload);

    expect(await services()).toEqual([]);
    expect(consumer.log).toEqual([]);
  });

  it('holds the batch while the store is busy, so the consumer pulls nothing more', async () => {
    const ev = createEvents();
    const gate = deferred();
    const { handler, services } = await setup({
      wrapStore: (store) => async (events) => {
        await gate.promise;
        return store(events);
      },
    });
    // Modelled on kafkajs' fetcher (src/consumer/fetcher.js): it hands a fetch's batches to the
    // handler and awaits them before it fetches again.
    const batches = [0, 1, 2].map((n) => fakeBatch(TOPIC, 0, [{ value: ev.serviceUpserted(T, { service: `s${n}` }) }], n));
    const consumers = batches.map((b) => fakePayload(b));
    let pulls = 0;
    const fetchLoop = (async () => {
      for (const c of consumers) {
        pulls++;
        await handler(c.payload);
      }
    })();

    await settle();
    await settle();
    expect(pulls).toBe(1);
    expect(consumers[0]?.log).toEqual([]);

    gate.resolve();
    await fetchLoop;
    expect(pulls).toBe(3);
    expect(consumers.map((c) => c.committed())).toEqual(['1', '2', '3']);
    expect(await services()).toEqual(['s0', 's1', 's2']);
  });

  it('rejects a chunk size that would never make progress', () => {
    expect(() => createBatchHandler({ pipeline: { store: () => Promise.reject(new Error('unused')) }, dlq: fakeProducer(), logger: silentLogger, maxBatchEvents: 0 }))
      .toThrow(/maxBatchEvents/);
  });
});
