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
import { type ActionKind, blastRadius, type BlastRadiusResult, type BlastRadiusSlice, entryTraffic, type PastAction } from './blast-radius.js';
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
  slice(action: { kind: ActionKind; service: string }, t: { at: number | null; knownAt: number }): Promise<BlastRadiusSlice>;
  compute(action: { kind: ActionKind; service: string }, t: { at: number | null; knownAt: number }): Promise<BlastRadiusResult>;
}

/** Config changes undone by a later change restoring the previous value count as rolled back. */
function configHistory(changes: readonly ConfigChangeState[], alertTimes: readonly number[]): PastAction[] {
  return changes.map((c, i) => {
    const undone = changes.slice(i + 1).some((l) => l.key === c.key && c.previousValue !== null && JSON.stringify(l.value) === JSON.stringify(c.previousValue));
    const alerted = alertTimes.some((a) => a >= c.at && a <= c.at + CONFIG_FAILURE_WINDOW_MS);
    return { id: c.id, at: c.at, origin: 'config', status: undone ? 'rolled_back' : alerted ? 'failed' : 'succeeded' };
  });
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

  async function history(service: string, kind: ActionKind, t: Instant): Promise<PastAction[]> {
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
      const changes = await reader.configChangesBetween([service], 0, t);
      const first = changes[0];
      const alerts = first ? await reader.alertsBetween([service], first.at, t) : [];
      return [...recorded, ...configHistory(changes, alerts.map((a) => a.firedAt)).filter((c) => !ids.has(c.id))];
    }
    return recorded;
  }

  async function slice(action: { kind: ActionKind; service: string }, at: { at: number | null; knownAt: number }): Promise<BlastRadiusSlice> {
    const t: Instant = { at: at.at ?? now(), knownAt: at.knownAt };
    // Only "now" as known now is cached: any other instant is a one-off question.
    const generation = at.at === null && t.knownAt === END_OF_TIME ? await watch.generation(TOPOLOGY, t.at) : null;
    const hood = await neighbourhood(action.service, t, generation);
    if (!hood) return { target: null, reach: [], dependencies: [], entries: new Map(), history: [] };
    const [e, h] = await Promise.all([entries(t, generation), history(action.service, action.kind, t)]);
    const target = hood.services.find((s) => s.depth === 0)?.service ?? null;
    return { target, reach: hood.services, dependencies: hood.dependencies, entries: e, history: h };
  }

  return {
    slice,
    async compute(action, t) {
      return blastRadius(action, await slice(action, t));
    },
  };
}
