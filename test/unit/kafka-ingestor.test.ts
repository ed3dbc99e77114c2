import type { InstrumentationEvent } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import type { BatchPayload } from '../../ingestors/kafka-batch.js';
import { createKafkaIngestor, type KafkaClient, type KafkaIngestorConfig } from '../../ingestors/kafka.js';
import { createPipeline } from '../../src/ingest/pipeline.js';
import { silentLogger } from '../../src/logger.js';
import { EmbeddedStore } from '../../src/store/memory/embedded-store.js';
import { createEvents } from '../support/events.js';
import { deferred, fakeBatch, fakePayload, settle } from './kafka-fakes.js';

const CONFIG: KafkaIngestorConfig = { brokers: ['unused:9092'], topics: ['ctx.events'], groupId: 'ctxgraph', clientId: 'test' };

interface RunConfig {
  autoCommit?: boolean;
  eachBatchAutoResolve?: boolean;
  eachBatch?: (payload: BatchPayload) => Promise<void>;
}

/** A kafkajs client that records the lifecycle calls and lets the test play the broker's part. */
function fakeKafka(options: { failConnect?: Error } = {}) {
  const calls: string[] = [];
  const listeners = new Map<string, (event: InstrumentationEvent<unknown>) => void>();
  let run: RunConfig | null = null;
  let subscribed: unknown = null;
  const step = (name: string) => () => {
    calls.push(name);
    return Promise.resolve();
  };
  const client: KafkaClient = {
    consumer: () => ({
      connect: () => (options.failConnect ? Promise.reject(options.failConnect) : step('consumer.connect')()),
      subscribe: (s: unknown) => {
        subscribed = s;
        return step('consumer.subscribe')();
      },
      run: (config: RunConfig) => {
        run = config;
        return step('consumer.run')();
      },
      stop: step('consumer.stop'),
      disconnect: step('consumer.disconnect'),
      on: <E>(name: string, listener: (event: E) => void) => {
        // The test emits each event with the payload kafkajs would give it.
        listeners.set(name, listener as (event: InstrumentationEvent<unknown>) => void);
        return () => listeners.delete(name);
      },
    }),
    producer: () => ({
      connect: step('producer.connect'),
      send: () => Promise.resolve([]),
      disconnect: step('producer.disconnect'),
    }),
  };
  return {
    client,
    calls,
    run: () => run,
    subscribed: () => subscribed,
    emit: (name: string, payload: Record<string, unknown>) => listeners.get(name)?.({ id: '1', type: name, timestamp: Date.now(), payload }),
  };
}

async function setup(options: Parameters<typeof fakeKafka>[0] = {}) {
  const { store } = await EmbeddedStore.open({ dataDir: null });
  const pipeline = createPipeline({ store });
  const kafka = fakeKafka(options);
  const ingestor = createKafkaIngestor({ pipeline, config: CONFIG, logger: silentLogger, kafka: kafka.client });
  return { store, pipeline, kafka, ingestor };
}

describe('Kafka ingestor lifecycle', () => {
  it('consumes with auto-commit and auto-resolve off, from the beginning for a new group', async () => {
    const { kafka, ingestor } = await setup();
    await ingestor.start();

    expect(kafka.calls).toEqual(['producer.connect', 'consumer.connect', 'consumer.subscribe', 'consumer.run']);
    expect(kafka.subscribed()).toEqual({ topics: ['ctx.events'], fromBeginning: true });
    expect(kafka.run()).toMatchObject({ autoCommit: false, eachBatchAutoResolve: false });
  });

  it('is ready once it joined the group, not after a crash, again after a rejoin, and not once stopped', async () => {
    const { kafka, ingestor } = await setup();
    await ingestor.start();
    expect(ingestor.ready()).toBe(false);

    kafka.emit('consumer.group_join', { memberId: 'm1', memberAssignment: { 'ctx.events': [0] } });
    expect(ingestor.ready()).toBe(true);

    kafka.emit('consumer.crash', { error: new Error('broker gone'), restart: true });
    expect(ingestor.ready()).toBe(false);

    kafka.emit('consumer.group_join', { memberId: 'm2', memberAssignment: { 'ctx.events': [0] } });
    expect(ingestor.ready()).toBe(true);

    await ingestor.stop();
    expect(ingestor.ready()).toBe(false);
  });

  it('on stop, lets the batch in flight finish and commit before it disconnects', async () => {
    const { kafka, ingestor, store } = await setup();
    await ingestor.start();
    const eachBatch = kafka.run()?.eachBatch;
    if (!eachBatch) throw new Error('the ingestor did not pass eachBatch to consumer.run');

    const commitGate = deferred();
    const consumer = fakePayload(fakeBatch('ctx.events', 0, [{ value: createEvents().serviceUpserted('2026-05-01T10:00:00Z', { service: 'cart' }) }]), {
      log: kafka.calls,
      commit: () => commitGate.promise,
    });
    const batch = eachBatch(consumer.payload);
    const stopped = ingestor.stop();
    await settle();
    expect(kafka.calls).not.toContain('consumer.disconnect');
    expect(kafka.calls).not.toContain('producer.disconnect');

    commitGate.resolve();
    await batch;
    await stopped;

    const afterRun = kafka.calls.slice(kafka.calls.indexOf('consumer.run') + 1);
    expect(afterRun).toEqual(['consumer.stop', 'resolve 0', 'commit 1', 'heartbeat', 'consumer.disconnect', 'producer.disconnect']);
    expect((await store.stats()).events).toBe(1);
  });

  it('stops once even when asked twice (SIGTERM and SIGINT)', async () => {
    const { kafka, ingestor } = await setup();
    await ingestor.start();
    await Promise.all([ingestor.stop(), ingestor.stop()]);
    expect(kafka.calls.filter((c) => c === 'consumer.disconnect')).toHaveLength(1);
  });

  it('disconnects what it connected when it cannot start', async () => {
    const { kafka, ingestor } = await setup({ failConnect: new Error('ECONNREFUSED') });
    await expect(ingestor.start()).rejects.toThrow('ECONNREFUSED');
    expect(kafka.calls).toContain('producer.disconnect');
    expect(ingestor.ready()).toBe(false);
  });
});
