/**
 * The one async step of root-cause analysis: a handful of slice reads through the port, whatever
 * the graph's size (three neighbourhood reads per symptom: below it now and at the lookback's
 * start, and above it now; then one read per kind of fact). A dependency's `since` says when it
 * appeared, so new dependencies cost no read of their own.
 */
import { END_OF_TIME, type Instant } from '../model/time.js';
import type { DependencyState, ServiceState } from '../model/views.js';
import type { GraphReader } from '../store/graph-store.js';
import { type ByEdge, edgeGet, edgeSet, type NewDependency, type RootCauseError, type RootCauseOptions, type RootCauseQuery, type RootCauseSlice } from './root-cause-types.js';
import { byId } from '../model/order.js';

function* allOf<T>(m: ByEdge<T>): Iterable<T> {
  for (const out of m.values()) yield* out.values();
}

async function closure(reader: GraphReader, symptoms: readonly string[], t: Instant, depth: number, direction: 'out' | 'in' = 'out') {
  const services = new Map<string, ServiceState>();
  const dependencies: ByEdge<DependencyState> = new Map();
  const missing: string[] = [];
  for (const s of symptoms) {
    const n = await reader.neighbourhood(s, t, depth, direction);
    if (!n) {
      missing.push(s);
      continue;
    }
    for (const x of n.services) services.set(x.service.id, x.service);
    for (const d of n.dependencies) edgeSet(dependencies, d.from, d.to, d);
  }
  return { services, dependencies, missing };
}

export type GatherResult = { ok: true; slice: RootCauseSlice } | { ok: false; error: RootCauseError };

export async function gatherRootCauseSlice(reader: GraphReader, q: RootCauseQuery, o: RootCauseOptions): Promise<GatherResult> {
  const knownAt = q.knownAt ?? END_OF_TIME;
  let symptoms: string[];
  let at: number;
  let incident: string | null = null;
  if ('incident' in q) {
    const inc = await reader.incident(q.incident, { at: END_OF_TIME, knownAt });
    if (!inc) return { ok: false, error: { kind: 'unknown-incident', incident: q.incident } };
    symptoms = inc.services;
    at = inc.openedAt;
    incident = inc.id;
  } else {
    symptoms = [...new Set(q.services)];
    at = q.at;
  }
  if (symptoms.length === 0) return { ok: false, error: { kind: 'no-symptoms' } };
  const t: Instant = { at, knownAt };
  const from = at - o.lookbackMs;
  const now = await closure(reader, symptoms, t, o.depth);
  // An incident may name a service retired since; services asked about directly must all exist (a typo is not a symptom).
  if (now.missing.length === symptoms.length || (incident === null && now.missing.length > 0)) return { ok: false, error: { kind: 'unknown-services', services: now.missing } };
  const present = symptoms.filter((s) => !now.missing.includes(s));
  const before = await closure(reader, present, { at: from, knownAt }, o.depth);

  // A dependency is new when it came into being inside the window (its `since`), not merely when
  // the traversal at the window's start did not reach it (a new call can lead to old ones). A call
  // recorded as its caller came into being (a new service, or a graph first loaded in the window)
  // is how the service arrived, not something a deploy of it introduced.
  const newDependencies: NewDependency[] = [];
  for (const d of allOf(now.dependencies)) {
    if (d.since <= from || edgeGet(before.dependencies, d.from, d.to)) continue;
    const callerSince = before.services.has(d.from) ? null : (now.services.get(d.from)?.since ?? null);
    if (callerSince !== null && d.since <= callerSince + o.toleranceMs) continue;
    newDependencies.push({ from: d.from, to: d.to, at: d.since });
  }
  newDependencies.sort((a, b) => byId(a.from, b.from) || byId(a.to, b.to));
  const rpsBefore: ByEdge<number> = new Map();
  for (const d of allOf(before.dependencies)) if (d.rps !== null) edgeSet(rpsBefore, d.from, d.to, d.rps);

  // What calls the symptoms: a traffic surge there flows down to them (load enters at the edge).
  const up = await closure(reader, present, t, o.depth, 'in');
  const upstream = [...up.services.keys()].filter((id) => !now.services.has(id)).sort();

  const ids = [...now.services.keys()].sort();
  const [deploys, configChanges, alerts, upstreamAlerts, causalLinks] = await Promise.all([
    reader.deploysBetween(ids, from, t),
    reader.configChangesBetween(ids, from, t),
    reader.alertsBetween(ids, at - o.episodeMs, t),
    upstream.length === 0 ? [] : reader.alertsBetween(upstream, at - o.episodeMs, t),
    reader.causalLinks(t),
  ]);
  // Of what lies above the symptoms, only surges and the calls they flow down are read: a failure
  // there is an effect, not a cause.
  for (const d of allOf(up.dependencies)) if (!edgeGet(now.dependencies, d.from, d.to)) edgeSet(now.dependencies, d.from, d.to, d);
  alerts.push(...upstreamAlerts.filter((a) => a.signal === 'traffic'));
  return {
    ok: true,
    slice: {
      incident,
      at,
      from,
      symptoms: present,
      services: ids.map((id) => now.services.get(id) as ServiceState),
      dependencies: [...allOf(now.dependencies)],
      newDependencies,
      rpsBefore,
      deploys,
      configChanges,
      alerts,
      causalLinks,
    },
  };
}
