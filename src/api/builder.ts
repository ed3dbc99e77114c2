/**
 * The Pothos schema builder. It defines no types: each GraphQL type lives in its own file beside
 * its query fields, and `schema.ts` imports them all.
 */
import SchemaBuilder from '@pothos/core';
import type { Json } from '../model/facts.js';
import type { GraphReader } from '../store/graph-store.js';
import type { ControlContext } from './control-context.js';
import type { TrustContext } from './trust-context.js';

/** What every resolver receives. Resolvers read the graph only through `reader`. */
export interface ApiContext {
  readonly reader: GraphReader;
  /** Epoch milliseconds; the default for `at` and `knownAt`. */
  readonly now: () => number;
  /** The control layer and the authenticated caller; absent where the server runs without it. */
  readonly control?: ControlContext;
  /** The trust layer (postmortems, calibration, error budgets, the ladder); absent where the server runs without it. */
  readonly trust?: TrustContext;
}

export const builder = new SchemaBuilder<{
  Context: ApiContext;
  DefaultFieldNullability: false;
  Scalars: {
    /** Epoch milliseconds inside, RFC 3339 on the wire. */
    DateTime: { Input: number; Output: number };
    JSON: { Input: Json; Output: Json };
  };
}>({ defaultFieldNullability: false });
