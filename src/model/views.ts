/**
 * Typed views of entities at an instant, derived from their facts. Every store answers with these
 * shapes, and every rule about what is visible when lives here, once.
 */
import type { EntityRef } from '../../schema/events.js';
import { type Fact, type Json, splitId } from './facts.js';
import { attrAt, attrSince, factSetting, type Instant, stateAt } from './time.js';

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
  summary: string | null;
  dependency: string | null;
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
export const presentAt = (versions: readonly Fact[], t: Instant): boolean => attrAt(versions, 'present', t) === true;

export function serviceAt(id: string, versions: readonly Fact[], t: Instant): ServiceState | null {
  const s = stateAt(versions, t);
  if (!s || s.present !== true) return null;
  const slo = s.slo;
  return {
    id,
    name: str(s.name),
    kind: str(s.kind),
    team: str(s.team),
    tier: num(s.tier),
    zone: str(s.zone),
    slo: slo && typeof slo === 'object' && !Array.isArray(slo) ? { objective: Number(slo.objective), windowDays: Number(slo.windowDays) } : null,
    tags: strs(s.tags),
    since: attrSince(versions, 'present', t) ?? 0,
  };
}

/** A dependency's own state at `t`, ignoring whether its services exist (the store checks those). */
export function dependencyAt(id: string, versions: readonly Fact[], t: Instant): DependencyState | null {
  const s = stateAt(versions, t);
  if (!s || s.present !== true) return null;
  const [from, to] = splitId(id);
  return {
    from,
    to,
    critical: s.critical !== false,
    rps: num(s.rps),
    timeoutMs: num(s.timeoutMs),
    protocol: str(s.protocol),
  };
}

export function deployAt(id: string, versions: readonly Fact[], t: Instant): DeployState | null {
  const s = stateAt(versions, t);
  if (!s || typeof s.service !== 'string' || typeof s.version !== 'string' || typeof s.startedAt !== 'number') return null;
  return {
    id,
    service: s.service,
    version: s.version,
    previousVersion: str(s.previousVersion),
    changes: strs(s.changes),
    rolloutPercent: num(s.rolloutPercent),
    status: (str(s.status) as DeployStatus | null) ?? 'in_progress',
    startedAt: s.startedAt,
    finishedAt: num(s.finishedAt),
    actor: str(s.actor),
    actorType: str(s.actorType),
    actorModel: str(s.actorModel),
    startKey: factSetting(versions, 'startedAt', t)?.key ?? '',
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

export function configValueAt(versions: readonly Fact[], t: Instant): ConfigValueState | null {
  const s = stateAt(versions, t);
  if (!s || typeof s.service !== 'string' || typeof s.key !== 'string' || s.value === undefined) return null;
  return { service: s.service, key: s.key, value: s.value, change: str(s.change) ?? '', since: attrSince(versions, 'change', t) ?? 0 };
}

export function configChangeAt(id: string, versions: readonly Fact[], t: Instant): ConfigChangeState | null {
  const f = versions.find((v) => v.recordedAt <= t.knownAt && v.validFrom <= t.at);
  if (!f) return null;
  const s = f.attrs;
  return {
    id,
    service: str(s.service) ?? '',
    key: str(s.key) ?? '',
    value: s.value ?? null,
    previousValue: s.previousValue ?? null,
    dependency: str(s.dependency),
    services: strs(s.services),
    at: f.validFrom,
    actor: str(s.actor),
    actorType: str(s.actorType),
  };
}

export function alertAt(id: string, versions: readonly Fact[], t: Instant): AlertState | null {
  const s = stateAt(versions, t);
  if (!s || typeof s.service !== 'string' || typeof s.firedAt !== 'number') return null;
  const active = s.active === true;
  return {
    id,
    service: s.service,
    signal: str(s.signal) ?? 'unknown',
    severity: str(s.severity),
    value: num(s.value),
    summary: str(s.summary),
    dependency: str(s.dependency),
    active,
    firedAt: active ? (attrSince(versions, 'active', t) ?? s.firedAt) : s.firedAt,
    resolvedAt: active ? null : num(s.resolvedAt),
  };
}

export function incidentAt(id: string, versions: readonly Fact[], t: Instant): IncidentState | null {
  const s = stateAt(versions, t);
  if (!s || typeof s.openedAt !== 'number') return null;
  const open = s.open === true;
  return {
    id,
    services: strs(s.services),
    title: str(s.title),
    severity: str(s.severity),
    open,
    openedAt: s.openedAt,
    resolvedAt: open ? null : num(s.resolvedAt),
    rootCause: ref(s.rootCause),
    chain: Array.isArray(s.chain) ? s.chain.map(ref).filter((r): r is EntityRef => r !== null) : [],
  };
}

export function causalLinkAt(versions: readonly Fact[], t: Instant): CausalLinkState | null {
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
