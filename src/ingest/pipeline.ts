/**
 * The one way in: validate -> deduplicate -> apply -> store durably -> acknowledge. HTTP, files and
 * Kafka are doors into this pipeline and share every rule in it.
 */
import { readEventFast } from '../../schema/event-fast-path.js';
import { type CloudEvent, type EventIssue, type EventType, parseEvent } from '../../schema/events.js';
import { applyEvent } from '../model/apply.js';
import { eventKey } from '../model/facts.js';
import type { AppendRecord, AppendResult, GraphStore } from '../store/graph-store.js';
import type { AppendStream, PreparedBatch } from '../store/memory/prepared-batch.js';

/** One problem with one event of a batch, as CONTRACT §2 reports it. */
export interface IngestError {
  index: number;
  id: string | null;
  path: string;
  message: string;
}

export type Validation = { ok: true; events: CloudEvent[] } | { ok: false; errors: IngestError[] };

export type IngestOutcome = { ok: true; accepted: number; duplicates: number } | { ok: false; errors: IngestError[] };

export interface PipelineObserver {
  accepted?(n: number, duplicates: number, seconds: number): void;
  rejected?(n: number): void;
}

const NO_TYPES: ReadonlySet<EventType> = new Set();

/**
 * Validates every item; all of them must pass for the batch to go on. Events of a `refused` type
 * are invalid here (the network doors refuse `INTERNAL_EVENT_TYPES`). Where given, `exact` gets,
 * for each valid item, whether JSON of it is known to read back as its event (`FastRead.exact`;
 * false says only that it is not known).
 */
export function validateBatch(items: readonly unknown[], refused: ReadonlySet<EventType> = NO_TYPES, exact?: boolean[]): Validation {
  const events: CloudEvent[] = [];
  const errors: IngestError[] = [];
  items.forEach((item, index) => {
    // Refused whatever the rest holds: the type alone says this door is the wrong one.
    const claimed = refused.size > 0 && typeof item === 'object' && item !== null ? (item as { type?: unknown; id?: unknown }) : null;
    if (claimed && typeof claimed.type === 'string' && refused.has(claimed.type as EventType)) {
      const id = typeof claimed.id === 'string' ? claimed.id : null;
      errors.push({ index, id, path: 'type', message: `${claimed.type} is written by ctxgraph itself (control and trust layers) and is not accepted through this door` });
      return;
    }
    // The common types are read by hand; zod reads the rest, and whatever the hand reading refuses.
    const fast = readEventFast(item);
    if (fast) {
      events.push(fast.event);
      exact?.push(fast.exact);
      return;
    }
    const r = parseEvent(item);
    if (r.ok) {
      events.push(r.event);
      exact?.push(false);
    } else errors.push(...r.issues.map((i: EventIssue) => ({ index, id: r.id, path: i.path, message: i.message })));
  });
  return errors.length > 0 ? { ok: false, errors } : { ok: true, events };
}

export interface Pipeline {
  /**
   * All or nothing: any invalid item rejects the whole batch and nothing is stored. A door open to
   * the network passes `refused: INTERNAL_EVENT_TYPES`.
   */
  ingest(items: readonly unknown[], options?: { refused?: ReadonlySet<EventType> }): Promise<IngestOutcome>;
  /** Stores events that are already valid (Kafka validates per message to route the invalid to a DLQ). */
  store(events: readonly CloudEvent[]): Promise<AppendResult>;
  /** Stores a batch validated and prepared on another thread; present when the store takes such batches. */
  storePrepared?: (batch: PreparedBatch, stream?: AppendStream) => Promise<AppendResult>;
}

export function createPipeline(deps: { store: GraphStore; now?: () => number; observer?: PipelineObserver }): Pipeline {
  const now = deps.now ?? Date.now;
  const store = async (events: readonly CloudEvent[]): Promise<AppendResult> => {
    const started = performance.now();
    const recordedAt = now();
    const records: AppendRecord[] = events.map((event) => {
      const facts = applyEvent(event, recordedAt);
      // applyEvent stamps each fact with the event's key: one string for the record and its facts.
      return { key: facts[0]?.key ?? eventKey(event.source, event.id), event, facts };
    });
    const result = await deps.store.append(records);
    deps.observer?.accepted?.(result.accepted, result.duplicates, (performance.now() - started) / 1000);
    return result;
  };
  const storePrepared = deps.store.appendPrepared
    ? async (batch: PreparedBatch, stream?: AppendStream): Promise<AppendResult> => {
        const started = performance.now();
        const result = await (deps.store.appendPrepared as NonNullable<GraphStore['appendPrepared']>).call(deps.store, batch, stream);
        deps.observer?.accepted?.(result.accepted, result.duplicates, (performance.now() - started) / 1000);
        return result;
      }
    : undefined;
  return {
    store,
    ...(storePrepared ? { storePrepared } : {}),
    async ingest(items, options) {
      const v = validateBatch(items, options?.refused);
      if (!v.ok) {
        deps.observer?.rejected?.(items.length);
        return v;
      }
      const r = await store(v.events);
      return { ok: true, accepted: r.accepted, duplicates: r.duplicates };
    },
  };
}
