/** `Neighbourhood` and its query: the services within k hops of one service at an instant. */
import type { Neighbourhood as NeighbourhoodValue } from '../store/graph-store.js';
import { builder } from './builder.js';
import { DependencyState } from './dependency-state.js';
import { badArgument } from './errors.js';
import { instantArgs, instantOf } from './instant.js';
import { ServiceState } from './service-state.js';

export const MAX_DEPTH = 6;

export const Direction = builder.enumType('Direction', {
  values: {
    OUT: { value: 'out', description: 'Follow dependencies from a service to what it calls or needs.' },
    IN: { value: 'in', description: 'Follow dependencies back to the services that call or need it.' },
    BOTH: { value: 'both' },
  } as const,
});

export const NeighbourService = builder.objectRef<NeighbourhoodValue['services'][number]>('NeighbourService').implement({
  fields: (t) => ({
    service: t.field({ type: ServiceState, resolve: (n) => n.service }),
    depth: t.exposeInt('depth', { description: 'The fewest hops from the center (0 for the center itself).' }),
  }),
});

export const Neighbourhood = builder.objectRef<NeighbourhoodValue>('Neighbourhood').implement({
  fields: (t) => ({
    center: t.exposeID('center'),
    services: t.field({ type: [NeighbourService], description: 'By depth, then id.', resolve: (n) => n.services }),
    dependencies: t.field({ type: [DependencyState], description: 'Every dependency traversed, once.', resolve: (n) => n.dependencies }),
  }),
});

builder.queryField('neighbourhood', (t) =>
  t.field({
    type: Neighbourhood,
    nullable: true,
    description: 'Services within `depth` hops of `service` over dependencies valid at `at`; null when the service does not exist then.',
    args: {
      service: t.arg.id({ required: true }),
      depth: t.arg.int({ required: true, defaultValue: 2, description: `1 to ${MAX_DEPTH}.` }),
      direction: t.arg({ type: Direction, required: true, defaultValue: 'both' }),
      ...instantArgs(),
    },
    resolve: async (_root, args, ctx) => {
      if (!Number.isInteger(args.depth) || args.depth < 1 || args.depth > MAX_DEPTH) {
        throw badArgument('depth', `must be between 1 and ${MAX_DEPTH}, got ${args.depth}`);
      }
      const n = await ctx.reader.neighbourhood(String(args.service), instantOf(args, ctx), args.depth, args.direction);
      if (!n) return null;
      const services = [...n.services].sort((a, b) => a.depth - b.depth || (a.service.id < b.service.id ? -1 : a.service.id > b.service.id ? 1 : 0));
      return { ...n, services };
    },
  }),
);
