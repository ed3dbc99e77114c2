/**
 * The Kafka door against a real broker: apache/kafka in KRaft mode through testcontainers, or the
 * broker named by KAFKA_BROKERS. Without either, the suite skips and says how to run it.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { type Admin, Kafka, logLevel } from 'kafkajs';
import { GenericContainer, getContainerRuntimeClient, type StartedTestContainer, Wait } from 'testcontainers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKafkaIngestor } from '../../ingestors/kafka.js';
import { DLQ_HEADERS } from '../../ingestors/kafka-message.js';
import { createPipeline } from '../../src/ingest/pipeline.js';
import { silentLogger } from '../../src/logger.js';
import { END_OF_TIME } from '../../src/model/time.js';
import { EmbeddedStore } from '../../src/store/memory/embedded-store.js';
import { createEvents } from '../support/events.js';
import { containerRuntime } from './container-runtime.js';

// Kafka 4 dropped the protocol versions kafkajs 2.2.4 speaks; 3.9 is the last line it works with.
const IMAGE = 'apache/kafka:3.9.0';
const given = process.env.KAFKA_BROKERS?.split(',').filter((b) => b.length > 0) ?? [];
const runtime = given.length > 0 ? { available: true, reason: `KAFKA_BROKERS=${given.join(',')}` } : await containerRuntime();
if (!runtime.available) {
  console.warn(
    `skipping the Kafka integration test: ${runtime.reason}. To run it, start Docker or Podman so testcontainers can run ${IMAGE}, ` +
      'or point KAFKA_BROKERS at a running broker (host:port[,host:port]) that allows topic creation.',
  );
}

/** A host port nobody listens on now: the broker must advertise the port clients reach it on. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function startKafka(): Promise<{ container: StartedTestContainer; brokers: string[] }> {
  const host = (await getContainerRuntimeClient()).info.containerRuntime.host;
  const port = await freePort();
  // A fixed host port, so the advertised listener is known before the broker starts. Setting any
  // KAFKA_ variable replaces the image's default server.properties, so the KRaft basics are all here.
  const container = await new GenericContainer(IMAGE)
    .withExposedPorts({ container: 9092, host: port })
    .withEnvironment({
      KAFKA_NODE_ID: '1',
      KAFKA_PROCESS_ROLES: 'broker,controller',
      KAFKA_LISTENERS: 'PLAINTEXT://0.0.0.0:9092,CONTROLLER://0.0.0.0:9093',
      KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://${host}:${port}`,
      KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
      KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
      KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
      KAFKA_INTER_BROKER_LISTENER_NAME: 'PLAINTEXT',
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
      KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
      KAFKA_NUM_PARTITIONS: '1',
    })
    .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
    .withStartupTimeout(120_000)
    .start();
  return { container, brokers: [`${host}:${port}`] };
}

describe.skipIf(!runtime.available)(`Kafka ingestor against a real broker (${runtime.reason})`, () => {
  let container: StartedTestContainer | undefined;
  let brokers: string[] = given;
  let kafka: Kafka;
  let admin: Admin;

  beforeAll(async () => {
    if (brokers.length === 0) ({ container, brokers } = await startKafka());
    kafka = new Kafka({ clientId: 'ctxgraph-test', brokers, logLevel: logLevel.NOTHING });
    admin = kafka.admin();
    await admin.connect();
  }, 180_000);

  afterAll(async () => {
    await admin?.disconnect();
    await container?.stop();
  });

  it('stores the valid events, dead-letters the invalid ones with the reason, commits, and applies a replay once', async () => {
    const topic = `ctx.events.${randomUUID()}`;
    const dlqTopic = `${topic}.dlq`;
    const groupId = `ctxgraph-${randomUUID()}`;
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }, { topic: dlqTopic }], waitForLeaders: true });

    const ev = createEvents({ source: 'argo-cd/prod' });
    const T = '2026-05-01T10:00:00Z';
    const valid = [
      ev.serviceUpserted(T, { service: 'cart', tier: 1 }),
      ev.serviceUpserted(T, { service: 'web' }),
      ev.dependencyUpserted(T, { from: 'web', to: 'cart' }),
    ];
    const invalid = ev.deployStarted(T, { deploy: 'd1', service: 'cart', version: '' });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic,
      messages: [
        ...valid.map((e) => ({ key: String(e.subject ?? e.id), value: JSON.stringify(e) })),
        { key: 'cart', value: JSON.stringify(invalid), headers: { traceparent: '00-abc-01' } },
      ],
    });

    const { store } = await EmbeddedStore.open({ dataDir: null });
    const config = { brokers, topics: [topic], groupId, clientId: 'ctxgraph-test' };
    const ingestor = createKafkaIngestor({ pipeline: createPipeline({ store }), config, logger: silentLogger });
    await ingestor.start();

    const dead: { value: string; headers: Record<string, string> }[] = [];
    const dlqConsumer = kafka.consumer({ groupId: `${groupId}-dlq-reader` });
    await dlqConsumer.connect();
    await dlqConsumer.subscribe({ topics: [dlqTopic], fromBeginning: true });
    await dlqConsumer.run({
      eachMessage: ({ message }) => {
        const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]));
        dead.push({ value: message.value?.toString() ?? '', headers });
        return Promise.resolve();
      },
    });

    await expect.poll(async () => (await store.stats()).events, { timeout: 60_000, interval: 200 }).toBe(3);
    await expect.poll(() => dead.length, { timeout: 60_000, interval: 200 }).toBe(1);
    expect(ingestor.ready()).toBe(true);
    await dlqConsumer.disconnect();

    const graph = await store.graphAt({ at: Date.parse('2026-06-01T00:00:00Z'), knownAt: END_OF_TIME });
    expect(graph.services.map((s) => s.id).sort()).toEqual(['cart', 'web']);
    expect(graph.dependencies.map((d) => `${d.from}->${d.to}`)).toEqual(['web->cart']);
    expect(JSON.parse(dead[0]?.value ?? '')).toEqual(invalid);
    expect(dead[0]?.headers).toMatchObject({ traceparent: '00-abc-01', [DLQ_HEADERS.topic]: topic });
    expect(dead[0]?.headers[DLQ_HEADERS.error]).toMatch(/^data\.version: /);

    // Offsets are committed only after durability; wait for the commit, then stop.
    const committed = async () => {
      const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
      return (offsets?.partitions ?? []).reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
    };
    await expect.poll(committed, { timeout: 30_000, interval: 200 }).toBe(4);
    await ingestor.stop();
    expect(ingestor.ready()).toBe(false);

    // A producer retry resends everything; a fresh member of the group applies none of it twice.
    await producer.send({ topic, messages: valid.map((e) => ({ value: JSON.stringify(e) })) });
    await producer.disconnect();
    const again = createKafkaIngestor({ pipeline: createPipeline({ store }), config, logger: silentLogger });
    await again.start();
    await expect.poll(committed, { timeout: 60_000, interval: 200 }).toBe(7);
    await again.stop();
    expect((await store.stats()).events).toBe(3);
    await store.close();
  }, 180_000);
});
