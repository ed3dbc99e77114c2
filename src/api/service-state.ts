/** `ServiceState` (CONTRACT §4): a service and its attributes at the instant read. */
import type { ServiceState as ServiceStateValue, Slo as SloValue } from '../model/views.js';
import { builder } from './builder.js';
import { DateTime } from './scalars.js';

export const Slo = builder.objectRef<SloValue>('Slo').implement({
  fields: (t) => ({
    objective: t.exposeFloat('objective', { description: 'Target fraction of good requests, in (0, 1].' }),
    windowDays: t.exposeInt('windowDays'),
  }),
});

export const ServiceState = builder.objectRef<ServiceStateValue>('ServiceState').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name', { nullable: true }),
    kind: t.exposeString('kind', { nullable: true, description: 'service, database, cache, queue, external or function.' }),
    team: t.exposeString('team', { nullable: true }),
    tier: t.exposeInt('tier', { nullable: true, description: '1 (most critical) to 4.' }),
    zone: t.exposeString('zone', { nullable: true, description: 'Trust zone.' }),
    slo: t.field({ type: Slo, nullable: true, resolve: (s) => s.slo }),
    tags: t.exposeStringList('tags'),
    since: t.field({ type: DateTime, description: 'When the service last came into existence.', resolve: (s) => s.since }),
  }),
});
