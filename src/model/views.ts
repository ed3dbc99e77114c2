/**
 * Typed views of entities at an instant, derived from their facts. Every store answers with these
 * shapes, and every rule about what is visible when lives here, once.
 */
import type { EntityRef } from '../../schema/events.js';
import { type Json, splitId } from './facts.js';
import { asVersions, attrAt, attrSince, type Instant, positionOfType, stateAt, upperBound, type Versions, type VersionsLike } from './time.js';

export interface Slo {
  objective: number;
  windowDays: number;
}

export interface ServiceState {
  id: string;
  name: string | null;
  kind: string | null;
  team: string | null;
  tier: number | null;
  zone: string | null;
  slo: Slo | null;
  tags: string[];
  /** When the service last came into existence (upserted after being absent). */
  since: number;
}

export interface DependencyState {
  from: string;
  to: string;
  critical: boolean;
  rps: number | null;
  timeoutMs: number | null;
  protocol: string | null;
  /** When the dependency last came into existence (upserted after being absent); later upserts update it. */
  since: number;
}

export type DeployStatus = 'in_progress' | 'succeeded' | 'failed' | 'rolled_back';

export interface DeployState {
  id: string;
  service: string;
  version: string;
  previousVersion: string | null;
  changes: string[];
  rolloutPercent: number | null;
  status: DeployStatus;
  startedAt: number;
  finishedAt: number | null;
  actor: string | null;
  actorType: string | null;
  actorModel: string | null;
  /** The `(source, id)` key of the deploy.started event: of two deploys started at once, the larger runs (CONTRACT §1). */
  startKey: string;
}

export interface ConfigValueState {
  service: string;
  key: string;
  value: Json;
  change: string;
  since: number;
}

export interface ConfigChangeState {
  id: string;
  service: string;
  key: string;
  value: Json;
  previousValue: Json | null;
  dependency: string | null;
  services: string[];
  at: number;
  actor: string | null;
  actorType: string | null;
}

export interface AlertState {
  id: string;
  service: string;
  signal: string;
  severity: string | null;
  value: number | null;
  /** The series' normal level, in `value`'s unit. */
  baseline: number | null;
  summary: string | null;
  dependency: string | null;
  /** False when the failure was already under way when first seen: `firedAt` is then an upper bound of its onset. */
  onsetObserved: boolean;
  active: boolean;
  firedAt: number;
  resolvedAt: number | null;
}

export interface IncidentState {
  id: string;
  services: string[];
  title: string | null;
  severity: string | null;
  open: boolean;
  openedAt: number;
  resolvedAt: number | null;
  rootCause: EntityRef | null;
  chain: EntityRef[];
}

export interface CausalLinkState {
  cause: EntityRef;
  effect: EntityRef;
  verdict: 'confirmed' | 'rejected';
  incident: string | null;
  note: string | null;
  actor: string | null;
  at: number;
}

const str = (v: Json | undefined): string | null => (typeof v === 'string' ? v : null);
const num = (v: Json | undefined): number | null => (typeof v === 'number' ? v : null);
const strs = (v: Json | undefined): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const ref = (v: Json | undefined): EntityRef | null =>
  v !== null && typeof v === 'object' && !Array.isArray(v) && typeof v.kind === 'string' && typeof v.id === 'string'
    ? ({ kind: v.kind, id: v.id } as EntityRef)
    : null;

/** Whether a service or dependency exists at `t` (its last `present` fact says so). */
export const presentAt = (versions: VersionsLike, t: Instant): boolean => attrAt(versions, 'present', t) === true;

/** The valid time of the last fact of `type` seen at `t`: when a deploy started, an alert fired, ... */
function timeOf(v: Versions, type: Parameters<typeof positionOfType>[1], t: Instant): number | null {
  const i = positionOfType(v, type, t);
  return i < 0 ? null : v.validFrom(i);
}

/**
 * One backward pass over the versions visible at `t`, newest first, without building the whole
 * state: each fact's attributes go to `take` (which keeps the first value it sees of each), and
 * the answer is when the entity last came into existence (the run of facts that keep `present` at
 * its current value), or null when it is not present at `t`.
 */
function presentSince(v: Versions, t: Instant, take: (attrs: Readonly<Record<string, Json>>) => void): number | null {
  let present: Json | undefined;
  let since = 0;
  let sinceDone = false;
  for (let i = upperBound(v, t.at) - 1; i >= 0; i--) {
    if (v.recordedAt(i) > t.knownAt) continue;
    const a = v.attrs(i);
    const p = a.present;
    if (p !== undefined && !sinceDone) {
      if (present === undefined) present = p;
      if (p === present) since = v.validFrom(i);
      else sinceDone = true;
    }
    if (present !== undefined && present !== true) return null;
    take(a);
  }
  return present === true ? since : null;
}

/** Read on every hop of a traversal, so one pass (`presentSince`): each attribute from the last fact that sets it. */
export function serviceAt(id: string, versions: VersionsLike, t: Instant): ServiceState | null {
  let name: Json | undefined;
  let kind: Json | undefined;
  let team: Json | undefined;
  let tier: Json | undefined;
  let zone: Json | undefined;
  let slo: Json | undefined;
  let tags: Json | undefined;
  const since = presentSince(asVersions(versions), t, (a) => {
    name ??= a.name;
    kind ??= a.kind;
    team ??= a.team;
    tier ??= a.tier;
    zone ??= a.zone;
    slo ??= a.slo;
    tags ??= a.tags;
  });
  if (since === null) return null;
  return {
    id,
    name: str(name),
    kind: str(kind),
    team: str(team),
    tier: num(tier),
    zone: str(zone),
    slo: slo && typeof slo === 'object' && !Array.isArray(slo) ? { objective: Number(slo.objective), windowDays: Number(slo.windowDays) } : null,
    tags: strs(tags),
    since,
  };
}

/**
 * A dependency's own state at `t`, ignoring whether its services exist (the store checks those).
 * `ends` spares splitting the id when the caller already holds `[from, to]`.
 */
export function dependencyAt(id: string, versions: VersionsLike, t: Instant, ends?: readonly [string, string]): DependencyState | null {
  let critical: Json | undefined;
  let rps: Json | undefined;
  let timeoutMs: Json | undefined;
  let protocol: Json | undefined;
  const since = presentSince(asVersions(versions), t, (a) => {
    critical ??= a.critical;
    rps ??= a.rps;
    timeoutMs ??= a.timeoutMs;
    protocol ??= a.protocol;
  });
  if (since === null) return null;
  const [from, to] = ends ?? splitId(id);
  return {
    from,
    to,
    critical: critical !== false,
    rps: num(rps),
    timeoutMs: num(timeoutMs),
    protocol: str(protocol),
    since,
  };
}

export function deployAt(id: string, versions: VersionsLike, t: Instant): DeployState | null {
  const v = asVersions(versions);
  const started = positionOfType(v, 'deploy.started', t);
  if (started < 0) return null;
  const s = stateAt(v, t);
  if (!s || typeof s.service !== 'string' || typeof s.version !== 'string') return null;
  return {
    id,
    service: s.service,
    version: s.version,
    previousVersion: str(s.previousVersion),
    changes: strs(s.changes),
    rolloutPercent: num(s.rolloutPercent),
    status: (str(s.status) as DeployStatus | null) ?? 'in_progress',
    startedAt: v.validFrom(started),
    finishedAt: timeOf(v, 'deploy.finished', t),
    actor: str(s.actor),
    actorType: str(s.actorType),
    actorModel: str(s.actorModel),
    startKey: v.key(started),
  };
}

/**
 * The version a service runs at `t`: the latest deploy started by then, skipping those rolled back
 * by then. `deploys` are the service's deploys as seen at `t`.
 */
export function runningDeploy(deploys: readonly DeployState[]): { version: string; deploy: string | null } | null {
  const sorted = [...deploys].sort((a, b) => b.startedAt - a.startedAt || (a.startKey < b.startKey ? 1 : a.startKey > b.startKey ? -1 : 0));
  let fallback: string | null = null;
  for (const d of sorted) {
    if (d.status !== 'rolled_back') return { version: d.version, deploy: d.id };
    fallback = d.previousVersion ?? fallback;
  }
  return fallback === null ? null : { version: fallback, deploy: null };
}

export function configValueAt(versions: VersionsLike, t: Instant): ConfigValueState | null {
  const s = stateAt(versions, t);
  if (!s || typeof s.service !== 'string' || typeof s.key !== 'string' || s.value === undefined) return null;
  return { service: s.service, key: s.key, value: s.value, change: str(s.change) ?? '', since: attrSince(versions, 'change', t) ?? 0 };
}

export function configChangeAt(id: string, versions: VersionsLike, t: Instant): ConfigChangeState | null {
  const v = asVersions(versions);
  let i = 0;
  while (i < v.length && !(v.recordedAt(i) <= t.knownAt && v.validFrom(i) <= t.at)) i++;
  if (i === v.length) return null;
  const s = v.attrs(i);
  return {
    id,
    service: str(s.service) ?? '',
    key: str(s.key) ?? '',
    value: s.value ?? null,
    previousValue: s.previousValue ?? null,
    dependency: str(s.dependency),
    services: strs(s.services),
    at: v.validFrom(i),
    actor: str(s.actor),
    actorType: str(s.actorType),
  };
}

export function alertAt(id: string, versions: VersionsLike, t: Instant): AlertState | null {
  const v = asVersions(versions);
  const firedAt = timeOf(v, 'alert.fired', t);
  if (firedAt === null) return null;
  const s = stateAt(v, t);
  if (!s || typeof s.service !== 'string') return null;
  const active = s.active === true;
  return {
    id,
    service: s.service,
    signal: str(s.signal) ?? 'unknown',
    severity: str(s.severity),
    value: num(s.value),
    baseline: num(s.baseline),
    summary: str(s.summary),
    dependency: str(s.dependency),
    onsetObserved: s.onsetObserved !== false,
    active,
    firedAt: active ? (attrSince(v, 'active', t) ?? firedAt) : firedAt,
    resolvedAt: active ? null : timeOf(v, 'alert.resolved', t),
  };
}

export function incidentAt(id: string, versions: VersionsLike, t: Instant): IncidentState | null {
  const v = asVersions(versions);
  const openedAt = timeOf(v, 'incident.opened', t);
  if (openedAt === null) return null;
  const s = stateAt(v, t);
  if (!s) return null;
  const open = s.open === true;
  return {
    id,
    services: strs(s.services),
    title: str(s.title),
    severity: str(s.severity),
    open,
    openedAt,
    resolvedAt: open ? null : timeOf(v, 'incident.resolved', t),
    rootCause: ref(s.rootCause),
    chain: Array.isArray(s.chain) ? s.chain.map(ref).filter((r): r is EntityRef => r !== null) : [],
  };
}

export function causalLinkAt(versions: VersionsLike, t: Instant): CausalLinkState | null {
  const s = stateAt(versions, t);
  const cause = ref(s?.cause);
  const effect = ref(s?.effect);
  if (!s || !cause || !effect || (s.verdict !== 'confirmed' && s.verdict !== 'rejected')) return null;
  return {
    cause,
    effect,
    verdict: s.verdict,
    incident: str(s.incident),
    note: str(s.note),
    actor: str(s.actor),
    at: attrSince(versions, 'verdict', t) ?? 0,
  };
}
