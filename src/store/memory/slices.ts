/**
 * Slice reads over the embedded indexes: each answers one question at an instant by binary
 * searches over the versions it touches, never by scanning the whole history.
 */
import { attrsAsRecorded } from '../../model/apply.js';
import { type Fact, type FactKind, splitEventKey } from '../../model/facts.js';
import { type Instant, upperBound, type Versions } from '../../model/time.js';
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
import { Adjacency } from './adjacency.js';
import { withRoom } from './fact-columns.js';
import { type GraphIndex, RECORDED_BLOCK } from './graph-index.js';
import { VersionStates } from './version-states.js';
import { byId } from '../../model/order.js';


/**
 * Kept states are handed to every read that lands on them rather than copied per read (a hub's
 * traversal returns thousands, and the copies made the young-generation collections that set its
 * p99), so they are frozen: a caller that tried to change one would throw, not change it for all.
 */
function frozenService(s: ServiceState | null): ServiceState | null {
  if (s === null) return null;
  Object.freeze(s.tags);
  if (s.slo) Object.freeze(s.slo);
  return Object.freeze(s);
}
const frozenDependency = (d: DependencyState | null): DependencyState | null => d && Object.freeze(d);

/**
 * Whether an entity has a fact valid in [from, t.at]. A change, deploy or alert with none has every
 * time it reports (`at`, `startedAt`, `firedAt`) before `from`, so the windowed reads skip it without
 * building its state: one binary search instead of a pass over its versions (the Neo4j store's
 * read-linked-between.cypher asks the same of its facts).
 */
function changedSince(v: Versions, from: number, t: Instant): boolean {
  const last = upperBound(v, t.at) - 1;
  return last >= 0 && v.validFrom(last) >= from;
}

export class Slices {
  /**
   * Whether each service (by ordinal) exists at the instant of the current read, so that a
   * traversal or a whole-graph read decides it once per service, not once per dependency end. An
   * entry is the read's stamp times two, plus one when the service exists: one slot to look at,
   * and it counts only while its stamp is the current read's.
   */
  private presence = new Int32Array(0);
  private stamp = 0;
  /** Per read: services (by ordinal) reached and dependencies (by ordinal) taken by a traversal; entries count while their stamp is the read's. */
  private reached = new Int32Array(0);
  private taken = new Int32Array(0);
  /** Per service ordinal: the kept state `presentO` found in this read (undefined: it folded), valid while the presence stamp is the read's. */
  private readonly seen: (ServiceState | null | undefined)[] = [];
  private readonly adjacency: Adjacency;
  private readonly serviceStates: VersionStates<ServiceState>;
  private readonly dependencyStates: VersionStates<DependencyState>;

  constructor(private readonly ix: GraphIndex) {
    this.adjacency = new Adjacency(ix);
    this.serviceStates = new VersionStates(ix, 'service', (e, v, t) => frozenService(serviceAt(ix.idOf(e), v, t)));
    this.dependencyStates = new VersionStates(ix, 'dependency', (e, v, t) => frozenDependency(dependencyAt(ix.idOf(e), v, t, ix.endsOf(e))));
  }

  /** Starts a read at one instant: presence decided before it no longer counts. */
  private begin(): void {
    this.stamp++;
    if (this.stamp === 0x3fffffff) {
      this.stamp = 1;
      this.presence.fill(0);
      this.reached.fill(0);
      this.taken.fill(0);
    }
  }

  /** Whether service ordinal `o` exists at `t` (-1: a service with no facts). */
  private presentO(o: number, t: Instant): boolean {
    if (o < 0) return false;
    const mark = o < this.presence.length ? (this.presence[o] as number) : 0;
    if (mark >> 1 === this.stamp) return (mark & 1) === 1;
    const known = this.serviceStates.at(o, t);
    const present = known === undefined ? presentAt(this.ix.versionsOf(this.ix.entityOf('service', o)), t) : known !== null;
    this.remember(o, present, known);
    return present;
  }

  /** Records what this read found for service ordinal `o`: whether it exists, and its kept state (undefined: it was folded). */
  private remember(o: number, present: boolean, known: ServiceState | null | undefined): void {
    while (this.seen.length <= o) this.seen.push(undefined);
    this.seen[o] = known;
    this.presence = withRoom(this.presence, o + 1);
    this.presence[o] = this.stamp * 2 + (present ? 1 : 0);
  }

  private serviceO(o: number, t: Instant): ServiceState | null {
    if (o < 0) return null;
    const mark = o < this.presence.length ? (this.presence[o] as number) : 0;
    const decided = mark >> 1 === this.stamp;
    if (decided && (mark & 1) === 0) return null;
    const known = decided ? this.seen[o] : this.serviceStates.at(o, t);
    const s = known === undefined ? this.foldService(o, t) : known;
    this.remember(o, s !== null, known);
    return s;
  }

  private foldService(o: number, t: Instant): ServiceState | null {
    const e = this.ix.entityOf('service', o);
    return serviceAt(this.ix.idOf(e), this.ix.versionsOf(e), t);
  }

  private serviceE(e: number, t: Instant): ServiceState | null {
    return e < 0 ? null : this.serviceO(this.ix.ordinalOf(e), t);
  }

  serviceState(id: string, t: Instant): ServiceState | null {
    this.begin();
    return this.serviceE(this.ix.entity('service', id), t);
  }

  servicePresent(id: string, t: Instant): boolean {
    this.begin();
    const e = this.ix.entity('service', id);
    return e >= 0 && this.presentO(this.ix.ordinalOf(e), t);
  }

  /** A dependency (by ordinal) is visible while it is upserted and both its services exist. */
  private dependencyO(o: number, t: Instant): DependencyState | null {
    // Both ends first: cached per read, and a dependency of an absent service builds nothing.
    if (!this.presentO(this.ix.endService(o, 0), t) || !this.presentO(this.ix.endService(o, 1), t)) return null;
    const known = this.dependencyStates.at(o, t);
    if (known !== undefined) return known;
    const e = this.ix.entityOf('dependency', o);
    return dependencyAt(this.ix.idOf(e), this.ix.versionsOf(e), t, this.ix.endsOf(e));
  }

  private dependencyE(e: number, t: Instant): DependencyState | null {
    return this.dependencyO(this.ix.ordinalOf(e), t);
  }

  dependencyState(id: string, t: Instant): DependencyState | null {
    this.begin();
    const e = this.ix.entity('dependency', id);
    return e < 0 ? null : this.dependencyE(e, t);
  }

  graphAt(t: Instant): GraphSnapshot {
    this.begin();
    const services: ServiceState[] = [];
    // Both lists come out sorted by id (stable whatever the arrival order) from the index's cached order.
    for (const e of this.ix.sorted('service')) {
      const s = this.serviceE(e, t);
      if (s) services.push(s);
    }
    const dependencies: DependencyState[] = [];
    for (const e of this.ix.sorted('dependency')) {
      const d = this.dependencyE(e, t);
      if (d) dependencies.push(d);
    }
    return { services, dependencies };
  }

  private edgesE(service: string, dir: 'out' | 'in', t: Instant): DependencyState[] {
    const out: DependencyState[] = [];
    for (const e of this.ix.linked(dir, service)) {
      const d = this.dependencyE(e, t);
      if (d) out.push(d);
    }
    return out;
  }

  edges(service: string, dir: 'out' | 'in', t: Instant): DependencyState[] {
    this.begin();
    return this.edgesE(service, dir, t);
  }

  /** The service's deploys started by `t.at`, and at or after `from` where given. */
  deploysOf(service: string, t: Instant, from = Number.NEGATIVE_INFINITY): DeployState[] {
    const out: DeployState[] = [];
    for (const e of this.ix.linked('deploys', service)) {
      const v = this.ix.versionsOf(e);
      if (!changedSince(v, from, t)) continue;
      const d = deployAt(this.ix.idOf(e), v, t);
      if (d && d.service === service && d.startedAt >= from && d.startedAt <= t.at) out.push(d);
    }
    return out;
  }

  serviceDetail(id: string, t: Instant): ServiceDetail | null {
    this.begin();
    const service = this.serviceE(this.ix.entity('service', id), t);
    if (!service) return null;
    const config: ConfigValueState[] = [];
    for (const e of this.ix.linked('configValues', id)) {
      const c = configValueAt(this.ix.versionsOf(e), t);
      if (c) config.push(c);
    }
    config.sort((a, b) => byId(a.key, b.key));
    const activeAlerts: AlertState[] = [];
    for (const e of this.ix.linked('alerts', id)) {
      const a = alertAt(this.ix.idOf(e), this.ix.versionsOf(e), t);
      if (a?.active && a.service === id) activeAlerts.push(a);
    }
    activeAlerts.sort((a, b) => a.firedAt - b.firedAt || byId(a.id, b.id));
    return {
      service,
      running: runningDeploy(this.deploysOf(id, t)),
      config,
      activeAlerts,
      dependsOn: this.edgesE(id, 'out', t),
      dependedOnBy: this.edgesE(id, 'in', t),
    };
  }

  /** Breadth-first to `depth` hops over dependencies visible at `t`; each service at its fewest hops. */
  neighbourhood(center: string, t: Instant, depth: number, direction: Direction): Neighbourhood | null {
    this.begin();
    const c = this.ix.entity('service', center);
    if (c < 0) return null;
    const co = this.ix.ordinalOf(c);
    const first = this.serviceO(co, t);
    if (!first) return null;
    // Services and dependencies are marked by ordinal: a hub's traversal reaches thousands, and
    // dense arrays of one kind each stay in cache where arrays over every entity do not.
    const stamp = this.stamp;
    this.reached = withRoom(this.reached, this.ix.entities.service.size);
    this.taken = withRoom(this.taken, this.ix.entities.dependency.size);
    const reached = this.reached;
    const taken = this.taken;
    const adjacency = this.adjacency;
    reached[co] = stamp;
    const services = [{ service: first, depth: 0 }];
    const dependencies: DependencyState[] = [];
    const dirs: readonly ('out' | 'in')[] = direction === 'both' ? ['out', 'in'] : [direction];
    let frontier = [co];
    for (let d = 1; d <= depth && frontier.length > 0; d++) {
      const next: number[] = [];
      for (const s of frontier) {
        for (const dir of dirs) {
          const side = dir === 'out' ? 1 : 0;
          const slot = adjacency.slot(s, dir);
          const end = adjacency.start(slot) + adjacency.length(slot);
          for (let i = adjacency.start(slot); i < end; i++) {
            const o = adjacency.at(i);
            if (taken[o] === stamp) continue;
            const dep = this.dependencyO(o, t);
            // Compared with null, not tested for truth: that reads the object's map, a cache miss per dependency.
            if (dep === null) continue;
            taken[o] = stamp;
            dependencies.push(dep);
            // A visible dependency has both services present, so the other end is a service.
            const other = this.ix.endService(o, side);
            if (reached[other] === stamp) continue;
            reached[other] = stamp;
            const st = this.serviceO(other, t);
            if (st !== null) services.push({ service: st, depth: d });
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
        return [...this.ix.endsOf(this.ix.entity('dependency', f.id))];
      case 'incident':
        return Array.isArray(a.services) ? a.services.filter((s): s is string => typeof s === 'string') : [];
      case 'deploy':
      case 'alert':
      case 'action': {
        // A finish or resolve fact names no service: it belongs to the entity's service.
        if (typeof a.service === 'string') return [a.service];
        const v = this.ix.versionsOf(this.ix.entity(f.kind, f.id));
        for (let i = 0; i < v.length; i++) {
          const s = v.attrs(i).service;
          if (typeof s === 'string') return [s];
        }
        return [];
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

  private toChange(fact: number): Change {
    const f = this.ix.fact(fact);
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

  /** Fact numbers of one entity with valid time in [from, to], recorded by `knownAt`. */
  private factsBetween(e: number, from: number, to: number, knownAt: number, into: number[]): void {
    if (e < 0) return;
    const v = this.ix.versionsOf(e);
    for (let i = upperBound(v, from - 1); i < v.length; i++) {
      if (v.validFrom(i) > to) break;
      if (v.recordedAt(i) <= knownAt) into.push(v.at(i));
    }
  }

  changes(from: number, to: number, knownAt: number, service?: string): Change[] {
    const ix = this.ix;
    const cols = ix.facts;
    const out: Change[] = [];
    // configValue facts restate their config change per consumer; the change itself is listed.
    const keep = (f: number): boolean => ix.kindOf(cols.entity[f] as number) !== 'configValue' && (cols.recordedAt[f] as number) <= knownAt;
    if (service === undefined) {
      let lo = 0;
      let hi = ix.timelineSize;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if ((cols.validFrom[ix.timelineAt(mid)] as number) < from) lo = mid + 1;
        else hi = mid;
      }
      for (let i = lo; i < ix.timelineSize; i++) {
        const f = ix.timelineAt(i);
        if ((cols.validFrom[f] as number) > to) break;
        if (keep(f)) out.push(this.toChange(f));
      }
      return out;
    }
    const touching: [FactKind, readonly number[]][] = [
      ['dependency', [...ix.linked('out', service), ...ix.linked('in', service)]],
      ['deploy', ix.linked('deploys', service)],
      ['config', ix.linked('configChanges', service)],
      ['alert', ix.linked('alerts', service)],
      ['action', ix.linked('actions', service)],
    ];
    const facts: number[] = [];
    this.factsBetween(ix.entity('service', service), from, to, knownAt, facts);
    for (const [, entities] of touching) for (const e of entities) this.factsBetween(e, from, to, knownAt, facts);
    // Only incidents that ever named the service can hold it or name it in a fact.
    for (const e of ix.linked('incidents', service)) {
      const id = ix.idOf(e);
      const mine: number[] = [];
      this.factsBetween(e, from, to, knownAt, mine);
      if (mine.length === 0) continue;
      const holds = incidentAt(id, ix.versionsOf(e), { at: to, knownAt })?.services.includes(service) === true;
      for (const f of mine) if (holds || this.servicesOfFact(ix.fact(f)).includes(service)) facts.push(f);
    }
    facts.sort((a, b) => {
      const va = cols.validFrom[a] as number;
      const vb = cols.validFrom[b] as number;
      if (va !== vb) return va - vb;
      const ka = cols.key[a] as string;
      const kb = cols.key[b] as string;
      return ka < kb ? -1 : ka > kb ? 1 : 0;
    });
    return facts.filter(keep).map((f) => this.toChange(f));
  }

  /**
   * Changes recorded after `after`, oldest record first (one instant's by valid time, then key).
   * The scan starts at the first block of facts whose running latest recording time passes `after`
   * (`recordedUpToBlock`): exact however the facts are numbered, and short where they are numbered
   * about as they were recorded (the embedded store; a slice read from rows is short anyway).
   */
  changesRecordedAfter(after: number): Change[] {
    const ix = this.ix;
    const cols = ix.facts;
    const recorded = (f: number): number => cols.recordedAt[f] as number;
    const blocks = ix.recordedUpToBlock;
    let lo = 0;
    let hi = blocks.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((blocks[mid] as number) > after) hi = mid;
      else lo = mid + 1;
    }
    const first = lo * RECORDED_BLOCK;
    const facts: number[] = [];
    for (let f = first; f < cols.length; f++) if (recorded(f) > after && ix.kindOf(cols.entity[f] as number) !== 'configValue') facts.push(f);
    // Records of one instant by valid time, then key: the same order whatever numbering the slice has.
    const valid = (f: number): number => cols.validFrom[f] as number;
    const key = (f: number): string => cols.key[f] as string;
    facts.sort((a, b) => recorded(a) - recorded(b) || valid(a) - valid(b) || byId(key(a), key(b)));
    return facts.map((f) => this.toChange(f));
  }

  deploy(id: string, t: Instant): DeployState | null {
    const e = this.ix.entity('deploy', id);
    const d = e < 0 ? null : deployAt(id, this.ix.versionsOf(e), t);
    return d && d.startedAt <= t.at ? d : null;
  }

  deploysBetween(services: readonly string[], from: number, t: Instant): DeployState[] {
    return services
      .flatMap((s) => this.deploysOf(s, t, from))
      .sort((a, b) => a.startedAt - b.startedAt || byId(a.id, b.id));
  }

  configChangesBetween(services: readonly string[], from: number, t: Instant): ConfigChangeState[] {
    const ids = new Set<number>();
    for (const s of services) for (const e of this.ix.linked('configChanges', s)) ids.add(e);
    const out: ConfigChangeState[] = [];
    for (const e of ids) {
      const v = this.ix.versionsOf(e);
      if (!changedSince(v, from, t)) continue;
      const c = configChangeAt(this.ix.idOf(e), v, t);
      if (c && c.at >= from) out.push(c);
    }
    return out.sort((a, b) => a.at - b.at || byId(a.id, b.id));
  }

  alertsBetween(services: readonly string[], from: number, t: Instant): AlertState[] {
    const out: AlertState[] = [];
    for (const s of services) {
      for (const e of this.ix.linked('alerts', s)) {
        const v = this.ix.versionsOf(e);
        if (!changedSince(v, from, t)) continue;
        const a = alertAt(this.ix.idOf(e), v, t);
        if (a && a.service === s && a.firedAt >= from) out.push(a);
      }
    }
    return out.sort((a, b) => a.firedAt - b.firedAt || byId(a.id, b.id));
  }

  incident(id: string, t: Instant): IncidentState | null {
    const e = this.ix.entity('incident', id);
    return e < 0 ? null : incidentAt(id, this.ix.versionsOf(e), t);
  }

  incidents(t: Instant): IncidentState[] {
    const out: IncidentState[] = [];
    for (const [id, e] of this.ix.entities.incident) {
      const i = incidentAt(id, this.ix.versionsOf(e), t);
      if (i) out.push(i);
    }
    return out.sort((a, b) => a.openedAt - b.openedAt || byId(a.id, b.id));
  }

  causalLinks(t: Instant): CausalLinkState[] {
    const out: CausalLinkState[] = [];
    for (const e of this.ix.entities.causal.values()) {
      const c = causalLinkAt(this.ix.versionsOf(e), t);
      if (c) out.push(c);
    }
    return out;
  }
}
