/** The `at` and `knownAt` arguments every time-travelling query takes, resolved to an `Instant`. */
import type { Instant } from '../model/time.js';
import { type ApiContext, builder } from './builder.js';
import { DateTime } from './scalars.js';

export interface InstantArgs {
  at?: number | null | undefined;
  knownAt?: number | null | undefined;
}

/** `at` and `knownAt` default to the context's clock: the graph as it is now, as known now. */
export function instantOf(args: InstantArgs, ctx: ApiContext): Instant {
  const now = ctx.now();
  return { at: args.at ?? now, knownAt: args.knownAt ?? now };
}

/** `at` (optional, default now) and `knownAt` (optional, default now), for fields to spread into their args. */
export const instantArgs = (atDescription = 'The valid-time instant to read at; default now.') =>
  builder.args((t) => ({
    at: t.field({ type: DateTime, required: false, description: atDescription }),
    knownAt: t.field({ type: DateTime, required: false, description: KNOWN_AT }),
  }));

export const KNOWN_AT = 'Count only events recorded at or before this instant; default now.';
