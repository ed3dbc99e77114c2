/**
 * Loads the demo data set through Kafka: produces `demoEvents()` to the first of KAFKA_TOPICS,
 * keyed by subject (CONTRACT §1), and exits. The compose stack runs it once, so that
 * `docker compose up` ends with the demo in Neo4j having come in the production way.
 *
 *   KAFKA_BROKERS=localhost:19092 node dist/ingestors/produce-demo.js
 */
import { Kafka, logLevel } from 'kafkajs';
import { demoEvents } from '../bench/demo.js';
import { loadConfig } from '../src/config.js';

const BATCH = 500;

async function main(): Promise<void> {
  const loaded = loadConfig();
  if (!loaded.ok) throw new Error(`configuration is invalid:\n  ${loaded.errors.join('\n  ')}`);
  const kafkaConfig = loaded.config.kafka;
  if (!kafkaConfig) throw new Error('KAFKA_BROKERS is not set: there is no Kafka to produce the demo to');
  const topic = kafkaConfig.topics[0] ?? 'ctx.events';
  const kafka = new Kafka({ clientId: `${kafkaConfig.clientId}-demo-producer`, brokers: kafkaConfig.brokers, logLevel: logLevel.WARN });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    const events = demoEvents();
    for (let i = 0; i < events.length; i += BATCH) {
      const messages = events.slice(i, i + BATCH).map((e) => ({
        ...(e.subject !== undefined ? { key: e.subject } : {}),
        value: JSON.stringify(e),
        headers: { 'content-type': 'application/cloudevents+json' },
      }));
      await producer.send({ topic, acks: -1, messages });
    }
    console.log(`produced ${events.length} demo events to ${topic} on ${kafkaConfig.brokers.join(',')}`);
  } finally {
    await producer.disconnect();
  }
}

await main();
