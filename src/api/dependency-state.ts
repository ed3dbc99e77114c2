/** `DependencyState` (CONTRACT §4): `from` calls or needs `to`. */
import type { DependencyState as DependencyStateValue } from '../model/views.js';
import { builder } from './builder.js';

export const DependencyState = builder.objectRef<DependencyStateValue>('DependencyState').implement({
  fields: (t) => ({
    from: t.exposeID('from'),
    to: t.exposeID('to'),
    critical: t.exposeBoolean('critical', { description: 'Whether `from` fails when `to` fails.' }),
    rps: t.exposeFloat('rps', { nullable: true, description: 'Requests per second from `from` to `to`.' }),
    timeoutMs: t.exposeFloat('timeoutMs', { nullable: true }),
    protocol: t.exposeString('protocol', { nullable: true }),
  }),
});
