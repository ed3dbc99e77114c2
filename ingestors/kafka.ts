/**
 * The Kafka door: a consumer group that feeds `ctx.events` (or the configured topics) into the one
 * ingestion pipeline, with a dead-letter topic for what cannot be applied. kafkajs (last released in
 * 2023) stays behind this module and `kafka-batch.ts`; nothing else in ctxgraph imports it.
 */
import { type Consumer, type ConsumerConfig, Kafka, type LogEntry, logLevel, Partitioners, type Producer, type ProducerConfig } from 'kafkajs';
import type { Pipeline } from '../src/ingest/pipeline.js';
import type { Logger } from '../src/logger.js';
import { type BatchHandlerObserver, createBatchHandler, type BatchPayload } from './kafka-batch.js';

export interface KafkaIngestorConfig {
  brokers: string[];
  topics: string[];
  groupId: string;
  clientId: string;
  /** Invalid messages go to `<topic><dlqSuffix>`. Default `.dlq`. */
  dlqSuffix?: string;
  /** Messages stored and committed per step. Default 500. */
  maxBatchEvents?: number;
  /** The consumer's session timeout; a store step slower than this makes the group rebalance. Default 30 s. */
  sessionTimeoutMs?: number;
  /** Where a group without committed offsets starts. Default true: events sent before the first start are not skipped. */
  fromBeginning?: boolean;
}

/** The parts of a kafkajs `Kafka` the ingestor uses; pass one to share a client or to test with fakes. */
export interface KafkaClient {
  consumer(config: ConsumerConfig): Pick<Consumer, 'connect' | 'subscribe' | 'run' | 'stop' | 'disconnect' | 'on'>;
  producer(config?: ProducerConfig): Pick<Producer, 'connect' | 'send' | 'disconnect'>;
}

export interface KafkaIngestor {
  /** Connects, joins the group and starts consuming; resolves once the consumer runs. */
  start(): Promise<void>;
  /** Stops fetching, lets the batch in flight finish and commit, then disconnects. Safe to call twice. */
  stop(): Promise<void>;
  /** True while the consumer is a member of its group (after GROUP_JOIN, until a crash or stop). */
  ready(): boolean;
}

export interface KafkaIngestorDeps {
  pipeline: Pick<Pipeline, 'store'>;
  config: KafkaIngestorConfig;
  logger: Logger;
  kafka?: KafkaClient;
  observer?: BatchHandlerObserver;
}

/**
 * @example
 * const ingestor = createKafkaIngestor({
 *   pipeline,
 *   config: { brokers: ['localhost:9092'], topics: ['ctx.events'], groupId: 'ctxgraph', clientId: 'ctxgraph' },
 *   logger,
 * });
 * await ingestor.start();
 * process.once('SIGTERM', () => void ingestor.stop());
 */
export function createKafkaIngestor(deps: KafkaIngestorDeps): KafkaIngestor {
  const { config } = deps;
  if (config.topics.length === 0) throw new Error('kafka: at least one topic is required');
  if (config.brokers.length === 0 && !deps.kafka) throw new Error('kafka: at least one broker is required');
  const logger = deps.logger.child({ component: 'kafka', groupId: config.groupId });
  const kafka: KafkaClient =
    deps.kafka ?? new Kafka({ clientId: config.clientId, brokers: config.brokers, logLevel: logLevel.INFO, logCreator: bridgeLogs(logger) });
  const consumer = kafka.consumer({ groupId: config.groupId, sessionTimeout: config.sessionTimeoutMs ?? 30_000 });
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  const handle = createBatchHandler({
    pipeline: deps.pipeline,
    dlq: producer,
    logger,
    ...(config.dlqSuffix !== undefined ? { dlqSuffix: config.dlqSuffix } : {}),
    ...(config.maxBatchEvents !== undefined ? { maxBatchEvents: config.maxBatchEvents } : {}),
    ...(deps.observer ? { observer: deps.observer } : {}),
  });

  let joined = false;
  let starting: Promise<void> | null = null;
  let stopping: Promise<void> | null = null;
  const inFlight = new Set<Promise<void>>();
  const unsubscribe = [
    consumer.on('consumer.group_join', (e) => {
      joined = true;
      logger.info({ memberId: e.payload.memberId, assignment: e.payload.memberAssignment }, 'joined the consumer group');
    }),
    consumer.on('consumer.crash', (e) => {
      joined = false;
      logger.error({ err: e.payload.error, restart: e.payload.restart }, 'kafka consumer crashed');
    }),
  ];

  // kafkajs' own stop already waits for the batch in flight; tracking it here as well means the
  // producer is never disconnected under a dead-letter send, whatever path the consumer took.
  const eachBatch = (payload: BatchPayload): Promise<void> => {
    const run = handle(payload);
    inFlight.add(run);
    const forget = () => inFlight.delete(run);
    run.then(forget, forget);
    return run;
  };

  return {
    start() {
      if (stopping) return Promise.reject(new Error('kafka ingestor was stopped; create a new one'));
      starting ??= (async () => {
        try {
          await producer.connect();
          await consumer.connect();
          await consumer.subscribe({ topics: config.topics, fromBeginning: config.fromBeginning ?? true });
          await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, partitionsConsumedConcurrently: 1, eachBatch });
        } catch (err) {
          logger.error({ err }, 'kafka ingestor failed to start');
          await Promise.allSettled([consumer.disconnect(), producer.disconnect()]);
          throw err;
        }
        logger.info({ topics: config.topics }, 'kafka ingestor started');
      })();
      return starting;
    },
    stop() {
      stopping ??= (async () => {
        // A SIGTERM during start-up: let the join finish (or fail) before leaving the group.
        await starting?.catch(() => undefined);
        await consumer.stop();
        await Promise.allSettled([...inFlight]);
        joined = false;
        for (const off of unsubscribe) off();
        await consumer.disconnect();
        await producer.disconnect();
        logger.info('kafka ingestor stopped');
      })();
      return stopping;
    },
    ready: () => joined && !stopping,
  };
}

/** Routes kafkajs' logs into ours, so they share level, format and destination. */
function bridgeLogs(logger: Logger): () => (entry: LogEntry) => void {
  const kafkaLogger = logger.child({ lib: 'kafkajs' });
  return () =>
    ({ namespace, level, log }) => {
      const { message, timestamp: _timestamp, ...extra } = log;
      const fields = { namespace, ...extra };
      if (level === logLevel.ERROR) kafkaLogger.error(fields, message);
      else if (level === logLevel.WARN) kafkaLogger.warn(fields, message);
      else if (level === logLevel.INFO) kafkaLogger.info(fields, message);
      else kafkaLogger.debug(fields, message);
    };
}
