/**
 * Reads the slice `blastRadius` needs through the GraphReader port: the target's in-neighbourhood,
 * the traffic entering production, and the history of similar actions. A few slice reads per
 * question; the analysis itself stays in `blast-radius.ts`.
 *
 * At "now", what depends on the topology alone (who calls whom, service attributes, entry traffic)
 * is kept for as long as the graph watch says the topology is unchanged: alerts, deploys and the
 * control layer's own action events leave it valid. Each in-neighbourhood read also tells every
 * service reached who all its callers are, so a later question about any of them is answered
 * from memory. History is read every time: it is small and changes with every outcome.
 */
import { END_OF_TIME, type Instant } from '../model/time.js';
import type { ConfigChangeState, DependencyState, ServiceState } from '../model/views.js';
import type { GraphReader, GraphSnapshot, Neighbourhood } from '../store/graph-store.js';
import { type ActionKind, type ActionScope, blastRadius, type BlastRadiusResult, type BlastRadiusSlice, entryTraffic, type PastAction, type TouchedService } from './blast-radius.js';
import { createGraphWatch, type GraphWatch, type Topic } from './blast-radius-watch.js';

/** Deeper than any real call chain: the contract asks for every service that reaches the target. */
const REACH_DEPTH = 10_000;
/** A config change followed within this time by an alert on its service counts as failed. */
const CONFIG_FAILURE_WINDOW_MS = 30 * 60_000;
/**
 * Entry traffic needs the whole graph (a whole-graph read: about half a second on 10,000 services
 * on a busy two-core machine), and it is a coarse aggregate: at "now" it is read once, then read
 * again in the background when the topology changed, at most this often, so that proposals never
 * wait for it and a topology in flux does not stall the process with back-to-back reads. A store
 * slice for entry traffic would remove the read; see docs/control.md.
 */
const ENTRY_REFRESH_MS = 10_000;
/** The kinds whose facts change who calls whom and what the services are. */
const TOPOLOGY: readonly Topic[] = ['service', 'dependency'];

/** Earlier agent actions with their recorded outcome, kept by the control layer. */
export type ActionOutcomeSource = (service: string, kind: ActionKind, t: Instant) => Promise<PastAction[]>;

export interface BlastRadiusReader {
  /** `t.at` null means now. */
  slice(action: ActionScope, t: { at: number | null; knownAt: number }): Promise<BlastRadiusSlice>;
  compute(action: ActionScope, t: { at: number | null; knownAt: number }): Promise<BlastRadiusResult>;
}

/** Config changes undone by a later change restoring the previous value count as rolled back. */
function configHistory(changes: readonly ConfigChangeState[], alertTimes: readonly number[]): PastAction[] {
  return changes.map((c, i) => {
    const undone = changes.slice(i + 1).some((l) => l.key === c.key && c.previousValue !== null && JSON.stringify(l.value) === JSON.stringify(c.previousValue));
    const alerted = alertTimes.some((a) => a >= c.at && a <= c.at + CONFIG_FAILURE_WINDOW_MS);
    return { id: c.id, at: c.at, origin: 'config', status: undone ? 'rolled_back' : alerted ? 'failed' : 'succeeded' };
  });
}

/** The latest change of the service's setting `key` that scoped it (other services, or a dependency), if any. */
function settingScope(changes: readonly ConfigChangeState[], service: string, key: string): ConfigChangeState | null {
  let latest: ConfigChangeState | null = null;
  for (const c of changes) {
    if (c.service === service && c.key === key && (latest === null || c.at >= latest.at)) latest = c;
  }
  return latest && (latest.services.length > 0 || latest.dependency !== null) ? latest : null;
}

/** The union of in-neighbourhoods: each service at its fewest hops to any centre, each dependency once. */
function merge(hoods: readonly Neighbourhood[]): { reach: Neighbourhood['services']; dependencies: DependencyState[] } {
  if (hoods.length === 1) return { reach: (hoods[0] as Neighbourhood).services, dependencies: (hoods[0] as Neighbourhood).dependencies };
  const reach = new Map<string, Neighbourhood['services'][number]>();
  const dependencies = new Map<string, DependencyState>();
  for (const h of hoods) {
    for (const r of h.services) {
      const seen = reach.get(r.service.id);
      if (!seen || r.depth < seen.depth) reach.set(r.service.id, r);
    }
    for (const d of h.dependencies) dependencies.set(`${d.from}\u0000${d.to}`, d);
  }
  return { reach: [...reach.values()], dependencies: [...dependencies.values()] };
}

/** Callers of services at "now", learnt from in-neighbourhood reads, for one topology generation. */
interface CallerCache {
  generation: string;
  states: Map<string, ServiceState>;
  /** Every dependency into the service; present only once all of them are known. */
  callers: Map<string, DependencyState[]>;
}

/** The in-neighbourhood from the cache, as the store would answer it; null when the cache lacks part of it. */
function cachedNeighbourhood(cache: CallerCache, center: string): Neighbourhood | null {
  const first = cache.states.get(center);
  if (!first || !cache.callers.has(center)) return null;
  const depthOf = new Map<string, number>([[center, 0]]);
  const services = [{ service: first, depth: 0 }];
  const dependencies: DependencyState[] = [];
  let frontier = [center];
  for (let d = 1; frontier.length > 0; d++) {
    const next: string[] = [];
    for (const s of frontier) {
      const into = cache.callers.get(s);
      if (!into) return null;
      for (const dep of into) {
        dependencies.push(dep);
        if (depthOf.has(dep.from)) continue;
        const st = cache.states.get(dep.from);
        if (!st) return null;
        depthOf.set(dep.from, d);
        services.push({ service: st, depth: d });
        next.push(dep.from);
      }
    }
    frontier = next;
  }
  return { center, services, dependencies };
}

/**
 * Services whose every incoming dependency is among `dependencies`: those an in-neighbourhood read
 * reached, or all of them in a whole-graph read.
 */
function learn(cache: CallerCache, services: Iterable<ServiceState>, dependencies: readonly DependencyState[]): void {
  for (const service of services) {
    cache.states.set(service.id, service);
    cache.callers.set(service.id, []);
  }
  for (const d of dependencies) cache.callers.get(d.to)?.push(d);
}

export function createBlastRadiusReader(deps: { reader: GraphReader; now: () => number; outcomes?: ActionOutcomeSource; watch?: GraphWatch }): BlastRadiusReader {
  const { reader, now } = deps;
  const watch = deps.watch ?? createGraphWatch(reader);
  let exact: { events: number; at: number; knownAt: number; entries: Map<string, number> } | null = null;
  let current: { generation: string; entries: Map<string, number> } | null = null;
  let refreshing: Promise<Map<string, number>> | null = null;
  let lastRefresh = -Infinity;
  let callers: CallerCache | null = null;

  const read = async (t: Instant): Promise<{ entries: Map<string, number>; graph: GraphSnapshot }> => {
    const graph = await reader.graphAt(t);
    return { entries: entryTraffic(graph.services, graph.dependencies), graph };
  };

  function refreshNow(t: Instant, generation: string): Promise<Map<string, number>> {
    lastRefresh = t.at;
    refreshing ??= read(t)
      .then(({ entries, graph }) => {
        current = { generation, entries };
        // The whole graph tells every service's callers: while the topology stands, no question
        // about any service needs a neighbourhood read (a cold one of a deep service took ~10 ms).
        if (callers === null || callers.generation === generation) {
          callers = { generation, states: new Map(), callers: new Map() };
          learn(callers, graph.services, graph.dependencies);
        }
        return entries;
      })
      .finally(() => {
        refreshing = null;
      });
    return refreshing;
  }

  async function entries(t: Instant, generation: string | null): Promise<Map<string, number>> {
    if (generation !== null) {
      if (!current) return refreshing ?? refreshNow(t, generation);
      if (current.generation !== generation && !refreshing && t.at - lastRefresh >= ENTRY_REFRESH_MS) refreshNow(t, generation).catch(() => undefined);
      return current.entries;
    }
    const { events } = await reader.stats();
    if (exact && exact.events === events && exact.at === t.at && exact.knownAt === t.knownAt) return exact.entries;
    exact = { events, at: t.at, knownAt: t.knownAt, entries: (await read(t)).entries };
    return exact.entries;
  }

  async function neighbourhood(service: string, t: Instant, generation: string | null): Promise<Neighbourhood | null> {
    if (generation === null) return reader.neighbourhood(service, t, REACH_DEPTH, 'in');
    if (callers?.generation !== generation) callers = { generation, states: new Map(), callers: new Map() };
    const cache = callers;
    const hit = cachedNeighbourhood(cache, service);
    if (hit) return hit;
    const hood = await reader.neighbourhood(service, t, REACH_DEPTH, 'in');
    if (hood) learn(cache, Array.from(hood.services, (r) => r.service), hood.dependencies);
    return hood;
  }

  /** `configChanges`: the service's config changes up to `t`, when the caller has read them already. */
  async function history(service: string, kind: ActionKind, t: Instant, configChanges?: readonly ConfigChangeState[]): Promise<PastAction[]> {
    const recorded = (await deps.outcomes?.(service, kind, t)) ?? [];
    const ids = new Set(recorded.map((r) => r.id));
    if (kind === 'DEPLOY') {
      const deploys = await reader.deploysBetween([service], 0, t);
      return [
        ...recorded,
        ...deploys
          .filter((d) => !ids.has(d.id))
          .map((d): PastAction => ({ id: d.id, at: d.startedAt, origin: 'deploy', status: d.status === 'in_progress' ? 'open' : d.status })),
      ];
    }
    if (kind === 'CONFIG_CHANGE') {
      const changes = configChanges ?? (await reader.configChangesBetween([service], 0, t));
      const first = changes[0];
      const alerts = first ? await reader.alertsBetween([service], first.at, t) : [];
      return [...recorded, ...configHistory(changes, alerts.map((a) => a.firedAt)).filter((c) => !ids.has(c.id))];
    }
    return recorded;
  }

  /** Databases a service calls beside `cache`: where the misses go when its calls to the cache change. */
  async function storesBehind(service: string, cache: string, t: Instant): Promise<string[]> {
    const out = await reader.neighbourhood(service, t, 1, 'out');
    const called = new Set(out?.dependencies.filter((d) => d.from === service).map((d) => d.to) ?? []);
    return (out?.services ?? []).filter((x) => x.depth === 1 && x.service.id !== cache && called.has(x.service.id) && x.service.kind === 'database').map((x) => x.service.id).sort();
  }

  async function slice(action: ActionScope, at: { at: number | null; knownAt: number }): Promise<BlastRadiusSlice> {
    const t: Instant = { at: at.at ?? now(), knownAt: at.knownAt };
    // Only "now" as known now is cached: any other instant is a one-off question.
    const generation = at.at === null && t.knownAt === END_OF_TIME ? await watch.generation(TOPOLOGY, t.at) : null;
    const hood = await neighbourhood(action.service, t, generation);
    const none: BlastRadiusSlice = { target: null, touched: [], missing: [], reach: [], dependencies: [], entries: new Map(), history: [] };
    if (!hood) return none;
    const target = hood.services.find((s) => s.depth === 0)?.service ?? null;
    const touched: TouchedService[] = [{ service: action.service, reason: 'target', via: null, from: null }];
    const hoods = new Map<string, Neighbourhood>([[action.service, hood]]);
    const missing: string[] = [];
    const touch = async (service: string, reason: TouchedService['reason'], via: string | null, from: string | null): Promise<void> => {
      if (touched.some((x) => x.service === service)) return;
      const h = hoods.get(service) ?? (await neighbourhood(service, t, generation));
      if (!h) {
        if (!missing.includes(service)) missing.push(service);
        return;
      }
      hoods.set(service, h);
      touched.push({ service, reason, via, from });
    };
    // The service's config changes: its history of similar actions and, with a key, the setting's
    // scope as its latest change stated it, for what the action does not state itself. Read once,
    // beside the scope's other reads.
    const configRead = action.kind === 'CONFIG_CHANGE' ? reader.configChangesBetween([action.service], 0, t) : Promise.resolve(undefined);
    // Awaited below; observed now so that a failure in between does not leave it unhandled.
    configRead.catch(() => undefined);
    const known = action.key ? settingScope((await configRead) ?? [], action.service, action.key) : null;
    for (const s of [...new Set(action.services ?? [])].sort()) await touch(s, 'shared', null, null);
    for (const s of known?.services ?? []) await touch(s, 'shared', null, known?.id ?? null);
    const dependency = action.dependency ?? known?.dependency ?? null;
    if (dependency !== null) {
      const from = action.dependency ? null : (known?.id ?? null);
      await touch(dependency, 'dependency', null, from);
      const cache = hoods.get(dependency)?.services.find((s) => s.depth === 0)?.service;
      if (cache?.kind === 'cache') {
        for (const s of touched.filter((x) => x.reason === 'target' || x.reason === 'shared').map((x) => x.service)) {
          for (const db of await storesBehind(s, dependency, t)) await touch(db, 'cache-aside', dependency, from);
        }
      }
    }
    // With a key, the similar actions are that setting's changes.
    const configChanges = await configRead;
    const similar = action.key && configChanges ? configChanges.filter((c) => c.key === action.key) : configChanges;
    const [e, h] = await Promise.all([entries(t, generation), history(action.service, action.kind, t, similar)]);
    const { reach, dependencies } = merge([...hoods.values()]);
    return { target, touched, missing, reach, dependencies, entries: e, history: h };
  }

  return {
    slice,
    async compute(action, t) {
      return blastRadius(action, await slice(action, t));
    },
  };
}
