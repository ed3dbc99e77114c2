/**
 * Slice reads over the embedded indexes: each answers one question at an instant by binary
 * searches over the versions it touches, never by scanning the whole history.
 */
import { attrsAsRecorded } from '../../model/apply.js';
import { type Fact, splitEventKey, splitId } from '../../model/facts.js';
import { factsBetween, type Instant, upperBound } from '../../model/time.js';
import {
  alertAt,
  type AlertState,
  causalLinkAt,
  type CausalLinkState,
  configChangeAt,
  type ConfigChangeState,
  configValueAt,
  type ConfigValueState,
  dependencyAt,
  type DependencyState,
  deployAt,
  type DeployState,
  incidentAt,
  type IncidentState,
  presentAt,
  runningDeploy,
  serviceAt,
  type ServiceState,
} from '../../model/views.js';
import type { Change, Direction, GraphSnapshot, Neighbourhood, ServiceDetail } from '../graph-store.js';
import type { GraphIndex } from './graph-index.js';

const NONE: ReadonlySet<string> = new Set();

export class Slices {
  constructor(private readonly ix: GraphIndex) {}

  serviceState(id: string, t: Instant): ServiceState | null {
    const v = this.ix.versions('service', id);
    return v ? serviceAt(id, v, t) : null;
  }

  servicePresent(id: string, t: Instant): boolean {
    const v = this.ix.versions('service', id);
    return v !== undefined && presentAt(v, t);
  }

  /** A dependency is visible while it is upserted and both its services exist. */
  dependencyState(id: string, t: Instant): DependencyState | null {
    const v = this.ix.versions('dependency', id);
    if (!v) return null;
    const d = dependencyAt(id, v, t);
    return d && this.servicePresent(d.from, t) && this.servicePresent(d.to, t) ? d : null;
  }

  graphAt(t: Instant): GraphSnapshot {
    const services: ServiceState[] = [];
    for (const [id, v] of this.ix.entities.service) {
      const s = serviceAt(id, v, t);
      if (s) services.push(s);
    }
    const dependencies: DependencyState[] = [];
    for (const id of this.ix.entities.dependency.keys()) {
      const d = this.dependencyState(id, t);
      if (d) dependencies.push(d);
    }
    // Stable answers whatever the arrival order (and after a snapshot restore).
    services.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    dependencies.sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : a.to < b.to ? -1 : a.to > b.to ? 1 : 0));
    return { services, dependencies };
  }

  edges(service: string, dir: 'out' | 'in', t: Instant): DependencyState[] {
    const out: DependencyState[] = [];
    for (const id of (dir === 'out' ? this.ix.out : this.ix.in).get(service) ?? NONE) {
      const d = this.dependencyState(id, t);
      if (d) out.push(d);
    }
    return out;
  }

  deploysOf(service: string, t: Instant): DeployState[] {
    const out: DeployState[] = [];
    for (const id of this.ix.deploysOf.get(service) ?? NONE) {
      const d = deployAt(id, this.ix.versions('deploy', id) ?? [], t);
      if (d && d.service === service && d.startedAt <= t.at) out.push(d);
    }
    return out;
  }

  serviceDetail(id: string, t: Instant): ServiceDetail | null {
    const service = this.serviceState(id, t);
    if (!service) return null;
    const config: ConfigValueState[] = [];
    for (const cid of this.ix.configValuesOf.get(id) ?? NONE) {
      const c = configValueAt(this.ix.versions('configValue', cid) ?? [], t);
      if (c) config.push(c);
    }
    config.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const activeAlerts: AlertState[] = [];
    for (const aid of this.ix.alertsOf.get(id) ?? NONE) {
      const a = alertAt(aid, this.ix.versions('alert', aid) ?? [], t);
      if (a?.active && a.service === id) activeAlerts.push(a);
    }
    activeAlerts.sort((a, b) => a.firedAt - b.firedAt || (a.id < b.id ? -1 : 1));
    return {
      service,
      running: runningDeploy(this.deploysOf(id, t)),
      config,
      activeAlerts,
      dependsOn: this.edges(id, 'out', t),
      dependedOnBy: this.edges(id, 'in', t),
    };
  }

  /** Breadth-first to `depth` hops over dependencies visible at `t`; each service at its fewest hops. */
  neighbourhood(center: string, t: Instant, depth: number, direction: Direction): Neighbourhood | null {
    const first = this.serviceState(center, t);
    if (!first) return null;
    const depthOf = new Map<string, number>([[center, 0]]);
    const services = [{ service: first, depth: 0 }];
    const dependencies: DependencyState[] = [];
    const seenDeps = new Set<string>();
    let frontier = [center];
    for (let d = 1; d <= depth && frontier.length > 0; d++) {
      const next: string[] = [];
      for (const s of frontier) {
        for (const dir of direction === 'both' ? (['out', 'in'] as const) : [direction]) {
          for (const id of (dir === 'out' ? this.ix.out : this.ix.in).get(s) ?? NONE) {
            if (seenDeps.has(id)) continue;
            const dep = this.dependencyState(id, t);
            if (!dep) continue;
            seenDeps.add(id);
            dependencies.push(dep);
            const other = dir === 'out' ? dep.to : dep.from;
            if (depthOf.has(other)) continue;
            depthOf.set(other, d);
            const st = this.serviceState(other, t);
            if (st) services.push({ service: st, depth: d });
            next.push(other);
          }
        }
      }
      frontier = next;
    }
    return { center, services, dependencies };
  }

  private servicesOfFact(f: Fact): string[] {
    const a = f.attrs;
    switch (f.kind) {
      case 'service':
        return [f.id];
      case 'dependency':
        return splitId(f.id);
      case 'incident':
        return Array.isArray(a.services) ? a.services.filter((s): s is string => typeof s === 'string') : [];
      case 'deploy':
      case 'alert':
      case 'action': {
        // A finish or resolve fact names no service: it belongs to the entity's service.
        if (typeof a.service === 'string') return [a.service];
        const kind = f.kind;
        const v = this.ix.versions(kind, f.id) ?? [];
        const s = v.find((x) => typeof x.attrs.service === 'string')?.attrs.service;
        return typeof s === 'string' ? [s] : [];
      }
      default: {
        const out: string[] = [];
        for (const s of [a.service, a.dependency, ...(Array.isArray(a.services) ? a.services : [])]) {
          if (typeof s === 'string' && !out.includes(s)) out.push(s);
        }
        return out;
      }
    }
  }

  private toChange(f: Fact): Change {
    const { source, id } = splitEventKey(f.key);
    return {
      at: f.validFrom,
      recordedAt: f.recordedAt,
      kind: f.kind,
      entity: f.id,
      type: f.type,
      source,
      eventId: id,
      services: this.servicesOfFact(f),
      attrs: attrsAsRecorded(f),
    };
  }

  changes(from: number, to: number, knownAt: number, service?: string): Change[] {
    const tl = this.ix.timeline;
    const out: Change[] = [];
    // configValue facts restate their config change per consumer; the change itself is listed.
    const keep = (f: Fact): boolean => f.kind !== 'configValue' && f.recordedAt <= knownAt;
    if (service === undefined) {
      for (let i = upperBound(tl, from - 1); i < tl.length && (tl[i] as Fact).validFrom <= to; i++) {
        const f = tl[i] as Fact;
        if (keep(f)) out.push(this.toChange(f));
      }
      return out;
    }
    const touching: [Parameters<GraphIndex['versions']>[0], Iterable<string>][] = [
      ['service', [service]],
      ['dependency', [...(this.ix.out.get(service) ?? NONE), ...(this.ix.in.get(service) ?? NONE)]],
      ['deploy', this.ix.deploysOf.get(service) ?? NONE],
      ['config', this.ix.configChangesOf.get(service) ?? NONE],
      ['alert', this.ix.alertsOf.get(service) ?? NONE],
      ['action', this.ix.actionsOf.get(service) ?? NONE],
    ];
    const facts: Fact[] = [];
    for (const [kind, ids] of touching) {
      for (const id of ids) facts.push(...factsBetween(this.ix.versions(kind, id) ?? [], from, to, knownAt));
    }
    for (const [id, v] of this.ix.entities.incident) {
      for (const f of factsBetween(v, from, to, knownAt)) {
        if (this.servicesOfFact(f).includes(service) || incidentAt(id, v, { at: to, knownAt })?.services.includes(service)) facts.push(f);
      }
    }
    facts.sort((a, b) => a.validFrom - b.validFrom || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return facts.filter(keep).map((f) => this.toChange(f));
  }

  deploy(id: string, t: Instant): DeployState | null {
    const v = this.ix.versions('deploy', id);
    const d = v ? deployAt(id, v, t) : null;
    return d && d.startedAt <= t.at ? d : null;
  }

  deploysBetween(services: readonly string[], from: number, t: Instant): DeployState[] {
    return services
      .flatMap((s) => this.deploysOf(s, t).filter((d) => d.startedAt >= from))
      .sort((a, b) => a.startedAt - b.startedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  configChangesBetween(services: readonly string[], from: number, t: Instant): ConfigChangeState[] {
    const ids = new Set<string>();
    for (const s of services) for (const id of this.ix.configChangesOf.get(s) ?? NONE) ids.add(id);
    const out: ConfigChangeState[] = [];
    for (const id of ids) {
      const c = configChangeAt(id, this.ix.versions('config', id) ?? [], t);
      if (c && c.at >= from) out.push(c);
    }
    return out.sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : 1));
  }

  alertsBetween(services: readonly string[], from: number, t: Instant): AlertState[] {
    const out: AlertState[] = [];
    for (const s of services) {
      for (const id of this.ix.alertsOf.get(s) ?? NONE) {
        const a = alertAt(id, this.ix.versions('alert', id) ?? [], t);
        if (a && a.service === s && a.firedAt >= from) out.push(a);
      }
    }
    return out.sort((a, b) => a.firedAt - b.firedAt || (a.id < b.id ? -1 : 1));
  }

  incident(id: string, t: Instant): IncidentState | null {
    const v = this.ix.versions('incident', id);
    return v ? incidentAt(id, v, t) : null;
  }

  incidents(t: Instant): IncidentState[] {
    const out: IncidentState[] = [];
    for (const [id, v] of this.ix.entities.incident) {
      const i = incidentAt(id, v, t);
      if (i) out.push(i);
    }
    return out.sort((a, b) => a.openedAt - b.openedAt || (a.id < b.id ? -1 : 1));
  }

  causalLinks(t: Instant): CausalLinkState[] {
    const out: CausalLinkState[] = [];
    for (const v of this.ix.entities.causal.values()) {
      const c = causalLinkAt(v, t);
      if (c) out.push(c);
    }
    return out;
  }
}
