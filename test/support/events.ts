/**
 * Small, readable builders for ctxgraph events in tests. Each returns the event as a producer would
 * send it (before validation), so it can go through the real pipeline.
 *
 * Ids are auto-incremented per builder and zero-padded, so within one builder a later event has the
 * larger `(source, id)` and wins an equal-time tie. Pass `{ source, id }` to choose the key yourself.
 *
 * @example
 * const ev = createEvents();
 * await pipeline.ingest([
 *   ev.serviceUpserted('2026-05-01T10:00:00Z', { service: 'cart', tier: 1 }),
 *   ev.dependencyUpserted('2026-05-01T10:00:00Z', { from: 'web', to: 'cart' }, { source: 'mesh', id: 'x-1' }),
 * ]);
 */
import type { z } from 'zod';
import type { CloudEventInput, EVENT_DATA, EventType } from '../../schema/events.js';

type DataOf<T extends EventType> = z.input<(typeof EVENT_DATA)[T]>;

/** Envelope fields a test may set; `source` and `id` default to the builder's source and counter. */
export interface EventOptions {
  source?: string;
  id?: string;
  subject?: string;
  actor?: string;
  actortype?: 'human' | 'agent' | 'system';
  actormodel?: string;
}

type Builder<T extends EventType> = (time: string, data: DataOf<T>, options?: EventOptions) => CloudEventInput;

export interface EventBuilders {
  /** Any event type by name; the typed helpers below are shorthands for it. */
  make<T extends EventType>(type: T, time: string, data: DataOf<T>, options?: EventOptions): CloudEventInput;
  serviceUpserted: Builder<'service.upserted'>;
  serviceRetired: Builder<'service.retired'>;
  dependencyUpserted: Builder<'dependency.upserted'>;
  dependencyRemoved: Builder<'dependency.removed'>;
  deployStarted: Builder<'deploy.started'>;
  deployFinished: Builder<'deploy.finished'>;
  configChanged: Builder<'config.changed'>;
  alertFired: Builder<'alert.fired'>;
  alertResolved: Builder<'alert.resolved'>;
  incidentOpened: Builder<'incident.opened'>;
  incidentResolved: Builder<'incident.resolved'>;
  causalConfirmed: Builder<'causal.confirmed'>;
  causalRejected: Builder<'causal.rejected'>;
}

/** A fresh set of builders with its own id counter (ids `e-000001`, `e-000002`, ...). */
export function createEvents(defaults: { source?: string } = {}): EventBuilders {
  let next = 1;
  function make<T extends EventType>(type: T, time: string, data: DataOf<T>, options: EventOptions = {}): CloudEventInput {
    const { source = defaults.source ?? 'test', id = `e-${String(next++).padStart(6, '0')}`, ...rest } = options;
    return { specversion: '1.0', id, source, type, time, data, ...rest } as CloudEventInput;
  }
  const of =
    <T extends EventType>(type: T): Builder<T> =>
    (time, data, options) =>
      make(type, time, data, options);
  return {
    make,
    serviceUpserted: of('service.upserted'),
    serviceRetired: of('service.retired'),
    dependencyUpserted: of('dependency.upserted'),
    dependencyRemoved: of('dependency.removed'),
    deployStarted: of('deploy.started'),
    deployFinished: of('deploy.finished'),
    configChanged: of('config.changed'),
    alertFired: of('alert.fired'),
    alertResolved: of('alert.resolved'),
    incidentOpened: of('incident.opened'),
    incidentResolved: of('incident.resolved'),
    causalConfirmed: of('causal.confirmed'),
    causalRejected: of('causal.rejected'),
  };
}

/** A shared builder for tests that do not care which ids their events get. */
export const ev: EventBuilders = createEvents();
