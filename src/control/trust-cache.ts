/**
 * The trust primitive's line, kept per agent and service while nothing it rests on changed. A
 * verdict reads the agent's changes over the budget window, every causal link and the readiness
 * gate; asked on every agent proposal, that was a large part of a proposal's time.
 *
 * It rests on three things, each watched: the graph (deploys, config changes, causal links, service
 * attributes; not alerts or agent actions, which the trust rules do not read), the trust store
 * (ladder moves, shadow predictions, settlements: `versionedTrustStore` counts its writes), and the
 * clock (shadow periods and budget windows move with time: `maxAgeMs` bounds that).
 *
 * @example
 * const watched = versionedTrustStore(createMemoryTrustStore());
 * const trust = createTrustService({ ..., store: watched.store });
 * const verdict = cachedTrustVerdict({ trust, watch, version: watched.version, now: Date.now });
 * await verdict({ id: 'fixer', role: 'agent' }, 'api');
 */
import type { GraphWatch } from '../analysis/blast-radius-watch.js';
import { FACT_KINDS, type FactKind } from '../model/facts.js';
import type { TrustStore } from '../trust-store/trust-store.js';
import type { TrustLine } from '../trust/verdict.js';

/** As often as the running app reviews every ladder anyway. */
export const TRUST_CACHE_MS = 60_000;
/** Agent and service pairs kept; past this the cache starts over. */
const MAX_ENTRIES = 10_000;
const GRAPH_KINDS: readonly FactKind[] = FACT_KINDS.filter((k) => k !== 'alert' && k !== 'action');

type Verdict = (caller: { id: string; role: 'agent' | 'human' | 'admin' }, service: string) => Promise<TrustLine>;

/**
 * Wraps a trust store so that every write that can change a verdict moves a counter. The control
 * layer's own blast-radius predictions (one per proposal) do not move it: they only count towards
 * the readiness gate's provenance condition, and `maxAgeMs` catches that.
 */
export function versionedTrustStore(store: TrustStore): { store: TrustStore; version: () => number } {
  let version = 0;
  const bump = <T>(r: T): T => {
    version++;
    return r;
  };
  return {
    version: () => version,
    store: {
      ...store,
      putPrediction: async (p) => (p.kind === 'blast-radius' ? store.putPrediction(p) : bump(await store.putPrediction(p))),
      settle: async (id, outcome) => bump(await store.settle(id, outcome)),
      transition: async (next, expected, entry) => bump(await store.transition(next, expected, entry)),
    },
  };
}

export function cachedTrustVerdict(deps: { trust: { trustVerdict: Verdict }; watch: GraphWatch; version: () => number; now: () => number; maxAgeMs?: number }): Verdict {
  const maxAge = deps.maxAgeMs ?? TRUST_CACHE_MS;
  const cache = new Map<string, { graph: string; version: number; at: number; line: Promise<TrustLine> }>();
  return async (caller, service) => {
    const at = deps.now();
    const graph = await deps.watch.generation(GRAPH_KINDS, at);
    const version = deps.version();
    const key = `${caller.role}\u001f${caller.id}\u001f${service}`;
    const hit = cache.get(key);
    if (hit && hit.graph === graph && hit.version === version && at - hit.at < maxAge) return hit.line;
    if (cache.size >= MAX_ENTRIES) cache.clear();
    const line = deps.trust.trustVerdict(caller, service);
    cache.set(key, { graph, version, at, line });
    // A failed read is not kept: the next proposal asks again.
    line.catch(() => cache.delete(key));
    return line;
  };
}
