/**
 * A seeded generator of labelled incidents over one topology. It writes a week and more of
 * background (deploys, config changes, flapping alerts), then one incident every few hours, each
 * of one fault class, with red herrings: unrelated changes near the incident, noisy alerts on
 * healthy services, innocent changes on the path, and traffic alerts with no consequence.
 */
import type { CloudEventInput, EntityRef } from '../../schema/events.js';
import { createRandom, type Random } from '../random.js';
import { coarsen } from './coarse.js';
import type { Topology } from './topologies.js';

/** The classes of the fixed scenario of each topology: its plan, and so its test cases, are drawn from exactly these. */
export const FAULT_CLASSES = ['bad-deploy', 'config-delayed', 'shared-config', 'saturation', 'failing-dependency', 'new-dependency', 'rolled-back'] as const;
/**
 * Classes added after the split was fixed, each in scenarios of its own (train ones and one held-out
 * test scenario per topology), so that the fixed scenario's cases stay the same.
 */
export const LATER_FAULT_CLASSES = ['cache-aside'] as const;
export type FaultClass = (typeof FAULT_CLASSES)[number] | (typeof LATER_FAULT_CLASSES)[number];
export const ALL_FAULT_CLASSES: readonly FaultClass[] = [...FAULT_CLASSES, ...LATER_FAULT_CLASSES];

export interface Label {
  cause: EntityRef;
  service: string;
  chain: EntityRef[];
}

export interface LabelledCase {
  id: string;
  topology: string;
  fault: FaultClass;
  split: 'train' | 'test';
  incident: string;
  label: Label;
}

export interface Scenario {
  events: CloudEventInput[];
  cases: LabelledCase[];
  /** Per case, which of its alerts tell the fault and which are red herrings, and when it happened. */
  episodes: Episode[];
  /** How finely alert times are resolved: 0 when at the generator's own (millisecond) times. */
  resolutionMs: number;
}

/** What a case's events were, for transforms that re-observe a scenario (bench/rca/coarse.ts). */
export interface Episode {
  incident: string;
  /** When the fault was made to happen. */
  faultAt: number;
  /** When the incident opened. */
  symptomAt: number;
  /** Alert ids emitted by the fault and its propagation. */
  fault: string[];
  /** Alert ids emitted as red herrings (noise, traffic bumps). */
  herring: string[];
}

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
export const T0 = Date.parse('2026-03-02T00:00:00Z');
const SPACING = 6 * HOUR;
const CONFIG_KEYS = ['client.timeoutMs', 'retry.budget', 'pool.maxConnections', 'cache.ttlSeconds', 'feature.newCheckout'];

class Emitter {
  readonly events: CloudEventInput[] = [];
  /** Every change's time per service, to keep a fault's service free of other changes when needed. */
  readonly changes = new Map<string, number[]>();
  /** When each service failed in an earlier incident (as its cause or on its chain). */
  readonly failures = new Map<string, number[]>();
  private n = 0;
  emit(type: CloudEventInput['type'], at: number, data: Record<string, unknown>): string {
    const id = `e${++this.n}`;
    this.events.push({ specversion: '1.0', id, source: 'bench-rca', type, time: new Date(Math.round(at)).toISOString(), data } as CloudEventInput);
    return id;
  }
  changed(service: string, at: number): void {
    const l = this.changes.get(service);
    if (l) l.push(at);
    else this.changes.set(service, [at]);
  }
  failed(service: string, at: number): void {
    const l = this.failures.get(service);
    if (l) l.push(at);
    else this.failures.set(service, [at]);
  }
  lastFailure(service: string, before: number): number {
    return Math.max(-Infinity, ...(this.failures.get(service) ?? []).filter((t) => t <= before));
  }
  quietBetween(service: string, from: number, to: number): boolean {
    return !(this.changes.get(service) ?? []).some((t) => t >= from && t <= to);
  }
}

export interface ScenarioOptions {
  /** Every case is a train case, named with this tag (`<topology>+<tag>#<i>`): extra train scenarios. */
  trainTag?: string;
  /** Every case is a test case, named with this tag: a held-out scenario for a later class. */
  testTag?: string;
  /** The classes to plan (default FAULT_CLASSES). */
  classes?: readonly FaultClass[];
}

export function generateScenario(top: Topology, casesPerClass: number, seed: number, opts: ScenarioOptions = {}): Scenario {
  const r = createRandom(seed);
  const em = new Emitter();
  const callers = new Map<string, string[]>();
  const callees = new Map<string, string[]>();
  for (const [f, t] of top.deps) {
    (callees.get(f) ?? callees.set(f, []).get(f))?.push(t);
    (callers.get(t) ?? callers.set(t, []).get(t))?.push(f);
  }
  const kind = new Map(top.services.map((s) => [s.id, s.kind]));
  const start = T0 - 8 * DAY;
  for (const s of top.services) em.emit('service.upserted', start, { service: s.id, kind: s.kind, tier: 2 });
  for (const [from, to] of top.deps) em.emit('dependency.upserted', start, { from, to, rps: r.int(5, 200) });

  const plan = r.shuffled((opts.classes ?? FAULT_CLASSES).flatMap((f) => Array.from({ length: casesPerClass }, () => f)));
  const end = T0 + plan.length * SPACING;
  background(r, em, top, start, end);

  let alertN = 0;
  let changeN = 0;
  /** The entries above a cache-aside service, found once: cache-aside scenarios add no dependency. */
  let caEntries: string[] | undefined;
  const cases: LabelledCase[] = [];
  const episodes: Episode[] = [];
  plan.forEach((fault, i) => {
    const tF = T0 + i * SPACING;
    const clear = tF + r.between(60, 90) * MIN;
    const faultAlerts: string[] = [];
    const herringAlerts: string[] = [];
    let phase = faultAlerts;
    const alert = (service: string, signal: string, at: number, extra: Record<string, unknown> = {}, until = clear): number => {
      const id = `a-${i}-${++alertN}`;
      phase.push(id);
      em.emit('alert.fired', at, { alert: id, service, signal, severity: signal === 'traffic' ? 'warning' : 'critical', ...extra });
      em.emit('alert.resolved', until, { alert: id });
      return at;
    };
    const deploy = (service: string, at: number): string => {
      const id = `d-${i}-${++changeN}`;
      em.emit('deploy.started', at, { deploy: id, service, version: `v${i}.${changeN}`, previousVersion: `v${i}.${changeN - 1}` });
      em.emit('deploy.finished', at + r.between(2, 6) * MIN, { deploy: id, status: 'succeeded' });
      em.changed(service, at);
      return id;
    };
    const config = (service: string, at: number, extra: Record<string, unknown> = {}): string => {
      const id = `c-${i}-${++changeN}`;
      em.emit('config.changed', at, { change: id, service, key: r.pick(CONFIG_KEYS), value: r.int(1, 500), previousValue: r.int(1, 500), ...extra });
      em.changed(service, at);
      return id;
    };

    const entry = r.pick(fault === 'cache-aside' ? (caEntries ??= cacheAsideEntries(top, callees)) : top.entries);
    const { depth, parent } = below(entry, callees);
    const inClosure = [...depth.keys()].filter((s) => s !== entry).sort();
    const isInfra = (s: string): boolean => kind.get(s) !== 'service';
    const quiet = (s: string): boolean => em.quietBetween(s, tF - 8 * DAY, tF + 2 * HOUR);
    const pickFrom = (xs: string[], fallback: string[]): string => r.pick(xs.length > 0 ? xs : fallback);
    const apps = inClosure.filter((s) => !isInfra(s));
    const pathUp = (s: string): string[] => {
      const p: string[] = [];
      for (let x: string | undefined = s; x !== undefined; x = parent.get(x)) p.push(x);
      return p;
    };
    /** Failure climbs the path: each caller fails a little later, mostly reporting the failing callee. */
    const propagate = (path: string[], onset: number, always = false): number => {
      let t = onset;
      for (let k = 1; k < path.length; k++) {
        t += r.between(0.5, 3) * MIN;
        const dep = always && k === 1 ? true : r.chance(0.75);
        alert(path[k] as string, r.pick(['errors', 'latency']), t, dep ? { dependency: path[k - 1] } : {});
      }
      return t;
    };

    let label: Label;
    let onsetS: number;
    let faultService: string;
    const chainOf = (cause: EntityRef | null, path: string[]): EntityRef[] => [...(cause ? [cause] : []), ...path.map((id): EntityRef => ({ kind: 'service', id }))];
    const badDeploy = (c: string, at: number): void => {
      const d = deploy(c, at);
      const onset = alert(c, 'errors', at + r.between(2, 10) * MIN);
      const path = pathUp(c);
      onsetS = propagate(path, onset);
      // Mitigated after the incident: later incidents see it as rolled back.
      em.emit('deploy.finished', clear - 5 * MIN, { deploy: d, status: 'rolled_back' });
      label = { cause: { kind: 'deploy', id: d }, service: c, chain: chainOf({ kind: 'deploy', id: d }, path) };
      faultService = c;
    };
    const saturation = (c: string, at: number): void => {
      if (r.chance(0.6)) alert(entry, 'traffic', at - r.between(5, 20) * MIN);
      alert(c, 'saturation', at);
      alert(c, 'latency', at + r.between(0.2, 1) * MIN);
      const path = pathUp(c);
      onsetS = propagate(path, at);
      label = { cause: { kind: 'service', id: c }, service: c, chain: chainOf(null, path) };
      faultService = c;
    };

    switch (fault) {
      case 'cache-aside': {
        // A cut to a service's cache setting sits until a surge: what the cache no longer answers,
        // the service asks of its database, which saturates; the service and its callers fail.
        const withBoth = apps.filter((s) => {
          const cal = callees.get(s) ?? [];
          return cal.some((x) => kind.get(x) === 'cache') && cal.some((x) => kind.get(x) === 'database');
        });
        // The entry was picked among those above such a service (`cacheAsideEntries`). As for
        // config-delayed, the setting is the last change of its service and sat 4 to 48 hours,
        // after the service's last failure: a later case's setting must not land before this one's.
        const last = (x: string): number => Math.max(tF - 8 * DAY, em.lastFailure(x, tF), ...(em.changes.get(x) ?? []).filter((t) => t <= tF + 2 * HOUR));
        const ok = withBoth.filter((x) => last(x) <= tF - 5 * HOUR && em.quietBetween(x, tF, tF + 2 * HOUR));
        const c = r.pick(ok.length > 0 ? ok : withBoth);
        const cal = [...(callees.get(c) ?? [])].sort();
        const cache = r.pick(cal.filter((x) => kind.get(x) === 'cache'));
        const db = r.pick(cal.filter((x) => kind.get(x) === 'database'));
        const earliest = Math.max(last(c) + HOUR, tF - 48 * HOUR);
        const id = config(c, r.between(earliest, Math.max(earliest, tF - 4 * HOUR)), { key: 'cache.ttlSeconds', value: r.int(5, 60), previousValue: r.int(600, 3600), dependency: cache });
        const path = [db, ...pathUp(c)];
        alert(r.chance(0.7) ? (path.at(-1) as string) : (path.at(-2) as string), 'traffic', tF - r.between(5, 20) * MIN);
        alert(db, 'saturation', tF);
        alert(db, 'latency', tF + r.between(0.2, 1) * MIN);
        onsetS = propagate(path, tF, true);
        label = { cause: { kind: 'config', id }, service: c, chain: chainOf({ kind: 'config', id }, path) };
        faultService = c;
        break;
      }
      case 'bad-deploy':
        badDeploy(pickFrom(apps, inClosure), tF);
        break;
      case 'config-delayed': {
        // The setting is the last change on its service: it sat 6 to 72 hours before the surge. It
        // must not have sat through an earlier incident in which its service failed: that incident
        // would then hold a second latent change woken by its own surge, and its label be ambiguous.
        const last = (s: string): number =>
          Math.max(tF - 8 * DAY, em.lastFailure(s, tF), ...(em.changes.get(s) ?? []).filter((t) => t <= tF + 2 * HOUR));
        const ok = apps.filter((s) => last(s) <= tF - 7 * HOUR && em.quietBetween(s, tF, tF + 2 * HOUR));
        const c = pickFrom(ok, apps.length > 0 ? apps : inClosure);
        const cal = callees.get(c) ?? [];
        const dependency = cal.length > 0 && r.chance(0.5) ? r.pick(cal) : undefined;
        const earliest = Math.max(last(c) + HOUR, tF - 72 * HOUR);
        const id = config(c, r.between(earliest, Math.max(earliest, tF - 6 * HOUR)), dependency ? { dependency } : {});
        const path = pathUp(c);
        alert(r.chance(0.7) ? entry : (path[Math.max(0, path.length - 2)] as string), 'traffic', tF);
        const onset = alert(c, r.pick(['errors', 'latency']), tF + r.between(3, 12) * MIN, dependency && r.chance(0.5) ? { dependency } : {});
        onsetS = propagate(path, onset);
        label = { cause: { kind: 'config', id }, service: c, chain: chainOf({ kind: 'config', id }, path) };
        faultService = c;
        break;
      }
      case 'shared-config': {
        const c = pickFrom(apps, inClosure);
        const others = r.shuffled(apps.filter((s) => s !== c)).slice(0, r.int(1, 2));
        const id = config(c, tF, { services: others });
        for (const o of others) {
          const t = alert(o, r.pick(['errors', 'latency']), tF + r.between(2, 10) * MIN);
          const up = parent.get(o);
          if (up !== undefined && r.chance(0.5)) alert(up, 'errors', t + r.between(0.5, 2) * MIN, { dependency: o });
        }
        const onset = alert(c, r.pick(['errors', 'latency']), tF + r.between(2, 10) * MIN);
        const path = pathUp(c);
        onsetS = propagate(path, onset);
        label = { cause: { kind: 'config', id }, service: c, chain: chainOf({ kind: 'config', id }, path) };
        faultService = c;
        break;
      }
      case 'saturation':
        saturation(pickFrom(inClosure.filter(quiet), inClosure), tF);
        break;
      case 'failing-dependency': {
        const c = pickFrom(inClosure.filter(isInfra), inClosure);
        if (r.chance(0.5)) alert(c, 'availability', tF);
        const path = pathUp(c);
        onsetS = propagate(path, tF, true);
        label = { cause: { kind: 'service', id: c }, service: c, chain: chainOf(null, path) };
        faultService = c;
        break;
      }
      case 'new-dependency': {
        const a = pickFrom(apps, inClosure);
        const path = pathUp(a);
        const banned = new Set([...path, ...(callees.get(a) ?? [])]);
        const infraFree = top.services.filter((s) => s.kind !== 'service' && !banned.has(s.id)).map((s) => s.id);
        const outside = top.services.filter((s) => !banned.has(s.id) && !depth.has(s.id)).map((s) => s.id);
        // In a small topology earlier cases may have linked every store to `a` already: then any
        // service that does not call `a` (directly or not), so that the new edge makes no cycle.
        const up = ancestors(a, callers);
        const x = r.pick(infraFree.length > 0 ? infraFree : outside.length > 0 ? outside : top.services.map((s) => s.id).filter((s) => !banned.has(s) && !up.has(s)));
        const d = deploy(a, tF);
        em.emit('dependency.upserted', tF + r.between(0, 1) * MIN, { from: a, to: x, rps: r.int(5, 100) });
        // The dependency stays in the graph: a later case must not "introduce" it again.
        (callees.get(a) ?? callees.set(a, []).get(a))?.push(x);
        (callers.get(x) ?? callers.set(x, []).get(x))?.push(a);
        const tx = alert(x, r.pick(['latency', 'saturation']), tF + r.between(2, 8) * MIN);
        const onset = alert(a, 'errors', tx + r.between(0.5, 2) * MIN, { dependency: x });
        onsetS = propagate(path, onset);
        em.emit('deploy.finished', clear - 5 * MIN, { deploy: d, status: 'rolled_back' });
        label = { cause: { kind: 'deploy', id: d }, service: a, chain: chainOf({ kind: 'deploy', id: d }, path) };
        faultService = a;
        break;
      }
      case 'rolled-back': {
        const rb = pickFrom(apps, inClosure);
        const t = tF - r.between(2, 5) * HOUR;
        const d = deploy(rb, t);
        const back = t + r.between(15, 40) * MIN;
        alert(rb, 'errors', t + r.between(2, 5) * MIN, {}, back);
        em.emit('deploy.finished', back + MIN, { deploy: d, status: 'rolled_back' });
        if (r.chance(0.5)) saturation(rb, tF);
        else badDeploy(pickFrom(apps.filter((s) => s !== rb), inClosure), tF);
        break;
      }
    }
    for (const ref of label!.chain) if (ref.kind === 'service') em.failed(ref.id, tF + 2 * HOUR);
    const symptomAt = onsetS! + r.between(1, 4) * MIN;
    phase = herringAlerts;
    herrings(r, { em, alert, deploy, config, entry, tF, symptomAt, faultService: faultService!, path: label!.chain.filter((c) => c.kind === 'service').map((c) => c.id), closure: inClosure, all: top.services.map((s) => s.id) });
    const tagName = opts.trainTag ?? opts.testTag;
    const tag = tagName === undefined ? '' : `+${tagName}`;
    const incident = `inc-${top.name}${tag}-${i}`;
    em.emit('incident.opened', symptomAt, { incident, services: [entry], title: `${entry} failing` });
    const split = opts.testTag !== undefined ? 'test' : opts.trainTag !== undefined || i % 5 < 2 ? 'train' : 'test';
    cases.push({ id: `${top.name}${tag}#${i}`, topology: top.name, fault, split, incident, label: label! });
    episodes.push({ incident, faultAt: tF, symptomAt, fault: faultAlerts, herring: herringAlerts });
  });
  return { events: em.events, cases, episodes, resolutionMs: 0 };
}

/** Extra train-only scenarios per topology (not for the 10,000-service one, which measures latency). */
export const EXTRA_TRAIN_SCENARIOS = 40;
/** Extra train-only scenarios per topology observed through 5-minute buckets and short windows. */
export const COARSE_TRAIN_SCENARIOS = 2;
const EXTRA_TRAIN_PER_CLASS = 6;
/** Train-only scenarios per topology of the later classes, and test cases per later class in their held-out scenario. */
export const LATER_TRAIN_SCENARIOS = 8;
const LATER_TEST_PER_CLASS = 8;

/**
 * The scenarios of one topology for a split. The fixed scenario (its seed and cases unchanged since
 * the split was set) holds train and test cases, `i % 5 < 2` train; extra scenarios on other seeds
 * hold train cases only, so that train covers each fault class's variety while test stays the same.
 * Of those, `c<k>` ones are observed through 5-minute buckets and short windows (bench/rca/coarse.ts),
 * so that train also shows evidence whose times are coarse, as real metrics' are (PetShop).
 */
export function scenariosFor(top: Topology, split: 'train' | 'test' | 'all'): Scenario[] {
  const big = top.services.length > 5_000;
  const base = top.services.length * 7919 + 17;
  const out = [generateScenario(top, big ? 3 : 6, base)];
  if (big) return out;
  // The later classes need a service that calls both a cache and a database. Their held-out
  // scenario holds test cases only, on a seed of its own; their train scenarios, train cases only.
  const later = cacheAsideServices(top).length > 0;
  if (later && split !== 'train') out.push(generateScenario(top, LATER_TEST_PER_CLASS, base + 500 * 1_000_003, { testTag: 'later', classes: LATER_FAULT_CLASSES }));
  if (split === 'test') return out;
  if (later) for (let k = 1; k <= LATER_TRAIN_SCENARIOS; k++) out.push(generateScenario(top, EXTRA_TRAIN_PER_CLASS, base + (600 + k) * 1_000_003, { trainTag: `l${k}`, classes: LATER_FAULT_CLASSES }));
  for (let k = 1; k <= EXTRA_TRAIN_SCENARIOS; k++) out.push(generateScenario(top, EXTRA_TRAIN_PER_CLASS, base + k * 1_000_003, { trainTag: `x${k}` }));
  for (let k = 1; k <= COARSE_TRAIN_SCENARIOS; k++) {
    const seed = base + (100 + k) * 1_000_003;
    out.push(coarsen(generateScenario(top, EXTRA_TRAIN_PER_CLASS, seed, { trainTag: `c${k}` }), seed ^ 0x5f3759df));
  }
  return out;
}

/** Cases per class in a held-out topology's scenario. */
const HELD_OUT_PER_CLASS = 6;

/**
 * The one scenario of a held-out topology (topologies.ts `heldOutTopologies`): test cases only, of
 * every class the topology can hold, on a seed of its own. No train split has a case on it.
 */
export function heldOutScenario(top: Topology): Scenario {
  const classes = cacheAsideServices(top).length > 0 ? ALL_FAULT_CLASSES : FAULT_CLASSES;
  return generateScenario(top, HELD_OUT_PER_CLASS, top.services.length * 7919 + 31 * 1_000_003, { testTag: 'heldout', classes });
}

/** Application services that call both a cache and a database: where a cache setting can move load onto a database. */
export function cacheAsideServices(top: Topology): string[] {
  const kind = new Map(top.services.map((s) => [s.id, s.kind]));
  const callees = new Map<string, string[]>();
  for (const [f, t] of top.deps) (callees.get(f) ?? callees.set(f, []).get(f))?.push(t);
  return top.services
    .filter((s) => s.kind === 'service' && (callees.get(s.id) ?? []).some((x) => kind.get(x) === 'cache') && (callees.get(s.id) ?? []).some((x) => kind.get(x) === 'database'))
    .map((s) => s.id)
    .sort();
}

/** The entries above a service of `cacheAsideServices`. */
function cacheAsideEntries(top: Topology, callees: Map<string, string[]>): string[] {
  const targets = new Set(cacheAsideServices(top));
  return top.entries.filter((e) => [...below(e, callees).depth.keys()].some((s) => targets.has(s)));
}

/** Every service that calls `s`, directly or not. */
function ancestors(s: string, callers: Map<string, string[]>): Set<string> {
  const seen = new Set([s]);
  const stack = [s];
  for (let u = stack.pop(); u !== undefined; u = stack.pop()) {
    for (const v of callers.get(u) ?? []) {
      if (seen.has(v)) continue;
      seen.add(v);
      stack.push(v);
    }
  }
  return seen;
}

/** Shortest caller paths from every service below `entry` back up to it. */
function below(entry: string, callees: Map<string, string[]>) {
  const depth = new Map([[entry, 0]]);
  const parent = new Map<string, string>();
  let frontier = [entry];
  for (let d = 1; frontier.length > 0; d++) {
    const next: string[] = [];
    for (const u of frontier) {
      for (const v of [...(callees.get(u) ?? [])].sort()) {
        if (depth.has(v)) continue;
        depth.set(v, d);
        parent.set(v, u);
        next.push(v);
      }
    }
    frontier = next;
  }
  return { depth, parent };
}

function background(r: Random, em: Emitter, top: Topology, from: number, to: number): void {
  const n = top.services.length;
  const hours = (to - from) / HOUR;
  const ids = top.services.map((s) => s.id);
  const count = (perHour: number): number => Math.round(perHour * hours);
  for (let k = 0; k < count(Math.max(0.15, n / 400)); k++) {
    const s = r.pick(ids);
    const at = r.between(from, to);
    em.emit('deploy.started', at, { deploy: `bg-d${k}`, service: s, version: `bg${k}` });
    em.emit('deploy.finished', at + 5 * MIN, { deploy: `bg-d${k}`, status: r.chance(0.05) ? 'rolled_back' : 'succeeded' });
    em.changed(s, at);
  }
  for (let k = 0; k < count(Math.max(0.08, n / 800)); k++) {
    const s = r.pick(ids);
    const at = r.between(from, to);
    em.emit('config.changed', at, { change: `bg-c${k}`, service: s, key: r.pick(CONFIG_KEYS), value: r.int(1, 500) });
    em.changed(s, at);
  }
  for (let k = 0; k < count(Math.max(0.3, n / 200)); k++) {
    const at = r.between(from, to);
    em.emit('alert.fired', at, { alert: `bg-a${k}`, service: r.pick(ids), signal: r.pick(['latency', 'errors', 'saturation']), severity: 'warning' });
    em.emit('alert.resolved', at + r.between(2, 20) * MIN, { alert: `bg-a${k}` });
  }
}

interface HerringContext {
  em: Emitter;
  alert: (service: string, signal: string, at: number, extra?: Record<string, unknown>, until?: number) => number;
  deploy: (service: string, at: number) => string;
  config: (service: string, at: number, extra?: Record<string, unknown>) => string;
  entry: string;
  tF: number;
  symptomAt: number;
  faultService: string;
  path: string[];
  closure: string[];
  all: string[];
}

function herrings(r: Random, h: HerringContext): void {
  const onPath = new Set(h.path);
  const outside = h.all.filter((s) => !h.closure.includes(s) && s !== h.entry);
  const healthy = h.closure.filter((s) => !onPath.has(s));
  // Unrelated changes near the incident.
  for (let k = 0; k < 3; k++) {
    const s = r.pick(outside.length > 0 ? outside : healthy.length > 0 ? healthy : h.all);
    const at = h.symptomAt - r.between(0, 60) * MIN;
    if (r.chance(0.6)) h.deploy(s, at);
    else h.config(s, at);
  }
  // An innocent change on a service on the path, above the fault.
  const above = h.path.slice(1);
  if (above.length > 0 && r.chance(0.7)) {
    const s = r.pick(above);
    const at = h.tF + r.between(-20, 15) * MIN;
    if (r.chance(0.5)) h.deploy(s, at);
    else h.config(s, at);
  }
  // A change on a healthy service that the symptom depends on.
  if (healthy.length > 0 && r.chance(0.6)) h.deploy(r.pick(healthy), h.symptomAt - r.between(5, 90) * MIN);
  // Noisy alerts on healthy services: flaps, and one that keeps firing.
  const noisy = healthy.length > 0 ? healthy : outside;
  if (noisy.length > 0) {
    for (let k = 0; k < 3; k++) {
      const at = h.symptomAt - r.between(10, 150) * MIN;
      h.alert(r.pick(noisy), r.pick(['latency', 'errors', 'saturation']), at, { severity: 'warning' }, at + r.between(3, 15) * MIN);
    }
    if (r.chance(0.7)) h.alert(r.pick(noisy), r.pick(['latency', 'errors', 'saturation']), h.symptomAt - r.between(0, 120) * MIN, { severity: 'warning' });
  }
  // A traffic bump that broke nothing.
  if (r.chance(0.3)) h.alert(h.entry, 'traffic', h.symptomAt - r.between(10, 180) * MIN);
}
