/**
 * The one way in: validate -> deduplicate -> apply -> store durably -> acknowledge. HTTP, files and
 * Kafka are doors into this pipeline and share every rule in it.
 */
import { type CloudEvent, type EventIssue, parseEvent } from '../../schema/events.js';
import { applyEvent } from '../model/apply.js';
import { eventKey } from '../model/facts.js';
import type { AppendRecord, AppendResult, GraphStore } from '../store/graph-store.js';
import type { PreparedBatch } from '../store/memory/prepared-batch.js';

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

/** Validates every item; all of them must pass for the batch to go on. */
export function validateBatch(items: readonly unknown[]): Validation {
  const events: CloudEvent[] = [];
  const errors: IngestError[] = [];
  items.forEach((item, index) => {
    const r = parseEvent(item);
    if (r.ok) events.push(r.event);
    else errors.push(...r.issues.map((i: EventIssue) => ({ index, id: r.id, path: i.path, message: i.message })));
  });
  return errors.length > 0 ? { ok: false, errors } : { ok: true, events };
}

export interface Pipeline {
  /** All or nothing: any invalid item rejects the whole batch and nothing is stored. */
  ingest(items: readonly unknown[]): Promise<IngestOutcome>;
  /** Stores events that are already valid (Kafka validates per message to route the invalid to a DLQ). */
  store(events: readonly CloudEvent[]): Promise<AppendResult>;
  /** Stores a batch validated and prepared on another thread; present when the store takes such batches. */
  storePrepared?: (batch: PreparedBatch) => Promise<AppendResult>;
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
    ? async (batch: PreparedBatch): Promise<AppendResult> => {
        const started = performance.now();
        const result = await (deps.store.appendPrepared as NonNullable<GraphStore['appendPrepared']>).call(deps.store, batch);
        deps.observer?.accepted?.(result.accepted, result.duplicates, (performance.now() - started) / 1000);
        return result;
      }
    : undefined;
  return {
    store,
    ...(storePrepared ? { storePrepared } : {}),
    async ingest(items) {
      const v = validateBatch(items);
      if (!v.ok) {
        deps.observer?.rejected?.(items.length);
        return v;
      }
      const r = await store(v.events);
      return { ok: true, accepted: r.accepted, duplicates: r.duplicates };
    },
  };
}
