/**
 * The durable trust store: every write is an event through the one pipeline (so it is stored,
 * replicated to the store in use and replayed like any fact), and reads are served from an
 * in-process projection of those events, rebuilt from the graph when the app starts.
 *
 * One process writes a data directory's trust memory (the embedded store locks its directory);
 * writes are serialised here, so the in-process compare-and-set on ladder versions holds. Event
 * ids are derived from what they record, so a repeat is a duplicate the pipeline drops; a ladder
 * move's id carries its version, zero-padded, so that moves at one instant replay in order.
 *
 * @example
 * const trustStore = await openEventSourcedTrustStore({ reader: store, ingest: pipeline.ingest });
 * const trust = createTrustService({ reader: store, store: trustStore, ingest: pipeline.ingest, logger });
 */
import { createHash } from 'node:crypto';
import type { TrustEvent, TrustEventType } from '../../schema/trust-events.js';
import type { IngestOutcome } from '../ingest/pipeline.js';
import { END_OF_TIME, toIso } from '../model/time.js';
import type { GraphReader } from '../store/graph-store.js';
import type { LadderTransition } from '../trust/ladder.js';
import type { Prediction } from '../trust/provenance.js';
import { ladderEvent, predictionEventData, settledEventData, type TrustMemory, trustMemoryOf } from '../trust/trust-facts.js';
import { createMemoryTrustStore } from './memory.js';
import type { TrustStore } from './trust-store.js';

export const TRUST_SOURCE = 'ctxgraph/trust';

type Ingest = (events: readonly unknown[]) => Promise<IngestOutcome>;

/** Event ids are at most 512 characters: a longer natural id is replaced by its digest. */
function eventId(parts: readonly (string | number)[]): string {
  const id = parts.map((p) => encodeURIComponent(String(p))).join(':');
  return id.length <= 512 ? id : `sha256:${createHash('sha256').update(id).digest('hex')}`;
}

/** Reads every trust fact the graph holds, as known now. */
export async function readTrustMemory(reader: GraphReader): Promise<TrustMemory> {
  // The change listing is the port's only read across kinds; it is read once, at start-up.
  const changes = await reader.changes(-END_OF_TIME, END_OF_TIME, END_OF_TIME);
  return trustMemoryOf(changes.filter((c) => c.kind === 'prediction' || c.kind === 'ladder'));
}

/** An in-process trust store holding what the graph remembers. */
export async function projectTrustMemory(memory: TrustMemory): Promise<TrustStore> {
  const store = createMemoryTrustStore();
  for (const p of memory.predictions) {
    await store.putPrediction({ ...p, outcome: null });
    if (p.outcome) await store.settle(p.id, p.outcome);
  }
  for (const t of memory.transitions) {
    const state = await store.ladder(t.agent, t.service);
    const version = state?.version ?? 0;
    await store.transition({ agent: t.agent, service: t.service, rung: t.to, since: t.at, version: version + 1 }, version, t);
  }
  return store;
}

/**
 * Wraps a projection so that each write is first made durable as an event, then applied.
 * `projection` must already hold every trust event the store has (see `projectTrustMemory`).
 */
export function eventSourcedTrustStore(deps: { projection: TrustStore; ingest: Ingest; source?: string }): TrustStore {
  const { projection } = deps;
  const source = deps.source ?? TRUST_SOURCE;
  let tail: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(work: () => Promise<T>): Promise<T> => {
    const run = tail.then(work, work);
    tail = run.catch(() => undefined);
    return run;
  };

  /** Stores the event durably; true when it was new, false when the store already had it. */
  async function emit<T extends TrustEventType>(type: T, id: string, subject: string, time: number, data: TrustEvent<T>['data'], actor: TrustEvent['actor'] | null = null, actortype: TrustEvent['actortype'] | null = null): Promise<boolean> {
    const e: TrustEvent<T> = { specversion: '1.0', id, source, type, time: toIso(time), subject, ...(actor ? { actor } : {}), ...(actortype ? { actortype } : {}), data };
    const r = await deps.ingest([e]);
    if (!r.ok) throw new Error(`the trust layer emitted an invalid ${type} event: ${r.errors.map((x) => `${x.path}: ${x.message}`).join('; ')}`);
    return r.accepted === 1;
  }

  return {
    writesGraphEvents: true,
    predictions: (f) => projection.predictions(f),
    decisions: (service) => projection.decisions(service),
    ladder: (agent, service) => projection.ladder(agent, service),
    ladders: (f) => projection.ladders(f),
    transitions: (f) => projection.transitions(f),

    putPrediction: (p: Prediction) =>
      exclusive(async () => {
        if ((await projection.predictions({ id: p.id })).length > 0) return false;
        await emit('prediction.recorded', eventId(['prediction', p.id]), p.incident ?? p.action ?? p.service, p.recordedAt, predictionEventData(p), p.author.id, p.author.type);
        return projection.putPrediction(p);
      }),

    settle: (id, outcome) =>
      exclusive(async () => {
        const [p] = await projection.predictions({ id });
        if (!p || p.outcome !== null) return false;
        await emit('prediction.settled', eventId(['settled', id]), p.incident ?? p.action ?? p.service, outcome.settledAt, settledEventData(id, outcome));
        return projection.settle(id, outcome);
      }),

    transition: (next, expectedVersion, entry: LadderTransition) =>
      exclusive(async () => {
        if (((await projection.ladder(next.agent, next.service))?.version ?? 0) !== expectedVersion) return false;
        const { type, data } = ladderEvent(entry);
        const fresh = await emit(type, eventId(['ladder', next.agent, next.service, String(next.version).padStart(10, '0')]), `${next.agent}@${next.service}`, entry.at, data, entry.by.id, entry.by.type);
        // The id names the version reached: a duplicate means another writer moved this agent, and
        // this projection no longer tells the truth. That is a deployment error, not a race to retry.
        if (!fresh) throw new Error(`another process moved ${next.agent} on ${next.service} to version ${next.version}: one ctxgraph process may write the trust memory`);
        return projection.transition(next, expectedVersion, entry);
      }),
  };
}

/**
 * The trust store the app runs with: rebuilt from the graph, durable through the pipeline.
 *
 * @example
 * const trustStore = await openEventSourcedTrustStore({ reader: store, ingest: (e) => pipeline.ingest(e) });
 */
export async function openEventSourcedTrustStore(deps: { reader: GraphReader; ingest: Ingest; source?: string }): Promise<TrustStore> {
  const projection = await projectTrustMemory(await readTrustMemory(deps.reader));
  return eventSourcedTrustStore({ projection, ingest: deps.ingest, ...(deps.source !== undefined ? { source: deps.source } : {}) });
}
