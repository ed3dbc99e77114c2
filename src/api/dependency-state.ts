/** `DependencyState` (CONTRACT §4): `from` calls or needs `to`. */
import type { DependencyState as DependencyStateValue } from '../model/views.js';
import { builder } from './builder.js';
import { DateTime } from './scalars.js';

export const DependencyState = builder.objectRef<DependencyStateValue>('DependencyState').implement({
  fields: (t) => ({
    from: t.exposeID('from'),
    to: t.exposeID('to'),
    critical: t.exposeBoolean('critical', { description: 'Whether `from` fails when `to` fails.' }),
    rps: t.exposeFloat('rps', { nullable: true, description: 'Requests per second from `from` to `to`.' }),
    timeoutMs: t.exposeFloat('timeoutMs', { nullable: true }),
    protocol: t.exposeString('protocol', { nullable: true }),
    since: t.field({
      type: DateTime,
      description:
        'When the dependency last came into existence: upserted after being absent (removed, or never seen). Later upserts change it without renewing it, and a service of it retired and upserted again hides it meanwhile without renewing it.',
      resolve: (d) => d.since,
    }),
  }),
});
