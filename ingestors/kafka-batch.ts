/**
 * The `eachBatch` handler: decode and validate each message, store the valid events durably, send
 * the invalid ones to `<topic>.dlq`, and only then mark the chunk's offsets handled and commit them.
 *
 * Why this is safe:
 * - Nothing is committed before it is durable (stored, or acknowledged by the DLQ's brokers), so a
 *   crash at any point loses nothing; the redelivered messages are deduplicated by the store on
 *   `(source, id)`, so nothing is applied twice. DLQ records are at-least-once.
 * - A failure throws before `resolveOffset`: kafkajs fetches again from the last resolved offset
 *   (retry, then a consumer restart from the committed offset), so the chunk is redelivered.
 *
 * Backpressure: the handler awaits the store. kafkajs fetches the next batch from a broker only after
 * the batches of its previous fetch are handled (its fetcher awaits the worker queue), and the
 * ingestor consumes one partition at a time, so while the store is behind nothing more is pulled and
 * at most one fetch response per broker sits in memory. Pausing partitions on top of that would only
 * add a way to forget a resume.
 */
import type { CloudEvent } from '../schema/events.js';
import type { Logger } from '../src/logger.js';
import type { Pipeline } from '../src/ingest/pipeline.js';
import { type ConsumedMessage, type DeadLetter, deadLetter, decodeMessage, nextOffset } from './kafka-message.js';

/** What the handler needs of a kafkajs `EachBatchPayload` (kafkajs' own payload satisfies it). */
export interface BatchPayload {
  batch: { topic: string; partition: number; messages: ConsumedMessage[] };
  resolveOffset: (offset: string) => void;
  heartbeat: () => Promise<void>;
  commitOffsetsIfNecessary: (offsets?: {
    topics: { topic: string; partitions: { partition: number; offset: string }[] }[];
  }) => Promise<void>;
  isRunning: () => boolean;
  isStale: () => boolean;
}

/** Sends dead letters and resolves once the brokers acknowledged them (a kafkajs `Producer` satisfies it). */
export interface DeadLetterSender {
  send(record: { topic: string; messages: DeadLetter[]; acks?: number }): Promise<unknown>;
}

export interface BatchHandlerObserver {
  deadLettered?(topic: string, n: number): void;
}

export interface BatchHandlerDeps {
  pipeline: Pick<Pipeline, 'store'>;
  dlq: DeadLetterSender;
  logger: Logger;
  /** Appended to the source topic to name its dead-letter topic. Default `.dlq`. */
  dlqSuffix?: string;
  /** At most this many messages are stored, committed and heartbeated per step. Default 500. */
  maxBatchEvents?: number;
  observer?: BatchHandlerObserver;
}

export const DEFAULT_DLQ_SUFFIX = '.dlq';
export const DEFAULT_MAX_BATCH_EVENTS = 500;

/**
 * Builds the `eachBatch` callback; run it with `autoCommit: false` and `eachBatchAutoResolve: false`.
 *
 * @example
 * await consumer.run({
 *   autoCommit: false,
 *   eachBatchAutoResolve: false,
 *   eachBatch: createBatchHandler({ pipeline, dlq: producer, logger }),
 * });
 */
export function createBatchHandler(deps: BatchHandlerDeps): (payload: BatchPayload) => Promise<void> {
  const suffix = deps.dlqSuffix ?? DEFAULT_DLQ_SUFFIX;
  const chunkSize = deps.maxBatchEvents ?? DEFAULT_MAX_BATCH_EVENTS;
  if (!Number.isInteger(chunkSize) || chunkSize < 1) throw new Error(`maxBatchEvents must be a positive integer, got ${chunkSize}`);
  if (suffix.length === 0) throw new Error('dlqSuffix must not be empty: invalid messages would go back to their own topic');

  return async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale }) => {
    const { topic, partition } = batch;
    const log = deps.logger.child({ topic, partition });
    for (let start = 0; start < batch.messages.length; start += chunkSize) {
      // Stopping, or the partition was sought elsewhere: leave the rest uncommitted for the next owner.
      if (!isRunning() || isStale()) return;
      const chunk = batch.messages.slice(start, start + chunkSize);
      const last = chunk[chunk.length - 1];
      if (!last) return;

      const events: CloudEvent[] = [];
      const dead: DeadLetter[] = [];
      let firstRejected: { offset: string; reason: string } | null = null;
      for (const m of chunk) {
        const d = decodeMessage(m.value);
        if (d.ok) events.push(d.event);
        else {
          dead.push(deadLetter(m, d.reason, topic, partition));
          firstRejected ??= { offset: m.offset, reason: d.reason };
        }
      }

      const [stored, sent] = await Promise.allSettled([
        events.length > 0 ? deps.pipeline.store(events) : Promise.resolve(null),
        dead.length > 0 ? deps.dlq.send({ topic: topic + suffix, messages: dead, acks: -1 }) : Promise.resolve(null),
      ]);
      const range = { fromOffset: chunk[0]?.offset, toOffset: last.offset };
      if (stored.status === 'rejected' || sent.status === 'rejected') {
        const err: unknown = stored.status === 'rejected' ? stored.reason : (sent as PromiseRejectedResult).reason;
        const what = stored.status === 'rejected' ? 'storing events' : `sending dead letters to ${topic + suffix}`;
        log.error({ err, ...range }, `${what} failed; offsets not committed, the messages will be redelivered`);
        throw err;
      }
      if (firstRejected) {
        log.warn({ ...range, invalid: dead.length, first: firstRejected }, `invalid events sent to ${topic + suffix}`);
        deps.observer?.deadLettered?.(topic, dead.length);
      }

      resolveOffset(last.offset);
      // Explicit offsets: with autoCommit off, kafkajs' argument-less form commits nothing.
      await commitOffsetsIfNecessary({ topics: [{ topic, partitions: [{ partition, offset: nextOffset(last.offset) }] }] });
      await heartbeat();
    }
  };
}
