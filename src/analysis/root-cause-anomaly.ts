/**
 * Which services were failing when the incident began, and since when. Alerts are the only
 * observation of failure: a service's own alerts, and client-side alerts its callers raised about
 * their calls to it (`dependency`), which is how a database or an external API with no monitoring
 * of its own shows up.
 */
import type { AlertState } from '../model/views.js';
import { alertResolution, type Timing, timingOf } from './root-cause-timing.js';
import type { RootCauseOptions, RootCauseSlice } from './root-cause-types.js';

export interface ServiceAnomaly {
  service: string;
  /** When the failure began: its earliest alert in the episode (own or reported by a caller). */
  onset: number;
  /** Its own alerts in the episode, by firing time. */
  alerts: AlertState[];
  /** Callers that reported failing calls to it, with when they first did. */
  blamedBy: Map<string, number>;
}

export interface Anomalies {
  /** When the first symptom service began to fail (the incident start when it shows no alert). */
  symptomStart: number;
  byService: Map<string, ServiceAnomaly>;
  /** Traffic-surge alerts in the episode: triggers for changes that sat idle. */
  traffic: AlertState[];
  /** The tolerances, widened by the resolution of the episode's alert times. */
  timing: Timing;
  /** Whether any alert in the episode says its series' normal level (`baseline`): else no level is measured. */
  levels: boolean;
}

/** Signals that say a service failed in itself rather than through what it calls. */
export const OWN_FAILURE_SIGNALS: ReadonlySet<string> = new Set(['saturation', 'availability']);

/** Signals of failing requests: what a failure below must show to explain them above. */
const ERROR_SIGNALS: ReadonlySet<string> = new Set(['errors', 'availability']);

/** Whether a service's own alerts say its requests fail. */
const ownErrors = (a: ServiceAnomaly | undefined): boolean => a?.alerts.some((x) => x.dependency === null && ERROR_SIGNALS.has(x.signal)) === true;

/** Whether a service showed failing requests: its own alerts, or its callers' about calls to it. */
function showsErrors(an: Pick<Anomalies, 'byService'>, service: string): boolean {
  const a = an.byService.get(service);
  if (!a) return false;
  if (ownErrors(a)) return true;
  return [...a.blamedBy.keys()].some((c) => an.byService.get(c)?.alerts.some((x) => x.dependency === service && ERROR_SIGNALS.has(x.signal)) === true);
}

/**
 * Whether a failure of `below` could explain the one of `above`, by what each showed: slowness
 * or errors below can slow a caller, but a caller's own failing requests need failing requests
 * below (a callee that only slowed does not make its caller fail requests).
 */
export function couldExplain(an: Pick<Anomalies, 'byService'>, below: string, above: string): boolean {
  return !ownErrors(an.byService.get(above)) || showsErrors(an, below);
}

/**
 * How many times more than a call to a dependency slowed its caller may slow before the dependency
 * no longer accounts for it: a request may call the dependency more than once, but a caller whose
 * own latency rose more than three times as far as its calls did slowed mostly in itself.
 */
export const CALL_FAN_OUT = 3;

/** A latency rise over the normal level, and the alert that measured it. */
export interface Rise {
  ms: number;
  alert: AlertState;
}

/** How far the latency these alerts watch rose over its normal level, where they say both (the largest rise). */
function latencyRise(alerts: readonly AlertState[]): Rise | null {
  let best: Rise | null = null;
  for (const x of alerts) {
    if (x.signal !== 'latency' || x.value === null || x.baseline === null) continue;
    const ms = x.value - x.baseline;
    if (!best || ms > best.ms) best = { ms, alert: x };
  }
  return best;
}

const ownLatencyRise = (a: ServiceAnomaly): Rise | null => latencyRise(a.alerts.filter((x) => x.dependency === null));

/** How far `above`'s calls to `below` slowed: its own client-side view of them, else `below`'s own latency. */
function callsRise(up: ServiceAnomaly | undefined, down: ServiceAnomaly): Rise | null {
  return latencyRise(up?.alerts.filter((x) => x.dependency === down.service) ?? []) ?? ownLatencyRise(down);
}

/**
 * The share of a caller's requests that must fail before its errors show. A dependency that fails
 * no requests fails its callers' only by timing them out: calls timing out for that share raise the
 * calls' average latency by at least that share of (timeout - normal).
 */
export const SHOWING_ERROR_SHARE = 0.05;

/**
 * A caller's timeout on its calls, as a multiple of their normal latency, where the dependency does
 * not say it (`timeoutMs`): timeouts sit at several times a call's normal latency.
 */
export const DEFAULT_TIMEOUT_FACTOR = 5;

/** What the topology says of the calls from a caller to one dependency, where it says it. */
export interface CallFacts {
  /** Calls to the dependency per request the caller serves (an N+1 query pattern makes it more than one). */
  callsPerRequest: number | null;
  /** The caller's timeout on those calls, in milliseconds. */
  timeoutMs: number | null;
}

const NO_FACTS: CallFacts = { callsPerRequest: null, timeoutMs: null };

/** Why a failing dependency cannot account for its caller's failure, with the alerts that measured it. */
export type Shortfall =
  /** The caller's latency rose more than CALL_FAN_OUT (or its calls per request) times its calls' rise. */
  | { kind: 'latency'; above: Rise; below: Rise }
  /**
   * The caller fails requests; the dependency failed none, and its calls rose by less than timeouts
   * at `timeoutMs` for SHOWING_ERROR_SHARE of them would have raised them (`minMs`).
   */
  | { kind: 'errors'; below: Rise; timeoutMs: number; minMs: number };

/**
 * Whether `below`, a failing service, cannot account for `above`'s failure by what their alerts
 * measured (null where they measure too little to say), with no failing requests below that could
 * explain it instead:
 * - `above` slowed more than CALL_FAN_OUT times as far as its calls to `below` did. A request may
 *   call `below` several times: the calls per request, where the dependencies' rates say it, raise
 *   the allowance (an N+1 query pattern multiplies a small slowdown);
 * - `above` fails requests, and its calls to `below` rose by less than timing out for
 *   SHOWING_ERROR_SHARE of them would have raised them: at the dependency's `timeoutMs`, else at
 *   DEFAULT_TIMEOUT_FACTOR times their normal latency.
 */
export function shortfall(an: Pick<Anomalies, 'byService' | 'levels'>, below: string, above: string, facts: () => CallFacts = () => NO_FACTS): Shortfall | null {
  if (!an.levels) return null;
  const up = an.byService.get(above);
  const down = an.byService.get(below);
  if (!up || !down || showsErrors(an, below)) return null;
  const calls = callsRise(up, down);
  if (calls === null) return null;
  const own = ownLatencyRise(up);
  if (own !== null && own.ms > Math.max(CALL_FAN_OUT, facts().callsPerRequest ?? 0) * Math.max(0, calls.ms)) return { kind: 'latency', above: own, below: calls };
  const normal = calls.alert.baseline as number;
  if (normal <= 0 || !showsErrors(an, above)) return null;
  const timeoutMs = facts().timeoutMs ?? DEFAULT_TIMEOUT_FACTOR * normal;
  const minMs = SHOWING_ERROR_SHARE * (timeoutMs - normal);
  return calls.ms < minMs ? { kind: 'errors', below: calls, timeoutMs, minMs } : null;
}

/**
 * The failing services that cannot account for `above`'s failure (`shortfall`), each with why;
 * `facts` says what the topology knows of `above`'s calls to each.
 */
export function shortfallsBelow(an: Pick<Anomalies, 'byService' | 'levels'>, above: string, facts: (below: string) => CallFacts = () => NO_FACTS): Map<string, Shortfall> {
  const out = new Map<string, Shortfall>();
  const up = an.byService.get(above);
  // Most alerts say no level: then nothing is measured, and nothing is ruled out.
  if (!an.levels || !up || (ownLatencyRise(up) === null && !showsErrors(an, above))) return out;
  for (const s of an.byService.keys()) {
    if (s === above) continue;
    const f = shortfall(an, s, above, () => facts(s));
    if (f) out.set(s, f);
  }
  return out;
}

/**
 * An alert belongs to the episode when it fired within `episodeMs` before the incident and was
 * still firing when the first symptom appeared: a flap that resolved before then is noise.
 */
export function findAnomalies(slice: RootCauseSlice, o: RootCauseOptions): Anomalies {
  const start = slice.at - o.episodeMs;
  const inWindow = slice.alerts.filter((a) => a.firedAt >= start && a.firedAt <= slice.at);
  const timing = timingOf(o, alertResolution(inWindow, o.propagationMs));
  const first = slice.symptoms[0];
  const symptomAll = inWindow.filter((a) => a.service === first && a.signal !== 'traffic' && (a.resolvedAt === null || a.resolvedAt >= slice.at - timing.toleranceMs));
  // A failure already under way when the symptom was first watched is background unless nothing
  // else shows: the incident began where its symptom's failure was seen to begin.
  const observed = symptomAll.filter((a) => a.onsetObserved);
  const symptomAlerts = observed.length > 0 ? observed : symptomAll;
  const symptomStart = symptomAlerts.length > 0 ? Math.min(...symptomAlerts.map((a) => a.firedAt)) : slice.at;
  const live = (a: AlertState): boolean => a.resolvedAt === null || a.resolvedAt >= symptomStart - timing.toleranceMs;

  const byService = new Map<string, ServiceAnomaly>();
  const entry = (service: string, at: number): ServiceAnomaly => {
    let e = byService.get(service);
    if (!e) byService.set(service, (e = { service, onset: at, alerts: [], blamedBy: new Map() }));
    if (at < e.onset) e.onset = at;
    return e;
  };
  const traffic: AlertState[] = [];
  for (const a of inWindow) {
    if (a.signal === 'traffic') {
      // A surge is a cause's trigger, not a failure: it does not make a service anomalous.
      traffic.push(a);
      continue;
    }
    if (!live(a)) continue;
    entry(a.service, a.firedAt).alerts.push(a);
    if (a.dependency !== null && a.dependency !== a.service) {
      const callee = entry(a.dependency, a.firedAt);
      const prev = callee.blamedBy.get(a.service);
      if (prev === undefined || a.firedAt < prev) callee.blamedBy.set(a.service, a.firedAt);
    }
  }
  const levels = inWindow.some((a) => a.baseline !== null);
  return { symptomStart, byService, traffic, timing, levels };
}

/** Whether a service's failure was only seen already under way: none of its alerts saw an onset. */
export const onsetUnseen = (a: ServiceAnomaly): boolean => a.alerts.length > 0 && a.alerts.every((x) => !x.onsetObserved);

/** Whether a service failed of itself: an own saturation or availability alert. */
export function hasOwnFailureSignal(a: ServiceAnomaly | undefined): boolean {
  return a !== undefined && a.alerts.some((x) => x.dependency === null && OWN_FAILURE_SIGNALS.has(x.signal));
}

/**
 * The traffic surge on `service` itself as it began failing (within the surge window before its
 * onset, or a step after), if any: load arrived there. Its callees that failed in the same step
 * took that load from it; they did not bring it down.
 */
export function surgedInto(an: Pick<Anomalies, 'byService' | 'traffic' | 'timing'>, service: string): AlertState | null {
  const a = an.byService.get(service);
  if (!a) return null;
  return an.traffic.find((t) => t.service === service && t.firedAt >= a.onset - an.timing.surgeWindowMs && t.firedAt <= a.onset + an.timing.resolutionMs) ?? null;
}
