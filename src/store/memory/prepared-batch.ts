/**
 * A batch made ready for the embedded store away from the store's thread: its log record already
 * encoded, and its facts already encoded as snapshot frames. The store's thread then only decodes
 * the frames into its index and writes the bytes; the parsing, validation, applying and encoding
 * ran beside it (the file door does this in worker threads, `src/ingest/file-workers.ts`).
 *
 * Every piece is a plain byte array that owns its memory, so a worker can transfer it rather than
 * copy it.
 *
 * @example
 * const batch = prepareBatch(validatedEvents, Date.now()); // in a worker
 * await store.appendPrepared(batch);                        // on the store's thread
 */
import type { CloudEvent } from '../../../schema/events.js';
import { applyEvent } from '../../model/apply.js';
import { eventKey, type Fact } from '../../model/facts.js';
import { RECORD_HEADER_BYTES, sealRecord } from './event-log.js';
import type { GraphIndex } from './graph-index.js';
import { DecodedEvents, encodeEvents } from './snapshot.js';
import { utf8Bytes, utf8Text, writeUtf8 } from './utf8.js';

export interface PreparedBatch {
  recordedAt: number;
  events: number;
  /**
   * The log record, sealed (`sealRecord`): its payload the UTF-8 JSON of `{ recordedAt, events }`
   * that reads back as the events validated (each line as written where it does).
   */
  record: Uint8Array;
  /** Every event's facts, as snapshot frames (`encodeEvents`), in event order. */
  frames: Uint8Array[];
  /** The events' keys in order, as UTF-8 JSON: the store claims them before the write, and decodes the frames only after it. */
  keys: Uint8Array;
}

/**
 * Batches that must be stored in order, each only if the one before it was: once a write of one of
 * them fails, the store fails every later one (queued or handed over after), whatever the log does
 * next. A bulk door keeps several batches in flight; this keeps a failure from leaving a gap.
 */
export interface AppendStream {
  failure: { error: Error } | null;
}

/** A view that owns its whole buffer: a pooled small Buffer shares its memory with others and cannot be transferred. */
function owned(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : new Uint8Array(bytes);
}

/**
 * The producer's own lines, where the log may take them as they are: event `i`'s JSON is
 * `bytes[from[i], to[i])`, UTF-8 that `JSON.parse` reads back as that event, or `from[i]` is -1
 * where validation changed the event and it must be written again.
 */
export interface SourceLines {
  bytes: Uint8Array;
  from: readonly number[];
  to: readonly number[];
}

/**
 * Applies validated events as recorded at `recordedAt` and encodes the result. With `lines`, the
 * log record takes each event's line as it is where there is one, instead of serialising the event
 * again.
 */
export function prepareBatch(events: readonly CloudEvent[], recordedAt: number, lines?: SourceLines): PreparedBatch {
  const entries = events.map((e): readonly [string, Fact[]] => {
    const facts = applyEvent(e, recordedAt);
    return [facts[0]?.key ?? eventKey(e.source, e.id), facts];
  });
  return {
    recordedAt,
    events: events.length,
    record: sealRecord(lines ? recordOf(recordedAt, events, lines) : recordOfText(JSON.stringify({ recordedAt, events }))),
    frames: encodeEvents(entries).frames.map(owned),
    keys: utf8Bytes(JSON.stringify(entries.map((e) => e[0]))),
  };
}

/** A log record, header left to fill, whose payload is `text`. */
function recordOfText(text: string): Buffer {
  const length = Buffer.byteLength(text, 'utf8');
  const out = Buffer.allocUnsafeSlow(RECORD_HEADER_BYTES + length);
  writeUtf8(out, text, RECORD_HEADER_BYTES, length);
  return out;
}

/**
 * Whether every event has its line and each line follows the one before after a single newline:
 * then the lines joined by commas are the lines' bytes with those newlines made commas.
 */
function oneRun(lines: SourceLines, n: number): boolean {
  const { bytes, from, to } = lines;
  if (n === 0 || (from[0] as number) < 0) return false;
  for (let i = 1; i < n; i++) {
    const end = to[i - 1] as number;
    if (from[i] !== end + 1 || bytes[end] !== 0x0a) return false;
  }
  return true;
}

/**
 * A log record, header left to fill, whose payload is `{ recordedAt, events }` as JSON.stringify
 * writes it, with each event's JSON from `lines` where there is one. The usual chunk, every line
 * kept and nothing between them but newlines, is copied in one piece (no view per line).
 */
function recordOf(recordedAt: number, events: readonly CloudEvent[], lines: SourceLines): Buffer {
  const n = events.length;
  const run = oneRun(lines, n);
  const pieces = run
    ? [lines.bytes.subarray(lines.from[0], lines.to[n - 1])]
    : events.map((e, i) => {
        const from = lines.from[i] as number;
        return from < 0 ? utf8Bytes(JSON.stringify(e)) : lines.bytes.subarray(from, lines.to[i]);
      });
  const head = `{"recordedAt":${JSON.stringify(recordedAt)},"events":[`;
  const tail = ']}';
  let length = RECORD_HEADER_BYTES + head.length + tail.length + Math.max(0, pieces.length - 1);
  for (const p of pieces) length += p.byteLength;
  const out = Buffer.allocUnsafeSlow(length);
  const start = RECORD_HEADER_BYTES + out.write(head, RECORD_HEADER_BYTES, 'latin1');
  let at = start;
  pieces.forEach((p, i) => {
    if (i > 0) out[at++] = 0x2c; // ','
    out.set(p, at);
    at += p.byteLength;
  });
  // The newlines between the lines of one run, made the commas between events.
  if (run) for (let i = 0, base = start - (lines.from[0] as number); i < n - 1; i++) out[base + (lines.to[i] as number)] = 0x2c;
  out.write(tail, at, 'latin1');
  return out;
}

/**
 * A prepared batch's events as the store's commit reads them: the keys at once, to be claimed
 * before the write, and the facts decoded from the frames only when they are indexed, after the
 * write. Decoded at once, every batch queued behind a write kept its decoded lists alive across
 * the wait, and the store thread's young-generation collections copied them each time.
 */
class PreparedEvents {
  readonly keys: string[];
  private decoded: DecodedEvents | null = null;

  constructor(private readonly batch: PreparedBatch) {
    this.keys = JSON.parse(utf8Text(batch.keys)) as string[];
    if (this.keys.length !== batch.events) throw new Error(`prepared batch holds ${this.keys.length} keys, it says ${batch.events} events`);
  }

  get length(): number {
    return this.keys.length;
  }

  private get events(): DecodedEvents {
    if (this.decoded) return this.decoded;
    const decoded = new DecodedEvents();
    for (const frame of this.batch.frames) decoded.add(frame);
    if (decoded.length !== this.keys.length || decoded.keys.some((k, i) => k !== this.keys[i])) {
      throw new Error(`prepared batch's frames hold other events than its ${this.keys.length} keys`);
    }
    this.decoded = decoded;
    return decoded;
  }

  /** Adds the facts of event `i`, whose key is claimed, to `index`, with the key string claimed (the index keeps one copy). */
  addTo(index: GraphIndex, i: number): void {
    this.events.addTo(index, i, this.keys[i]);
  }

  facts(i: number): Fact[] {
    return this.events.facts(i);
  }
}

/** The batch's events: keys decoded now, facts when first read. */
export function decodePrepared(batch: PreparedBatch): PreparedEvents {
  return new PreparedEvents(batch);
}

/** The byte arrays to hand to `postMessage` as its transfer list. */
export const transferList = (batch: PreparedBatch): ArrayBuffer[] => [batch.record, batch.keys, ...batch.frames].map((b) => b.buffer as ArrayBuffer);
