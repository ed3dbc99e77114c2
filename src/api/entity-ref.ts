/** `EntityKind` and `EntityRef` (CONTRACT §4): how the API names a service, deploy, config change, alert or incident. */
import type { EntityRef as EntityRefValue } from '../../schema/events.js';
import { builder } from './builder.js';

export const EntityKind = builder.enumType('EntityKind', {
  values: {
    SERVICE: { value: 'service' },
    DEPLOY: { value: 'deploy' },
    CONFIG: { value: 'config', description: 'A config change, named by its change id.' },
    ALERT: { value: 'alert' },
    INCIDENT: { value: 'incident' },
  } as const,
});

export const EntityRef = builder.objectRef<EntityRefValue>('EntityRef').implement({
  fields: (t) => ({
    kind: t.field({ type: EntityKind, resolve: (r) => r.kind }),
    id: t.exposeID('id'),
  }),
});
