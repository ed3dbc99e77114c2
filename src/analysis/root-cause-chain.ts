/**
 * Causal chains over the dependency graph valid when the incident began. A fault travels from a
 * service to its callers, so a chain climbs caller edges from where the cause acts to a symptom
 * service, and along it each failure must begin no earlier than the one below it.
 */
import { type Anomalies, type CallFacts, hasOwnFailureSignal, shortfall } from './root-cause-anomaly.js';
import { climbMs } from './root-cause-timing.js';
import type { DependencyState } from '../model/views.js';
import { type ByEdge, edgeGet, edgeSet, type RootCauseSlice } from './root-cause-types.js';

export interface Topology {
  callers: Map<string, string[]>;
  callees: Map<string, string[]>;
  kinds: Map<string, string | null>;
  symptoms: string[];
  /** Next caller on a shortest path up to a symptom, the first symptom preferred where reachable. */
  upward: Map<string, string | null>;
  /** Each dependency valid at the incident, by caller then callee (its `rps` and `timeoutMs` where it says them). */
  calls: ByEdge<DependencyState>;
}

/** Calls per second from `caller` to `callee` at the incident, where the dependency says it. */
export const rpsOf = (top: Topology, caller: string, callee: string): number | null => edgeGet(top.calls, caller, callee)?.rps ?? null;

/**
 * How many calls to `callee` each request to `caller` makes, where the dependencies say their rates
 * (calls from the caller to the callee against calls into the caller); null where they do not.
 */
export function callsPerRequest(top: Topology, caller: string, callee: string): number | null {
  const out = rpsOf(top, caller, callee);
  if (out === null) return null;
  let into = 0;
  for (const c of top.callers.get(caller) ?? []) into += rpsOf(top, c, caller) ?? 0;
  return into > 0 ? out / into : null;
}

/** What the topology says of `caller`'s calls to `callee`: calls per request and timeout, where known. */
export const callFacts = (top: Topology, caller: string, callee: string): CallFacts => ({
  callsPerRequest: callsPerRequest(top, caller, callee),
  timeoutMs: edgeGet(top.calls, caller, callee)?.timeoutMs ?? null,
});

export interface Chain {
  /** Services from where the cause acts up to a symptom service. */
  services: string[];
  /** Share of the chain's services (the symptom aside) that failed, each no earlier than the one below. */
  coherence: number;
  /**
   * Hops whose caller reports failing calls to other services and not to the one below it, or
   * whose failure the one below cannot account for by what the alerts measured (`shortfall`).
   */
  blamesOther: number;
  /** Hops whose caller began failing longer than the propagation time after the one below it. */
  slow: number;
}

/** What the callers' client-side alerts name: the callees each one says its calls to fail. */
export function namedCallees(an: Anomalies, service: string): Set<string> {
  return new Set((an.byService.get(service)?.alerts ?? []).flatMap((a) => (a.dependency === null ? [] : [a.dependency])));
}

/**
 * The callees `service`'s own reports name as where its failure came from: those named, less any
 * that cannot account for its failure by what the alerts measured (`shortfall`). A report of calls
 * that slowed too little says nothing of where the failure came from.
 */
export function blamedCallees(top: Topology, an: Anomalies, service: string): Set<string> {
  const named = namedCallees(an, service);
  for (const c of named) if (shortfall(an, c, service, () => callFacts(top, service, c)) !== null) named.delete(c);
  return named;
}

/**
 * Hops that contradict the chain. A caller that names the callees whose calls fail, and not this
 * one, was brought down by something else; a caller that began failing long after the failing
 * service below it was not brought down by it either, as failures climb sync calls within minutes
 * (the propagation time per hop, also across services on the way that show no failure, plus one
 * step of the alerts' resolution: a delay is known only to within a step).
 */
function hopsOf(path: readonly string[], an: Anomalies, top: Topology): { blamesOther: number; slow: number } {
  let blamesOther = 0;
  let slow = 0;
  let below: { onset: number; at: number } | null = null;
  for (let i = 0; i < path.length; i++) {
    const here = path[i] as string;
    if (i > 0) {
      const named = blamedCallees(top, an, here);
      const below = path[i - 1] as string;
      if ((named.size > 0 && !named.has(below)) || shortfall(an, below, here, () => callFacts(top, here, below)) !== null) blamesOther++;
    }
    const a = an.byService.get(here);
    if (!a) continue;
    if (below && a.onset - below.onset > climbMs(an.timing, i - below.at)) slow++;
    below = { onset: a.onset, at: i };
  }
  return { blamesOther, slow };
}

const push = (m: Map<string, string[]>, k: string, v: string): void => {
  const l = m.get(k);
  if (l) l.push(v);
  else m.set(k, [v]);
};

export function buildTopology(slice: RootCauseSlice): Topology {
  const callers = new Map<string, string[]>();
  const callees = new Map<string, string[]>();
  const calls: ByEdge<DependencyState> = new Map();
  for (const d of slice.dependencies) {
    push(callers, d.to, d.from);
    push(callees, d.from, d.to);
    edgeSet(calls, d.from, d.to, d);
  }
  // Sorted adjacency makes every traversal, and so every answer, independent of read order.
  for (const l of callers.values()) l.sort();
  for (const l of callees.values()) l.sort();
  const kinds = new Map(slice.services.map((s) => [s.id, s.kind]));
  const upward = new Map<string, string | null>();
  for (const s of slice.symptoms) {
    if (upward.has(s)) continue;
    upward.set(s, null);
    let frontier = [s];
    while (frontier.length > 0) {
      const next: string[] = [];
      for (const u of frontier) {
        for (const v of callees.get(u) ?? []) {
          if (upward.has(v)) continue;
          upward.set(v, u);
          next.push(v);
        }
      }
      frontier = next;
    }
  }
  return { callers, callees, kinds, symptoms: slice.symptoms, upward, calls };
}

/** Whether a service lies in the dependency closure of a symptom, i.e. can reach one. */
export const reachesSymptom = (top: Topology, service: string): boolean => top.upward.has(service);

function coherenceOf(path: readonly string[], an: Anomalies, tol: number): number {
  const body = path.length > 1 ? path.slice(0, -1) : path;
  let ok = 0;
  let prev = -Infinity;
  for (const s of body) {
    const a = an.byService.get(s);
    if (a && a.onset >= prev - tol && a.onset <= an.symptomStart + tol) {
      ok++;
      prev = a.onset;
    }
  }
  return body.length === 0 ? 0 : ok / body.length;
}

/**
 * The chain from `start` up to the incident's first symptom service (the one users noticed,
 * CONTRACT §4): the shortest one through failing services whose onsets follow each other in time.
 * Other symptom services may lie on the way. When the first symptom cannot be reached that way, the
 * chain ends at the nearest symptom reached, else it is the shortest one at all. Null when no valid
 * dependency links `start` to a symptom.
 */
export function chainFrom(top: Topology, an: Anomalies, start: string, notBefore: number): Chain | null {
  if (!top.upward.has(start)) return null;
  const tol = an.timing.toleranceMs;
  const first = top.symptoms[0];
  const symptomSet = new Set(top.symptoms);
  const done = (path: string[]): Chain => ({ services: path, coherence: coherenceOf(path, an, tol), ...hopsOf(path, an, top) });
  if (start === first) return done([start]);
  const startOnset = an.byService.get(start)?.onset ?? notBefore;
  const parent = new Map<string, string | null>([[start, null]]);
  const time = new Map<string, number>([[start, startOnset]]);
  let nearest: string | null = symptomSet.has(start) ? start : null;
  let frontier = [start];
  while (frontier.length > 0 && !(first !== undefined && parent.has(first))) {
    const next: string[] = [];
    for (const u of frontier) {
      const tu = time.get(u) as number;
      for (const v of top.callers.get(u) ?? []) {
        if (parent.has(v)) continue;
        const a = an.byService.get(v);
        if (symptomSet.has(v)) {
          const tv = a?.onset ?? an.symptomStart;
          if (tv < tu - tol) continue;
          parent.set(v, u);
          time.set(v, tv);
          nearest ??= v;
          next.push(v);
          continue;
        }
        if (!a || a.onset < tu - tol || a.onset > an.symptomStart + tol) continue;
        parent.set(v, u);
        time.set(v, a.onset);
        next.push(v);
      }
    }
    frontier = next;
  }
  const end = first !== undefined && parent.has(first) ? first : nearest;
  const path: string[] = [];
  if (end !== null) {
    for (let s: string | null = end; s !== null; s = parent.get(s) ?? null) path.push(s);
    return done(path.reverse());
  }
  for (let s: string | null = start; s !== null; s = top.upward.get(s) ?? null) path.push(s);
  return done(path);
}

/**
 * Failing services below `service` whose failure began before its own, and not longer than the
 * propagation time before it: failures that could have brought `service` down, and that a cause
 * acting on `service` cannot explain. Onsets within one step of the alerts' resolution of each
 * other are not ordered by their own alerts (coarse metrics put both in one bucket, or in adjacent
 * ones): such a failure below counts only when something else puts it first: a caller had reported
 * calls to it failing by then, or a recorded change of its own stands behind it (`changedBehind`),
 * a cause below whose failure climbs and so explains this service's too. A failure below that began long before, while
 * `service` kept working, did not climb to it (the same rule as a slow hop of a chain). The walk
 * goes down from a service only to what it reports failing calls to, or, when it names no callee,
 * to everything it calls, unless it is saturated or down by itself (then it is a source, not a
 * victim). Failures below within a step that nothing else puts first go to `unordered`.
 */
export function earlierFailuresBelow(
  top: Topology,
  an: Anomalies,
  service: string,
  onset: number,
  explained: ReadonlySet<string>,
  changedBehind: (service: string) => boolean = () => false,
  unordered: string[] = [],
): string[] {
  const res = an.timing.resolutionMs;
  const out: string[] = [];
  const seen = new Set([service]);
  let frontier = [service];
  while (frontier.length > 0) {
    const next: string[] = [];
    for (const u of frontier) {
      const named = blamedCallees(top, an, u);
      if (named.size === 0 && hasOwnFailureSignal(an.byService.get(u))) continue;
      for (const v of top.callees.get(u) ?? []) {
        if (seen.has(v) || (named.size > 0 && !named.has(v))) continue;
        seen.add(v);
        const a = an.byService.get(v);
        if (!a) continue;
        next.push(v);
        const sameStep = Math.abs(onset - a.onset) <= res && a.onset <= onset;
        const before = onset - a.onset > res || (sameStep && ([...a.blamedBy.values()].some((t) => t <= onset) || changedBehind(v)));
        if (before && onset - a.onset <= climbMs(an.timing, 1) && !explained.has(v)) out.push(v);
        else if (sameStep && !before && !explained.has(v)) unordered.push(v);
      }
    }
    frontier = next;
  }
  return out.sort();
}
