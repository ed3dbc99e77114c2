/**
 * Episodes of production life: one deploy with its finish, one alert that fires and resolves, one
 * incident with its cause, symptoms, mitigation and postmortem. Each returns its events with their
 * valid times; the scheduler interleaves them. Incidents carry their true root cause and chain, so
 * root-cause benchmarks can score against them.
 */
import type { CloudEventInput, EntityRef } from '../schema/events.js';
import { type Actor, type EventFactory, HOUR, MINUTE } from './event-factory.js';
import type { Random } from './random.js';
import type { Layer, ServiceSpec } from './topology.js';
import type { ConfigValue, World } from './world.js';

export type Planned = [at: number, event: CloudEventInput];

export interface EpisodeContext {
  world: World;
  r: Random;
  f: EventFactory;
  ids: { alert: number; deploy: number; change: number; incident: number };
  /** The end of the history: nothing is planned after it. */
  horizon: number;
}

export const EPISODE_KINDS = [
  'alert', 'deploy', 'config', 'dependencyDrift', 'dependencyAdded', 'dependencyRemoved', 'serviceChange', 'retirement', 'incident',
] as const;
export type EpisodeKind = (typeof EPISODE_KINDS)[number];

/** Roughly how many events each kind makes, to pace the clock; the most any episode makes is MAX_EPISODE_EVENTS. */
export const EVENTS_PER_EPISODE: Record<EpisodeKind, number> = {
  alert: 2, deploy: 2.1, config: 1, dependencyDrift: 1, dependencyAdded: 1, dependencyRemoved: 1, serviceChange: 1, retirement: 1.6, incident: 12,
};
export const MAX_EPISODE_EVENTS = 24;

const HUMANS = ['alice', 'bruno', 'chen', 'dana', 'emeka', 'farah', 'goran', 'hiro', 'ines', 'jonas', 'kofi', 'lena'];
const DEPLOYABLE: readonly Layer[] = ['domain', 'domain', 'domain', 'gateway', 'function', 'edge'];
const VERBS = ['add', 'fix', 'refactor', 'bump', 'tune', 'remove', 'migrate', 'cache'];
const OBJECTS = [
  'retry budget', 'grpc client to 1.62', 'N+1 query in listing', 'feature flag plumbing', 'connection pool sizing', 'protobuf schema',
  'log noise', 'pagination cursor', 'idempotency keys', 'health check path', 'JSON serializer', 'batch size', 'tracing spans',
];
const FLAGS = ['new-checkout-flow', 'async-invoices', 'dark-mode', 'smart-retries', 'edge-caching', 'bulk-pricing', 'v2-search-ranking'];

const actorOf = (r: Random): Actor => {
  const x = r.next();
  if (x < 0.65) return { actor: 'argo-cd', actortype: 'system' };
  if (x < 0.93) return { actor: `${r.pick(HUMANS)}@shop.example`, actortype: 'human' };
  return { actor: 'sre-agent', actortype: 'agent', actormodel: 'claude-sonnet-4-5' };
};
const humanOrAgent = (r: Random): Actor =>
  r.chance(0.85) ? { actor: `${r.pick(HUMANS)}@shop.example`, actortype: 'human' } : { actor: 'sre-agent', actortype: 'agent', actormodel: 'claude-sonnet-4-5' };

const svc = (id: string): EntityRef => ({ kind: 'service', id });

function signalFor(r: Random, s: ServiceSpec): string {
  switch (s.layer) {
    case 'database':
      return r.pick(['saturation', 'latency', 'saturation', 'errors']);
    case 'cache':
      return r.pick(['latency', 'evictions', 'saturation']);
    case 'queue':
      return r.pick(['lag', 'saturation']);
    default:
      return r.pick(['latency', 'errors', 'latency', 'errors', 'saturation', 'traffic', 'availability']);
  }
}

function valueFor(r: Random, signal: string): { value: number; summary: (s: string) => string } {
  switch (signal) {
    case 'latency': {
      const v = Math.round(r.between(300, 4000));
      return { value: v, summary: (s) => `p99 latency ${v}ms on ${s}` };
    }
    case 'errors': {
      const v = Math.round(r.between(1, 40) * 10) / 10;
      return { value: v, summary: (s) => `${v}% of requests to ${s} fail` };
    }
    case 'traffic': {
      const v = Math.round(r.between(1.5, 6) * 10) / 10;
      return { value: v, summary: (s) => `${s} traffic at ${v}x its weekly baseline` };
    }
    case 'lag': {
      const v = Math.round(r.between(1_000, 500_000));
      return { value: v, summary: (s) => `consumer lag of ${v} messages on ${s}` };
    }
    default: {
      const v = Math.round(r.between(80, 100));
      return { value: v, summary: (s) => `${signal} at ${v}% on ${s}` };
    }
  }
}

interface AlertPlan {
  service: ServiceSpec;
  signal: string;
  severity: 'critical' | 'warning' | 'info';
  dependency?: string;
  at: number;
}

/** An alert fired at `a.at`: returns its id and the fired event (the caller schedules the resolve). */
function fire(c: EpisodeContext, a: AlertPlan): { id: string; event: Planned } {
  const id = `alert-${++c.ids.alert}`;
  const { value, summary } = valueFor(c.r, a.signal);
  const data = {
    alert: id,
    service: a.service.id,
    signal: a.signal,
    severity: a.severity,
    value,
    summary: summary(a.dependency ? `${a.service.id} -> ${a.dependency}` : a.service.id),
    ...(a.dependency ? { dependency: a.dependency } : {}),
  };
  return { id, event: [a.at, c.f.make('alert.fired', a.at, 'alertmanager', data, a.service.id)] };
}

const resolve = (c: EpisodeContext, id: string, at: number, service: string): Planned => [
  at,
  c.f.make('alert.resolved', at, 'alertmanager', { alert: id }, service),
];

export function alertEpisode(c: EpisodeContext, t0: number): Planned[] {
  const { r, world } = c;
  const s = r.chance(0.3) ? r.pick(world.flappy) : world.pick(t0);
  if (!s || !world.isPresent(s.id, t0)) return [];
  const callees = r.chance(0.25) ? world.callees(s.id, t0) : [];
  const dependency = callees.length > 0 ? r.pick(callees).to : undefined;
  const severity = r.weighted(['warning', 'info', 'critical'] as const, [60, 25, 15]);
  const { id, event } = fire(c, { service: s, signal: signalFor(r, s), severity, at: t0, ...(dependency ? { dependency } : {}) });
  return [event, resolve(c, id, t0 + MINUTE + r.exponential(12 * MINUTE), s.id)];
}

function deployStarted(c: EpisodeContext, s: ServiceSpec, at: number, keep: boolean, changes: string[]): { id: string; event: Planned } {
  const id = `deploy-${++c.ids.deploy}`;
  const { version, previousVersion } = c.world.nextVersion(s.id, keep);
  const rolloutPercent = c.r.chance(0.8) ? 100 : c.r.pick([10, 25, 50]);
  const data = { deploy: id, service: s.id, version, previousVersion, changes, rolloutPercent };
  return { id, event: [at, c.f.make('deploy.started', at, 'argo-cd/prod', data, s.id, actorOf(c.r))] };
}

const changeList = (r: Random): string[] =>
  Array.from({ length: r.int(1, 3) }, () => `PR #${r.int(1000, 99_999)}: ${r.pick(VERBS)} ${r.pick(OBJECTS)}`);

const finished = (c: EpisodeContext, id: string, at: number, service: string, status: 'succeeded' | 'failed' | 'rolled_back'): Planned => [
  at,
  c.f.make('deploy.finished', at, 'argo-cd/prod', { deploy: id, status }, service),
];

export function deployEpisode(c: EpisodeContext, t0: number): Planned[] {
  const { r, world } = c;
  const s = r.chance(0.92) ? world.pick(t0, DEPLOYABLE) : world.pick(t0, ['database', 'cache', 'queue']);
  if (!s) return [];
  const status = r.weighted(['succeeded', 'failed', 'rolled_back'] as const, [92, 3, 5]);
  const started = deployStarted(c, s, t0, status !== 'succeeded', changeList(r));
  const out: Planned[] = [started.event];
  const end = t0 + r.between(2, 25) * MINUTE;
  if (status === 'rolled_back' && r.chance(0.5)) {
    // A bad deploy caught by its canary: a short real alert, not an incident.
    const a = fire(c, { service: s, signal: r.pick(['errors', 'latency']), severity: 'warning', at: t0 + (end - t0) / 2 });
    out.push(a.event, resolve(c, a.id, end + r.between(1, 5) * MINUTE, s.id));
  }
  out.push(finished(c, started.id, end, s.id, status));
  return out;
}

interface ConfigPlan {
  service: ServiceSpec;
  key: string;
  value: ConfigValue;
  dependency?: string;
  services?: string[];
  source?: string;
}

function configChange(c: EpisodeContext, p: ConfigPlan, at: number, actor: Actor): { id: string; event: Planned } {
  const id = `change-${++c.ids.change}`;
  const previousValue = c.world.configValue(p.service.id, p.key);
  const data = {
    change: id,
    service: p.service.id,
    key: p.key,
    value: p.value,
    ...(previousValue === undefined ? {} : { previousValue }),
    ...(p.dependency ? { dependency: p.dependency } : {}),
    ...(p.services && p.services.length > 0 ? { services: p.services } : {}),
  };
  c.world.setConfig([p.service.id, ...(p.services ?? [])], p.key, p.value);
  return { id, event: [at, c.f.make('config.changed', at, p.source ?? 'config-service', data, p.service.id, actor)] };
}

/** A setting that governs one of `s`'s calls, or one of its own; undefined when none fits. */
function configPlan(c: EpisodeContext, s: ServiceSpec, at: number): ConfigPlan {
  const { r, world } = c;
  const callees = world.callees(s.id, at);
  const to = (layer: Layer) => {
    const l = callees.filter((d) => world.services.get(d.to)?.layer === layer);
    return l.length > 0 ? r.pick(l).to : undefined;
  };
  const kind = r.weighted(['timeout', 'pool', 'ttl', 'flag', 'replicas', 'retry', 'log'] as const, [25, 12, 10, 20, 15, 10, 8]);
  const db = to('database');
  const cache = to('cache');
  const callee = callees.length > 0 ? r.pick(callees).to : undefined;
  if (kind === 'pool' && db) return { service: s, key: `db.${db}.pool.max_connections`, value: r.int(2, 40) * 5, dependency: db };
  if (kind === 'ttl' && cache) return { service: s, key: `cache.${cache}.ttl_seconds`, value: r.pick([30, 60, 300, 900, 3600]), dependency: cache };
  if ((kind === 'timeout' || kind === 'retry') && callee) {
    return kind === 'timeout'
      ? { service: s, key: `clients.${callee}.timeout_ms`, value: r.pick([250, 500, 1000, 2000, 3000, 5000]), dependency: callee }
      : { service: s, key: `clients.${callee}.retry.max_attempts`, value: r.int(1, 5), dependency: callee };
  }
  if (kind === 'flag') {
    // Flags are shared: one change flips them for a handful of services of the same domain.
    const peers = (world.pools.byLayerDomain.get(`domain/${s.domain}`) ?? []).filter((p) => p.id !== s.id && world.isPresent(p.id, at));
    const services = r.shuffled(peers).slice(0, r.int(0, 4)).map((p) => p.id);
    return { service: s, key: `feature.${r.pick(FLAGS)}`, value: r.chance(0.6), services, source: 'launchdarkly' };
  }
  if (kind === 'log') return { service: s, key: 'log.level', value: r.pick(['info', 'debug', 'warn']) };
  return { service: s, key: 'autoscaling.min_replicas', value: r.int(2, 40) };
}

export function configEpisode(c: EpisodeContext, t0: number): Planned[] {
  const s = c.world.pick(t0, ['domain', 'domain', 'gateway', 'edge', 'function']) ?? c.world.pick(t0);
  if (!s) return [];
  return [configChange(c, configPlan(c, s, t0), t0, actorOf(c.r)).event];
}

export function dependencyDriftEpisode(c: EpisodeContext, t0: number): Planned[] {
  const { r } = c;
  const d = c.world.pickDependency(t0);
  if (!d) return [];
  d.rps = Math.max(0.01, Math.round(d.rps * r.between(0.8, 1.25) * 100) / 100);
  const retime = r.chance(0.2);
  if (retime) d.timeoutMs = Math.max(10, Math.round(d.timeoutMs * r.pick([0.5, 2])));
  const data = { from: d.from, to: d.to, rps: d.rps, ...(retime ? { timeoutMs: d.timeoutMs } : {}) };
  return [[t0, c.f.make('dependency.upserted', t0, 'istio/mesh', data, d.from)]];
}

export function dependencyAddedEpisode(c: EpisodeContext, t0: number, candidate: () => [ServiceSpec, ServiceSpec] | undefined): Planned[] {
  const { r, world } = c;
  for (let i = 0; i < 10; i++) {
    const pair = candidate();
    if (!pair) continue;
    const [from, to] = pair;
    const known = world.dependency(from.id, to.id);
    if (from.id === to.id || known?.present || !world.isPresent(from.id, t0) || !world.isPresent(to.id, t0)) continue;
    const d = world.addDependency({
      from: from.id,
      to: to.id,
      critical: r.chance(0.6),
      rps: Math.round(r.between(0.5, 200) * 100) / 100,
      timeoutMs: r.pick([250, 500, 1000, 2000]),
      protocol: to.engine ?? (to.layer === 'external' ? 'https' : 'grpc'),
    });
    const data = { from: d.from, to: d.to, critical: d.critical, rps: d.rps, timeoutMs: d.timeoutMs, protocol: d.protocol };
    return [[t0, c.f.make('dependency.upserted', t0, 'istio/mesh', data, d.from)]];
  }
  return [];
}

export function dependencyRemovedEpisode(c: EpisodeContext, t0: number): Planned[] {
  // Only calls whose callee keeps another caller go, so nothing becomes unreachable.
  const d = c.world.pickDependency(t0, (x) => c.world.callers(x.to, t0).length > 1);
  if (!d) return [];
  d.present = false;
  return [[t0, c.f.make('dependency.removed', t0, 'istio/mesh', { from: d.from, to: d.to }, d.from)]];
}

export function serviceChangeEpisode(c: EpisodeContext, t0: number): Planned[] {
  const { r } = c;
  const s = c.world.pick(t0);
  if (!s) return [];
  const what = r.weighted(['team', 'tier', 'slo', 'tags'] as const, [35, 20, 20, 25]);
  if (what === 'team') s.team = `${s.domain}-squad-${r.int(1, 4)}`;
  if (what === 'tier') s.tier = Math.min(4, Math.max(1, s.tier + r.pick([-1, 1])));
  if (what === 'slo') s.slo = { objective: r.pick([0.99, 0.995, 0.999, 0.9995]), windowDays: s.slo.windowDays };
  if (what === 'tags') s.tags = [...s.tags.filter((t) => !t.startsWith('oncall=')), `oncall=${r.pick(HUMANS)}`];
  const data = { service: s.id, [what]: s[what] };
  return [[t0, c.f.make('service.upserted', t0, 'backstage/catalog', data, s.id, { actor: 'backstage', actortype: 'system' })]];
}

/** A leaf-ish service is retired; most come back later (a rollback of the retirement or a revival). */
export function retirementEpisode(c: EpisodeContext, t0: number): Planned[] {
  const { r, world, f } = c;
  const s = world.pick(t0, ['domain', 'function'], (x) => x.layer === 'function' || x.level >= 3);
  if (!s) return [];
  const revival = t0 + r.between(2 * HOUR, 72 * HOUR);
  const back = r.chance(0.6) && revival < c.horizon ? revival : Infinity;
  world.retire(s.id, back);
  const out: Planned[] = [[t0, f.make('service.retired', t0, 'backstage/catalog', { service: s.id }, s.id, humanOrAgent(r))]];
  if (back !== Infinity) out.push([back, f.make('service.upserted', back, 'backstage/catalog', { service: s.id, name: s.id }, s.id, humanOrAgent(r))]);
  return out;
}

/** Callers from `fault` upward, following critical calls where it can: how a failure travels to users. */
function symptomPath(c: EpisodeContext, fault: ServiceSpec, at: number, hops: number): ServiceSpec[] {
  const path = [fault];
  for (let h = 0; h < hops; h++) {
    const cur = path[path.length - 1] as ServiceSpec;
    const callers = c.world.callers(cur.id, at).filter((d) => !path.some((p) => p.id === d.from));
    if (callers.length === 0) break;
    const critical = callers.filter((d) => d.critical);
    const next = c.world.services.get(c.r.pick(critical.length > 0 && c.r.chance(0.85) ? critical : callers).from);
    if (!next) break;
    path.push(next);
    // Users notice at the edge, or often already at the BFF in front of them.
    if (next.layer === 'edge' || (next.layer === 'gateway' && c.r.chance(0.6))) break;
  }
  return path;
}

/** A value that undoes `bad` when nothing was recorded before it. */
const restoring = (bad: ConfigValue): ConfigValue =>
  typeof bad === 'number' ? bad * 4 : typeof bad === 'boolean' ? !bad : bad === 'debug' ? 'info' : 'debug';

type Cause = 'deploy' | 'config' | 'capacity' | 'external';
const FAULT_LAYERS: Record<Cause, readonly Layer[]> = {
  deploy: ['domain', 'domain', 'domain', 'gateway'],
  config: ['domain', 'domain', 'gateway'],
  capacity: ['database', 'database', 'cache', 'queue'],
  external: ['external'],
};

/**
 * An incident: a cause (a deploy, a config change, or a failure with no recorded change), alerts
 * climbing the call graph, a page, a mitigation and a postmortem naming the root cause and chain.
 */
export function incidentEpisode(c: EpisodeContext, t0: number): Planned[] {
  const { r, world, f } = c;
  const cause = r.weighted(['deploy', 'config', 'capacity', 'external'] as const, [50, 25, 15, 10]);
  const fault = world.pick(t0, FAULT_LAYERS[cause], (s) => world.callers(s.id, t0).length > 0);
  if (!fault) return [];
  const path = symptomPath(c, fault, t0, r.int(1, 4));
  if (path.length < 2) return [];
  const top = path[path.length - 1] as ServiceSpec;
  const out: Planned[] = [];

  if (r.chance(0.3)) {
    // A harmless deploy near the fault shortly before: the red herring every on-call meets.
    const near = world.callees(top.id, t0).map((d) => world.services.get(d.to)).find((s) => s && s.id !== fault.id && s.layer !== 'external');
    if (near) {
      const d = deployStarted(c, near, t0, false, changeList(r));
      out.push(d.event, finished(c, d.id, t0 + r.between(3, 10) * MINUTE, near.id, 'succeeded'));
    }
  }
  const tc = t0 + r.between(5, 40) * MINUTE;
  let causeRef: EntityRef | null = null;
  let badConfig: ConfigPlan | null = null;
  let goodValue: ConfigValue = 0;
  let deployId = '';
  if (cause === 'deploy') {
    const d = deployStarted(c, fault, tc, true, [...changeList(r), `PR #${r.int(1000, 99_999)}: ${r.pick(['rewrite', 'parallelise', 'inline'])} ${r.pick(OBJECTS)}`]);
    deployId = d.id;
    causeRef = { kind: 'deploy', id: d.id };
    out.push(d.event);
    if (r.chance(0.6)) out.push(finished(c, d.id, tc + r.between(3, 6) * MINUTE, fault.id, 'succeeded'));
  } else if (cause === 'config') {
    badConfig = configPlan(c, fault, tc);
    goodValue = world.configValue(fault.id, badConfig.key) ?? restoring(badConfig.value);
    const ch = configChange(c, badConfig, tc, humanOrAgent(r));
    causeRef = { kind: 'config', id: ch.id };
    out.push(ch.event);
  }

  const alertIds: [string, string][] = [];
  let t = tc + r.between(2, 8) * MINUTE;
  if (cause === 'capacity') {
    const a = fire(c, { service: top, signal: 'traffic', severity: 'warning', at: tc });
    alertIds.push([a.id, top.id]);
    out.push(a.event);
  }
  for (const [i, s] of path.entries()) {
    if (i === 0 && cause === 'external') continue; // a vendor sends no alerts; its callers do
    const plan: AlertPlan =
      i === 0
        ? { service: s, signal: cause === 'capacity' ? 'saturation' : r.pick(['errors', 'latency']), severity: 'critical', at: t }
        : { service: s, signal: r.pick(['errors', 'latency']), severity: s === top ? 'critical' : 'warning', dependency: (path[i - 1] as ServiceSpec).id, at: t };
    const a = fire(c, plan);
    alertIds.push([a.id, s.id]);
    out.push(a.event);
    t += r.between(1, 3) * MINUTE;
  }
  const incident = `INC-${10_000 + ++c.ids.incident}`;
  const opened = t + r.between(1, 5) * MINUTE;
  const symptoms = [top, ...path.slice(1, -1).reverse(), ...(r.chance(0.5) ? [fault] : [])].map((s) => s.id);
  out.push([
    opened,
    f.make('incident.opened', opened, 'pagerduty', { incident, services: symptoms, title: `${top.id}: users see ${r.pick(['errors', 'slow pages', 'timeouts'])}`, severity: r.pick(['sev1', 'sev2', 'sev2', 'sev3']) }, top.id),
  ]);

  const mitigated = opened + r.between(5, 25) * MINUTE;
  if (cause === 'deploy') out.push(finished(c, deployId, mitigated, fault.id, 'rolled_back'));
  else if (badConfig) {
    out.push(configChange(c, { ...badConfig, value: goodValue }, mitigated, humanOrAgent(r)).event);
  } else if (cause === 'capacity') {
    out.push(configChange(c, { service: fault, key: 'autoscaling.min_replicas', value: r.int(10, 60) }, mitigated, humanOrAgent(r)).event);
  }
  let last = mitigated;
  for (const [id, s] of alertIds) {
    const at = mitigated + r.between(2, 10) * MINUTE;
    last = Math.max(last, at);
    out.push(resolve(c, id, at, s));
  }
  const closed = last + r.between(5, 30) * MINUTE;
  const chain = [...(causeRef ? [causeRef] : []), ...path.map((s) => svc(s.id))];
  out.push([closed, f.make('incident.resolved', closed, 'postmortem-ui', { incident, rootCause: chain[0], chain }, top.id, humanOrAgent(r))]);
  return out;
}
