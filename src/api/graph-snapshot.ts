/** `GraphSnapshot` and `graphAt` (CONTRACT §4): the whole graph valid at an instant, as known at another. */
import type { GraphSnapshot as GraphSnapshotValue } from '../store/graph-store.js';
import { builder } from './builder.js';
import { DependencyState } from './dependency-state.js';
import { instantOf, KNOWN_AT } from './instant.js';
import { DateTime } from './scalars.js';
import { ServiceState } from './service-state.js';
import { byId } from '../model/order.js';

export const GraphSnapshot = builder.objectRef<GraphSnapshotValue>('GraphSnapshot').implement({
  fields: (t) => ({
    services: t.field({ type: [ServiceState], resolve: (g) => g.services }),
    dependencies: t.field({
      type: [DependencyState],
      description: 'Dependencies visible at the instant: upserted, not removed, and both services present.',
      resolve: (g) => g.dependencies,
    }),
  }),
});

builder.queryField('graphAt', (t) =>
  t.field({
    type: GraphSnapshot,
    description: 'The graph valid at `at`, as ctxgraph knew it at `knownAt`.',
    args: {
      at: t.arg({ type: DateTime, required: true }),
      knownAt: t.arg({ type: DateTime, required: false, description: KNOWN_AT }),
    },
    resolve: async (_root, args, ctx) => {
      const g = await ctx.reader.graphAt(instantOf(args, ctx));
      // Sorted so that answers are stable whatever the store's iteration order.
      return {
        services: [...g.services].sort((a, b) => byId(a.id, b.id)),
        dependencies: [...g.dependencies].sort((a, b) => byId(a.from, b.from) || byId(a.to, b.to)),
      };
    },
  }),
);
