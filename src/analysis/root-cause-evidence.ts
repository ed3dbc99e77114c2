/**
 * Evidence lines: each one a fact a person can check against the graph, with its times.
 */
import type { EntityRef } from '../../schema/events.js';
import { toIso } from '../model/time.js';
import type { AlertState, CausalLinkState, ConfigChangeState, DeployState } from '../model/views.js';
import { type Rise, type ServiceAnomaly, SHOWING_ERROR_SHARE, type Shortfall } from './root-cause-anomaly.js';
import type { ChangeConcerning, NotBehind } from './root-cause-candidates.js';

const minutes = (ms: number): string => {
  const m = Math.round(ms / 60_000);
  return m < 1 ? 'under a minute' : m < 120 ? `${m} min` : `${(m / 60).toFixed(1)} h`;
};

export const refText = (r: EntityRef): string => `${r.kind}:${r.id}`;

export function deployLine(d: DeployState): string {
  const versions = d.previousVersion === null ? d.version : `${d.previousVersion} -> ${d.version}`;
  const status = d.finishedAt === null ? d.status : `${d.status} at ${toIso(d.finishedAt)}`;
  return `deploy ${d.id} of ${d.service} (${versions}) started at ${toIso(d.startedAt)}, ${status}`;
}

export function configLine(c: ConfigChangeState): string {
  const was = c.previousValue === null ? '' : ` (was ${JSON.stringify(c.previousValue)})`;
  const gov = c.dependency === null ? '' : `, governing calls to ${c.dependency}`;
  const shared = c.services.length === 0 ? '' : `, shared with ${c.services.join(', ')}`;
  return `config change ${c.id} set ${c.service} ${c.key} = ${JSON.stringify(c.value)}${was} at ${toIso(c.at)}${gov}${shared}`;
}

export function failureLine(a: ServiceAnomaly, after?: number): string {
  const own = a.alerts[0];
  const what = own ? `${own.signal} alert ${own.id}` : `calls to it failing, reported by ${[...a.blamedBy.keys()].join(', ')}`;
  // The tolerance admits a failure seen shortly before the change: say so, not "-1 min after".
  const lag = after === undefined ? '' : a.onset >= after ? `, ${minutes(a.onset - after)} after the change` : `, ${minutes(after - a.onset)} before the change: too close to tell which came first`;
  const first = own?.firedAt === a.onset && !own.onsetObserved ? 'was already failing when first seen at' : 'began failing at';
  return `${a.service} ${first} ${toIso(a.onset)} (${what})${lag}`;
}

export function pathLine(services: readonly string[], at: number): string {
  return `dependency path valid at ${toIso(at)}: ${services.slice().reverse().join(' -> ')}`;
}

/** The order of two failures along a hop; onsets closer than the timing tolerance say they could not be told apart. */
export function orderLine(below: ServiceAnomaly, above: ServiceAnomaly): string {
  if (above.onset > below.onset) return `${above.service} began failing at ${toIso(above.onset)}, after ${below.service} at ${toIso(below.onset)}`;
  if (above.onset === below.onset) return `${above.service} began failing at ${toIso(above.onset)}, as ${below.service} did`;
  return `${above.service} began failing at ${toIso(above.onset)}, ${minutes(below.onset - above.onset)} before ${below.service} at ${toIso(below.onset)}: too close to tell which came first`;
}

export const blameLine = (service: string, caller: string, at: number): string =>
  `${caller} reported failing calls to ${service} from ${toIso(at)}`;

/** A surge that woke a change at `changeAt`, or, with no change, one that came just before a failure beginning at `onset`. */
export function triggerLine(t: AlertState, changeAt: number | null, onset: number): string {
  const when = changeAt !== null ? `${minutes(t.firedAt - changeAt)} after the change` : t.firedAt < onset ? `${minutes(onset - t.firedAt)} before the failure began` : 'as the failure began';
  return `traffic surge alert ${t.id} on ${t.service} at ${toIso(t.firedAt)}, ${when}`;
}

export const rpsJumpLine = (from: string, to: string, before: number, now: number): string =>
  `requests from ${from} to ${to} rose from ${before} to ${now} rps within the window`;

/** What no surge did: reach the chain in the `surgeWindowMs` before the failure (a surge earlier than that woke nothing). */
const noSurge = (surgeWindowMs: number): string => `no traffic surge reaching it in the ${minutes(surgeWindowMs)} before the failure`;

export const staleLine = (changeAt: number, onset: number, surgeWindowMs: number): string =>
  `the change sat ${minutes(onset - changeAt)} (from ${toIso(changeAt)} to ${toIso(onset)}) with ${noSurge(surgeWindowMs)}`;

export const earlierLine = (service: string, a: ServiceAnomaly): string =>
  `${a.service}, below ${service}, was already failing at ${toIso(a.onset)}: this cause does not explain it`;

export const sameStepLine = (service: string, a: ServiceAnomaly): string =>
  `${a.service}, which ${service} calls, began failing at ${toIso(a.onset)}, within the evidence's resolution of ${service}: the failure may have climbed from it`;

export const unseenOnsetLine = (a: ServiceAnomaly, symptomStart: number): string =>
  `${a.service} was already failing when first seen at ${toIso(a.onset)} (its onset was not observed), and the symptom began at ${toIso(symptomStart)}: it failed for a while without bringing the symptom down`;

/**
 * Where a change's chain starts on a service that shows no failure the change could have caused:
 * none at all, one already under way before the change, or one that began only after the symptom.
 */
export function noEffectLine(service: string, seen: ServiceAnomaly | undefined, changeAt: number, symptomStart: number): string {
  if (seen === undefined) return `no failure on ${service} between the change and ${toIso(symptomStart)} (no alert of it failing, no caller reporting failing calls to it)`;
  if (seen.onset < changeAt) return `${service} was already failing at ${toIso(seen.onset)}, ${minutes(changeAt - seen.onset)} before the change: its failure is not the change's effect`;
  return `${service} began failing only at ${toIso(seen.onset)}, after the first symptom at ${toIso(symptomStart)}: not what brought the symptom down`;
}

export const newDependencyLine = (from: string, to: string, at: number): string =>
  `${from} began calling ${to} at ${toIso(at)}`;

export const linkLine = (l: CausalLinkState): string =>
  `${l.verdict} earlier: ${refText(l.cause)} caused ${refText(l.effect)}${l.incident === null ? '' : ` (incident ${l.incident})`} at ${toIso(l.at)}`;

export const noChangeLine = (service: string, from: number, onset: number): string =>
  `no deploy or config change on ${service} from ${toIso(from)} to its failure at ${toIso(onset)}`;

type NotBehindChange = ChangeConcerning & { why: NotBehind };

const WHY_NOT_BEHIND: Record<NotBehind, (c: NotBehindChange, onset: number, surgeWindowMs: number) => string> = {
  after: () => 'after the failure began',
  stale: (c, onset, w) => `${minutes(onset - c.at)} before it, with ${noSurge(w)} to wake it`,
  'rolled-back': (c) => (c.rolledBackAt === null ? 'rolled back' : `rolled back at ${toIso(c.rolledBackAt)}`),
};

/**
 * The changes that concern a failing service, none of which stands behind its failure, each with
 * why (the latest three); `surgeWindowMs` is how far before the failure a surge counts.
 */
export function noChangeBehindLine(service: string, onset: number, changes: readonly NotBehindChange[], surgeWindowMs: number): string {
  const listed = changes.slice(0, 3).map((c) => `${c.cause.kind} ${c.cause.id} at ${toIso(c.at)}, ${WHY_NOT_BEHIND[c.why](c, onset, surgeWindowMs)}`);
  const more = changes.length > 3 ? `; and ${changes.length - 3} more` : '';
  return `no deploy or config change on ${service} stands behind its failure at ${toIso(onset)}: ${listed.join('; ')}${more}`;
}

export const laterChangeLine = (service: string, id: string, at: number, onset: number): string =>
  `${service} changed again (${id}) at ${toIso(at)}, before its failure at ${toIso(onset)}: it ran without failing until then`;

export const governedReportsLine = (service: string, callers: readonly string[], config: string): string =>
  `${service} is seen failing only in ${callers.join(', ')}'s reports of calls to it, which setting ${config} governs: that setting explains them`;

export const pointsBelowLine = (service: string, dependency: string, at: number): string =>
  `${service} reported failing calls to ${dependency} from ${toIso(at)}`;

const ms = (x: number): string => `${Number(x.toPrecision(3))} ms`;

const measured = (r: Rise): string => `${ms(r.ms)} (alert ${r.alert.id}, ${r.alert.value} against ${r.alert.baseline} at ${toIso(r.alert.firedAt)})`;

export const shortfallLine = (service: string, dependency: string, f: Shortfall): string =>
  f.kind === 'latency'
    ? `${service}'s latency rose ${measured(f.above)}, its calls to ${dependency} ${measured(f.below)}: ${dependency} cannot account for it`
    : `${service} fails requests, while ${dependency} failed none and its calls rose only ${measured(f.below)}; timeouts at ${ms(f.timeoutMs)} for one call in ${Math.round(1 / SHOWING_ERROR_SHARE)} would have raised them ${ms(f.minMs)} or more: ${dependency} cannot account for it`;

export const feedsLine = (config: string, cache: string, consumers: readonly string[], store: string): string =>
  `setting ${config} governs calls to ${cache}, a cache: what it no longer answers, ${consumers.join(' and ')} ${consumers.length === 1 ? 'asks' : 'ask'} of ${store}`;

export const tookLoadLine = (service: string, surge: AlertState, callees: readonly string[]): string =>
  `traffic surge alert ${surge.id} on ${service} itself at ${toIso(surge.firedAt)}: ${callees.join(', ')}, failing from the same step, took that load from it`;

/** What a change is, for a line about it: "deploy d-7 of api", "config change c-3 on api, governing calls to db". */
export function changeText(cause: EntityRef, service: string, governs: string | null = null): string {
  if (cause.kind === 'deploy') return `deploy ${cause.id} of ${service}`;
  return `config change ${cause.id} on ${service}${governs === null ? '' : `, governing calls to ${governs}`}`;
}

export function afterSymptomLine(cause: EntityRef, service: string, governs: string | null, at: number, symptomStart: number): string {
  return `${changeText(cause, service, governs)} at ${toIso(at)} came after the first symptom began at ${toIso(symptomStart)}: an effect cannot come before its cause`;
}

export function unlinkedLine(cause: EntityRef, service: string, governs: string | null, actsOn: readonly string[], symptoms: readonly string[], at: number): string {
  return `${changeText(cause, service, governs)}: no dependency valid at ${toIso(at)} leads from ${symptoms.join(', ')} to ${actsOn.join(', ')}`;
}

export function rolledBackLine(d: DeployState, onset: number | undefined): string {
  const failed = onset === undefined ? `and ${d.service} shows no failure` : `before ${d.service} began failing at ${toIso(onset)}`;
  return `${changeText({ kind: 'deploy', id: d.id }, d.service)} was rolled back at ${toIso(d.finishedAt as number)}, ${failed}: a rolled-back deploy explains nothing after its rollback`;
}

export function supersededLine(c: ConfigChangeState, by: ConfigChangeState, onset: number): string {
  return `${changeText({ kind: 'config', id: c.id }, c.service, c.dependency)} (${c.key}) was superseded by ${by.id} at ${toIso(by.at)}, before the failure began at ${toIso(onset)}: its value was no longer in force`;
}
