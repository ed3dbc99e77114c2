/**
 * One Kafka message in, one verdict out: the CloudEvent it carries, or why it cannot be applied and
 * the dead-letter record that says so. Kafka-shaped but free of kafkajs, so it reads (and tests)
 * without a broker.
 */
import { type CloudEvent, INTERNAL_EVENT_TYPES } from '../schema/events.js';
import { validateBatch } from '../src/ingest/pipeline.js';

/** Headers as Kafka carries them (kafkajs `IHeaders`). */
export type MessageHeaders = Record<string, Buffer | string | (Buffer | string)[] | undefined>;

/** The parts of a consumed message the ingestor reads. */
export interface ConsumedMessage {
  key: Buffer | null;
  value: Buffer | null;
  offset: string;
  headers?: MessageHeaders;
}

/** A record for the dead-letter topic. */
export interface DeadLetter {
  key: Buffer | null;
  value: Buffer | null;
  headers: MessageHeaders;
}

export type Decoded = { ok: true; event: CloudEvent } | { ok: false; reason: string };

export const DLQ_HEADERS = {
  error: 'ctxgraph-error',
  topic: 'ctxgraph-source-topic',
  partition: 'ctxgraph-source-partition',
  offset: 'ctxgraph-source-offset',
} as const;

// A reason names every issue; a producer that sends megabytes of garbage must not get it echoed back.
const MAX_REASON_CHARS = 2000;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes one message as a CloudEvent in JSON structured mode (one event per message) and validates
 * it with the pipeline's rules.
 *
 * @example
 * const d = decodeMessage(Buffer.from('{"specversion":"1.0"}'));
 * if (!d.ok) console.log(d.reason); // "id: ...; source: ..."
 */
export function decodeMessage(value: Buffer | null): Decoded {
  if (value === null) return { ok: false, reason: '(message): no value (a tombstone?); expected one CloudEvent as JSON' };
  let text: string;
  try {
    text = utf8.decode(value);
  } catch {
    return { ok: false, reason: '(message): value is not valid UTF-8' };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return { ok: false, reason: `(message): value is not valid JSON: ${e instanceof Error ? e.message : String(e)}` };
  }
  if (Array.isArray(json)) {
    return { ok: false, reason: '(event): expected one CloudEvent per message (JSON structured mode), got an array' };
  }
  const v = validateBatch([json], INTERNAL_EVENT_TYPES);
  if (!v.ok) return { ok: false, reason: truncate(v.errors.map((e) => `${e.path}: ${e.message}`).join('; ')) };
  const [event] = v.events;
  if (!event) throw new Error('validateBatch accepted one item but returned no event');
  return { ok: true, event };
}

/** The dead-letter record for a rejected message: its key, value and headers, plus where it came from and why. */
export function deadLetter(message: ConsumedMessage, reason: string, topic: string, partition: number): DeadLetter {
  return {
    key: message.key,
    value: message.value,
    headers: {
      ...message.headers,
      [DLQ_HEADERS.error]: reason,
      [DLQ_HEADERS.topic]: topic,
      [DLQ_HEADERS.partition]: String(partition),
      [DLQ_HEADERS.offset]: message.offset,
    },
  };
}

/** The offset to commit once `offset` is handled: Kafka commits the next offset to read. */
export function nextOffset(offset: string): string {
  return (BigInt(offset) + 1n).toString();
}

function truncate(s: string): string {
  return s.length <= MAX_REASON_CHARS ? s : `${s.slice(0, MAX_REASON_CHARS - 1)}…`;
}
