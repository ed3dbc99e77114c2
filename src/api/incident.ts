/** `Incident` and the `incident` and `incidents` queries. */
import type { IncidentState } from '../model/views.js';
import { builder } from './builder.js';
import { EntityRef } from './entity-ref.js';
import { instantArgs, instantOf } from './instant.js';
import { DateTime } from './scalars.js';

export const Incident = builder.objectRef<IncidentState>('Incident').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    services: t.exposeIDList('services', { description: 'Where symptoms were seen; the first is the one users noticed.' }),
    title: t.exposeString('title', { nullable: true }),
    severity: t.exposeString('severity', { nullable: true }),
    open: t.exposeBoolean('open'),
    openedAt: t.field({ type: DateTime, resolve: (i) => i.openedAt }),
    resolvedAt: t.field({ type: DateTime, nullable: true, resolve: (i) => i.resolvedAt }),
    rootCause: t.field({ type: EntityRef, nullable: true, description: 'As given when it was resolved.', resolve: (i) => i.rootCause }),
    chain: t.field({ type: [EntityRef], description: 'As given when it was resolved, cause first.', resolve: (i) => i.chain }),
  }),
});

builder.queryField('incident', (t) =>
  t.field({
    type: Incident,
    nullable: true,
    description: 'An incident as of `at`, as known at `knownAt`; null when it had not opened by then.',
    args: { id: t.arg.id({ required: true }), ...instantArgs() },
    resolve: (_root, args, ctx) => ctx.reader.incident(String(args.id), instantOf(args, ctx)),
  }),
);

builder.queryField('incidents', (t) =>
  t.field({
    type: [Incident],
    description: 'Incidents opened by `at`, oldest first; only open (or only closed) ones when `open` is given.',
    args: { open: t.arg.boolean({ required: false }), ...instantArgs() },
    resolve: async (_root, args, ctx) => {
      const all = await ctx.reader.incidents(instantOf(args, ctx));
      return args.open === null || args.open === undefined ? all : all.filter((i) => i.open === args.open);
    },
  }),
);
