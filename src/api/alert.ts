/** `Alert`: an alert on a service at the instant read. */
import type { AlertState } from '../model/views.js';
import { builder } from './builder.js';
import { DateTime } from './scalars.js';

export const Alert = builder.objectRef<AlertState>('Alert').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    service: t.exposeID('service'),
    signal: t.exposeString('signal', { description: 'errors, latency, saturation, traffic, availability, or another word.' }),
    severity: t.exposeString('severity', { nullable: true }),
    value: t.exposeFloat('value', { nullable: true }),
    baseline: t.exposeFloat('baseline', { nullable: true, description: "The series' normal level, in value's unit: with value, how far the signal moved." }),
    summary: t.exposeString('summary', { nullable: true }),
    dependency: t.exposeID('dependency', {
      nullable: true,
      description: 'When the signal was measured on calls from `service` to this service.',
    }),
    onsetObserved: t.exposeBoolean('onsetObserved', {
      description: 'False when the failure was already under way when first seen: it began at or before firedAt.',
    }),
    active: t.exposeBoolean('active'),
    firedAt: t.field({ type: DateTime, resolve: (a) => a.firedAt }),
    resolvedAt: t.field({ type: DateTime, nullable: true, resolve: (a) => a.resolvedAt }),
  }),
});
