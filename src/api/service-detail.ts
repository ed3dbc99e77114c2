/** `ServiceDetail` and the `service` query: one service at an instant, with what an SRE asks about it. */
import type { ConfigValueState } from '../model/views.js';
import type { ServiceDetail as ServiceDetailValue } from '../store/graph-store.js';
import { Alert } from './alert.js';
import { builder } from './builder.js';
import { DependencyState } from './dependency-state.js';
import { instantArgs, instantOf } from './instant.js';
import { DateTime, JSONScalar } from './scalars.js';
import { ServiceState } from './service-state.js';

export const RunningVersion = builder.objectRef<{ version: string; deploy: string | null }>('RunningVersion').implement({
  fields: (t) => ({
    version: t.exposeString('version'),
    deploy: t.exposeID('deploy', {
      nullable: true,
      description: 'The deploy that put this version in place; null when it is known only as the version a rolled-back deploy replaced.',
    }),
  }),
});

export const ConfigValue = builder.objectRef<ConfigValueState>('ConfigValue').implement({
  fields: (t) => ({
    key: t.exposeString('key'),
    value: t.field({ type: JSONScalar, nullable: true, resolve: (c) => c.value }),
    change: t.exposeID('change', { description: 'The config change that set this value.' }),
    since: t.field({ type: DateTime, resolve: (c) => c.since }),
  }),
});

export const ServiceDetail = builder.objectRef<ServiceDetailValue>('ServiceDetail').implement({
  fields: (t) => ({
    id: t.id({ resolve: (d) => d.service.id }),
    service: t.field({ type: ServiceState, resolve: (d) => d.service }),
    running: t.field({ type: RunningVersion, nullable: true, description: 'Null when no deploy of it is known.', resolve: (d) => d.running }),
    config: t.field({ type: [ConfigValue], resolve: (d) => d.config }),
    activeAlerts: t.field({ type: [Alert], resolve: (d) => d.activeAlerts }),
    dependsOn: t.field({ type: [DependencyState], description: 'Dependencies from this service.', resolve: (d) => d.dependsOn }),
    dependedOnBy: t.field({ type: [DependencyState], description: 'Dependencies to this service.', resolve: (d) => d.dependedOnBy }),
  }),
});

builder.queryField('service', (t) =>
  t.field({
    type: ServiceDetail,
    nullable: true,
    description: 'A service at `at` as known at `knownAt`; null when it does not exist then.',
    args: { id: t.arg.id({ required: true }), ...instantArgs() },
    resolve: (_root, args, ctx) => ctx.reader.service(String(args.id), instantOf(args, ctx)),
  }),
);
