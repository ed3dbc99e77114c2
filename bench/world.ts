/**
 * What the generator remembers while history unfolds: which services and dependencies exist, the
 * version each service runs and the value of each setting. Episodes are planned in time order, so
 * this state is always "now" for the episode being planned.
 */
import type { Random } from './random.js';
import type { DependencySpec, Layer, Pools, ServiceSpec, Topology } from './topology.js';

export type ConfigValue = string | number | boolean;

export interface DependencyNow extends DependencySpec {
  present: boolean;
}

const depKey = (from: string, to: string) => `${from}>${to}`;

export class World {
  readonly services = new Map<string, ServiceSpec>();
  readonly deps = new Map<string, DependencyNow>();
  /** Every dependency ever known, for uniform picks; check `present` before use. */
  readonly depList: DependencyNow[] = [];
  private readonly callersOf = new Map<string, DependencyNow[]>();
  private readonly calleesOf = new Map<string, DependencyNow[]>();
  /** service -> valid time until which it is retired (Infinity: for good). */
  private readonly retiredUntil = new Map<string, number>();
  private readonly versions = new Map<string, [number, number, number]>();
  private readonly config = new Map<string, ConfigValue>();
  /** Services that alert far more often than the rest, as every production has. */
  readonly flappy: ServiceSpec[];
  readonly all: ServiceSpec[];

  constructor(
    topology: Topology,
    readonly pools: Pools,
    private readonly r: Random,
  ) {
    this.all = topology.services;
    for (const s of topology.services) {
      this.services.set(s.id, s);
      this.versions.set(s.id, [r.int(1, 5), r.int(0, 30), 0]);
    }
    for (const d of topology.dependencies) this.addDependency(d);
    this.flappy = r.shuffled(topology.services).slice(0, Math.max(1, Math.round(topology.services.length * 0.05)));
  }

  addDependency(d: DependencySpec): DependencyNow {
    const k = depKey(d.from, d.to);
    const known = this.deps.get(k);
    if (known) {
      Object.assign(known, d, { present: true });
      return known;
    }
    const now: DependencyNow = { ...d, present: true };
    this.deps.set(k, now);
    this.depList.push(now);
    for (const [m, owner] of [[this.calleesOf, d.from], [this.callersOf, d.to]] as const) {
      const l = m.get(owner);
      if (l) l.push(now);
      else m.set(owner, [now]);
    }
    return now;
  }

  dependency(from: string, to: string): DependencyNow | undefined {
    return this.deps.get(depKey(from, to));
  }

  isPresent(service: string, at: number): boolean {
    return (this.retiredUntil.get(service) ?? -Infinity) <= at;
  }

  retire(service: string, until: number): void {
    this.retiredUntil.set(service, until);
  }

  /** Visible dependencies: upserted, and both ends present. */
  callers(service: string, at: number): DependencyNow[] {
    return (this.callersOf.get(service) ?? []).filter((d) => d.present && this.isPresent(d.from, at));
  }

  callees(service: string, at: number): DependencyNow[] {
    return (this.calleesOf.get(service) ?? []).filter((d) => d.present && this.isPresent(d.to, at));
  }

  /** A present service from `layers` (any when omitted), or undefined after a few misses. */
  pick(at: number, layers?: readonly Layer[], where?: (s: ServiceSpec) => boolean): ServiceSpec | undefined {
    for (let i = 0; i < 30; i++) {
      const layer = layers ? this.r.pick(layers) : undefined;
      const pool = layer ? this.pools.layer(layer) : this.all;
      if (pool.length === 0) continue;
      const s = this.r.pick(pool);
      if (this.isPresent(s.id, at) && (!where || where(s))) return s;
    }
    return undefined;
  }

  pickDependency(at: number, where?: (d: DependencyNow) => boolean): DependencyNow | undefined {
    for (let i = 0; i < 30 && this.depList.length > 0; i++) {
      const d = this.r.pick(this.depList);
      if (d.present && this.isPresent(d.from, at) && this.isPresent(d.to, at) && (!where || where(d))) return d;
    }
    return undefined;
  }

  /** Bumps and returns the next version; `keep` leaves the running version as it was (failed or rolled back). */
  nextVersion(service: string, keep: boolean): { version: string; previousVersion: string } {
    const v = this.versions.get(service) ?? [1, 0, 0];
    const next: [number, number, number] = this.r.chance(0.2) ? [v[0], v[1] + 1, 0] : [v[0], v[1], v[2] + 1];
    if (!keep) this.versions.set(service, next);
    return { version: `v${next.join('.')}`, previousVersion: `v${v.join('.')}` };
  }

  configValue(service: string, key: string): ConfigValue | undefined {
    return this.config.get(`${service}\u001f${key}`);
  }

  setConfig(services: readonly string[], key: string, value: ConfigValue): void {
    for (const s of services) this.config.set(`${s}\u001f${key}`, value);
  }
}
