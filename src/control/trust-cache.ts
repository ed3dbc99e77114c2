/**
 * The trust primitive's line, kept per agent and service while nothing it rests on changed. For an
 * agent whose rung can move, a verdict reads its changes over the budget window, every causal link
 * and the readiness gate; asked afresh on every agent proposal, that was a large part of a
 * proposal's time.
 *
 * It rests on the graph and the clock. The graph watch says when the facts it reads moved: deploys,
 * config changes, causal links, incidents, service attributes, and the trust memory itself
 * (predictions and ladder moves are events in the graph with the event-sourced trust store); not
 * alerts, agent actions or the blast-radius predictions each proposal records, which the trust
 * rules do not read, or which only count towards a readiness condition that `maxAgeMs` catches.
 * Shadow periods and budget windows move with time: `maxAgeMs` bounds that too.
 *
 * @example
 * const verdict = cachedTrustVerdict({ trust, watch: createGraphWatch(store), now: Date.now });
 * await verdict({ id: 'fixer', role: 'agent' }, 'api');
 */
import type { GraphWatch, Topic } from '../analysis/blast-radius-watch.js';
import { FACT_KINDS } from '../model/facts.js';
import type { TrustLine } from '../trust/verdict.js';

/** As often as the running app reviews every ladder anyway. */
export const TRUST_CACHE_MS = 60_000;
/** Agent and service pairs kept; past this the cache starts over. */
const MAX_ENTRIES = 10_000;
const TRUST_TOPICS: readonly Topic[] = FACT_KINDS.filter((k) => k !== 'alert' && k !== 'action');

type Verdict = (caller: { id: string; role: 'agent' | 'human' | 'admin' }, service: string) => Promise<TrustLine>;

export function cachedTrustVerdict(deps: { trust: { trustVerdict: Verdict }; watch: GraphWatch; now: () => number; maxAgeMs?: number }): Verdict {
  const maxAge = deps.maxAgeMs ?? TRUST_CACHE_MS;
  const cache = new Map<string, { graph: string; at: number; line: Promise<TrustLine> }>();
  return async (caller, service) => {
    const at = deps.now();
    const graph = await deps.watch.generation(TRUST_TOPICS, at);
    const key = `${caller.role}\u001f${caller.id}\u001f${service}`;
    const hit = cache.get(key);
    if (hit && hit.graph === graph && at - hit.at < maxAge) return hit.line;
    if (cache.size >= MAX_ENTRIES) cache.clear();
    const line = deps.trust.trustVerdict(caller, service);
    cache.set(key, { graph, at, line });
    // A failed read is not kept: the next proposal asks again.
    line.catch(() => cache.delete(key));
    return line;
  };
}
