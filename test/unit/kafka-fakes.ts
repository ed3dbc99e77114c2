/**
 * Broker-free stand-ins for what kafkajs hands the Kafka door: a batch, the `eachBatch` payload
 * (recording resolves, commits and heartbeats in order) and a dead-letter producer.
 */
import type { BatchPayload, DeadLetterSender } from '../../ingestors/kafka-batch.js';
import type { ConsumedMessage, DeadLetter, MessageHeaders } from '../../ingestors/kafka-message.js';

export interface FakeMessage {
  /** An object is sent as JSON; a Buffer or null is sent as is. */
  value: unknown;
  key?: string;
  headers?: MessageHeaders;
}

export function fakeBatch(topic: string, partition: number, messages: FakeMessage[], firstOffset = 0): BatchPayload['batch'] {
  return {
    topic,
    partition,
    messages: messages.map((m, i): ConsumedMessage => ({
      key: m.key === undefined ? null : Buffer.from(m.key),
      value: m.value === null || Buffer.isBuffer(m.value) ? m.value : Buffer.from(JSON.stringify(m.value)),
      offset: String(firstOffset + i),
      ...(m.headers ? { headers: m.headers } : {}),
    })),
  };
}

export interface PayloadRecorder {
  payload: BatchPayload;
  /** Everything the handler did to the consumer, in order: `resolve 3`, `commit 4`, `heartbeat`. */
  log: string[];
  committed(): string | null;
}

export function fakePayload(
  batch: BatchPayload['batch'],
  options: { isRunning?: () => boolean; isStale?: () => boolean; commit?: () => Promise<void>; log?: string[] } = {},
): PayloadRecorder {
  // A caller's log lets the store record into the same sequence.
  const log: string[] = options.log ?? [];
  let committed: string | null = null;
  const payload: BatchPayload = {
    batch,
    resolveOffset: (offset) => {
      log.push(`resolve ${offset}`);
    },
    heartbeat: () => {
      log.push('heartbeat');
      return Promise.resolve();
    },
    commitOffsetsIfNecessary: async (offsets) => {
      await options.commit?.();
      for (const t of offsets?.topics ?? []) {
        for (const p of t.partitions) {
          if (t.topic !== batch.topic || p.partition !== batch.partition) throw new Error(`commit for a foreign partition ${t.topic}/${p.partition}`);
          log.push(`commit ${p.offset}`);
          committed = p.offset;
        }
      }
    },
    isRunning: options.isRunning ?? (() => true),
    isStale: options.isStale ?? (() => false),
  };
  return { payload, log, committed: () => committed };
}

export interface FakeProducer extends DeadLetterSender {
  sent: { topic: string; message: DeadLetter }[];
  failNext: Error | null;
}

export function fakeProducer(): FakeProducer {
  const p: FakeProducer = {
    sent: [],
    failNext: null,
    send(record) {
      if (p.failNext) {
        const err = p.failNext;
        p.failNext = null;
        return Promise.reject(err);
      }
      for (const message of record.messages) p.sent.push({ topic: record.topic, message });
      return Promise.resolve([]);
    },
  };
  return p;
}

export function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Lets every already-queued promise callback run. */
export const settle = () => new Promise<void>((r) => setImmediate(r));
