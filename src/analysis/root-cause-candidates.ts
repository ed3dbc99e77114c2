/**
 * What every candidate cause is drafted from, and the features and evidence the kinds share. Three
 * kinds (CONTRACT §5): deploys and config changes (including those that govern a dependency or are
 * shared by several services: root-cause-change.ts), and services where a failure began with no
 * change behind it (root-cause-service.ts). A candidate survives only when valid dependencies link
 * it to a symptom and nothing in its story runs backwards in time.
 */
import type { EntityRef } from '../../schema/events.js';
import type { ConfigChangeState, DeployState } from '../model/views.js';
import { type Anomalies, type ServiceAnomaly, type Shortfall } from './root-cause-anomaly.js';
import { type Chain, chainFrom, earlierFailuresBelow, namedCallees, rpsOf, type Topology } from './root-cause-chain.js';
import * as ev from './root-cause-evidence.js';
import { byId } from '../model/order.js';
import { clearlyAfter, climbMs } from './root-cause-timing.js';
import { edgeGet, type RootCauseOptions, type RootCauseSlice, type RootCauseWeights, type RuledOutCause } from './root-cause-types.js';

export type Features = Partial<Record<Exclude<keyof RootCauseWeights, 'temperature'>, number>>;

export interface Draft {
  cause: EntityRef;
  service: string;
  chain: Chain;
  features: Features;
  evidence: string[];
  /** For a change: the lines of its first hop, the change taking effect where its chain starts (also in `evidence`). */
  effect?: string[];
}

export interface Context {
  slice: RootCauseSlice;
  o: RootCauseOptions;
  an: Anomalies;
  top: Topology;
  /** Changes a causal constraint excludes, with why; drafting adds to it. */
  ruledOut: RuledOutCause[];
}

/** Evidence for the chain: the path, then each hop's order in time. */
export function chainEvidence(ctx: Context, chain: Chain): string[] {
  const out = [ev.pathLine(chain.services, ctx.slice.at)];
  for (let i = 0; i + 1 < chain.services.length; i++) {
    const below = ctx.an.byService.get(chain.services[i] as string);
    const above = ctx.an.byService.get(chain.services[i + 1] as string);
    if (below && above && above.onset >= below.onset - ctx.an.timing.toleranceMs) out.push(ev.orderLine(below, above));
  }
  return out;
}

/** Features every chain earns: its order in time, and hops that contradict it. */
export function chainFeatures(chain: Chain): Features {
  const f: Features = { coherentChain: chain.coherence };
  if (chain.blamesOther > 0) f.hopBlamesOther = chain.blamesOther;
  if (chain.slow > 0) f.slowHop = chain.slow;
  return f;
}

const downstreamMemo = new WeakMap<Context, Map<string, ReadonlySet<string>>>();

/** The services a surge on `service` reaches: itself and what it calls, directly or not (load flows down calls). */
function downstreamOf(ctx: Context, service: string): ReadonlySet<string> {
  let memo = downstreamMemo.get(ctx);
  if (!memo) downstreamMemo.set(ctx, (memo = new Map<string, ReadonlySet<string>>()));
  const known = memo.get(service);
  if (known) return known;
  const seen = new Set([service]);
  let frontier = [service];
  for (let d = 0; d < ctx.o.depth && frontier.length > 0; d++) {
    const next: string[] = [];
    for (const u of frontier) {
      for (const v of ctx.top.callees.get(u) ?? []) {
        if (seen.has(v)) continue;
        seen.add(v);
        next.push(v);
      }
    }
    frontier = next;
  }
  memo.set(service, seen);
  return seen;
}

/**
 * A surge that reached the failing services after the change (`changeAt`; null for a failure with
 * no change) and shortly before the failure: load breaks what it breaks within minutes, so a surge
 * that passed long before the failure woke nothing.
 * A surge reaches the services it was seen on and everything they call: load entering at the edge
 * reaches the database behind it.
 */
export function trigger(ctx: Context, services: readonly string[], changeAt: number | null, onset: number): { line: string; at: number | null } | null {
  const from = Math.max(changeAt ?? Number.NEGATIVE_INFINITY, onset - ctx.an.timing.surgeWindowMs);
  const reaches = (a: { service: string }): boolean => {
    const down = downstreamOf(ctx, a.service);
    return services.some((s) => down.has(s));
  };
  const t = ctx.an.traffic.filter((a) => a.firedAt >= from && a.firedAt <= onset + ctx.an.timing.toleranceMs && reaches(a)).at(-1);
  if (t) return { line: ev.triggerLine(t, changeAt, onset), at: t.firedAt };
  for (const s of services) {
    for (const caller of ctx.top.callers.get(s) ?? []) {
      const before = edgeGet(ctx.slice.rpsBefore, caller, s);
      const now = rpsOf(ctx.top, caller, s);
      if (before !== undefined && now !== null && before > 0 && now >= 2 * before) return { line: ev.rpsJumpLine(caller, s, before, now), at: null };
    }
  }
  return null;
}

export function addFailureBelow(ctx: Context, d: Draft, start: string, onset: number, explained: ReadonlySet<string>, unordered: string[] = []): void {
  const earlier = earlierFailuresBelow(ctx.top, ctx.an, start, onset, explained, (s) => changedBehind(ctx, s), unordered);
  if (earlier.length === 0) d.features.deepest = 1;
  else {
    d.features.earlierBelow = earlier.length;
    for (const s of earlier.slice(0, 3)) d.evidence.push(ev.earlierLine(start, ctx.an.byService.get(s) as ServiceAnomaly));
  }
}

/**
 * Whether `dependency` began failing before `onset`, and recently enough to have brought its caller
 * down (the propagation time). A setting that governs calls to a dependency explains those calls
 * failing, not the dependency failing before its callers did: that failure began below, whatever
 * the setting. The observed order decides between the two stories, so no tolerance applies here
 * beyond the alerts' resolution: onsets within one step of each other are not ordered.
 */
export function failedFirst(ctx: Context, dependency: string, onset: number): boolean {
  const a = ctx.an.byService.get(dependency);
  return a !== undefined && clearlyAfter(ctx.an.timing, onset, a.onset) && onset - a.onset <= climbMs(ctx.an.timing, 1);
}

/** Evidence for the callees `service` names in its own alerts that cannot account for its failure. */
export function addShortfalls(ctx: Context, d: Draft, service: string, short: ReadonlyMap<string, Shortfall>): void {
  for (const callee of [...namedCallees(ctx.an, service)].slice(0, 2)) {
    const f = short.get(callee);
    if (f) d.evidence.push(ev.shortfallLine(service, callee, f));
  }
}

/** A failing service that reports failing calls to another failing service points below itself. */
export function addPointsBelow(ctx: Context, d: Draft, service: string, explained: ReadonlySet<string>): void {
  const below = (ctx.an.byService.get(service)?.alerts ?? []).find((a) => a.dependency !== null && !explained.has(a.dependency) && ctx.an.byService.has(a.dependency));
  if (!below || below.dependency === null) return;
  d.features.pointsBelow = 1;
  d.evidence.push(ev.pointsBelowLine(service, below.dependency, below.firedAt));
}

type ServiceChange = { id: string; at: number; deploy: DeployState | null };
const changeIndex = new WeakMap<RootCauseSlice, Map<string, ServiceChange[]>>();

/** The slice's deploys and config changes by the service they change, built once per slice. */
export function changesOf(slice: RootCauseSlice): Map<string, ServiceChange[]> {
  let m = changeIndex.get(slice);
  if (m) return m;
  m = new Map();
  const add = (service: string, c: ServiceChange): void => {
    const l = m?.get(service);
    if (l) l.push(c);
    else m?.set(service, [c]);
  };
  for (const d of slice.deploys) add(d.service, { id: d.id, at: d.startedAt, deploy: d });
  for (const c of slice.configChanges) add(c.service, { id: c.id, at: c.at, deploy: null });
  changeIndex.set(slice, m);
  return m;
}

/**
 * A service whose failure shows only in its callers' reports of their calls to it, where each of
 * those callers has a setting governing exactly those calls that could stand behind its failure (a
 * surge woke it, or it came shortly before): the setting explains the reports, and nothing shows the
 * service itself failing. Another story that starts at the service is the weaker one.
 */
export function addGovernedReports(ctx: Context, d: Draft, except: string | null = null): void {
  const service = d.chain.services[0] as string;
  const a = ctx.an.byService.get(service);
  if (!a || a.alerts.length > 0 || a.blamedBy.size === 0) return;
  const settings = ctx.slice.configChanges.filter((x) => x.id !== except && x.dependency === service);
  if (settings.length === 0) return;
  let governing: ConfigChangeState | null = null;
  for (const caller of a.blamedBy.keys()) {
    const c = ctx.an.byService.get(caller);
    const chain = c ? chainFrom(ctx.top, ctx.an, caller, c.onset) : null;
    if (!c || !chain) return;
    const g = settings.find((x) => (x.service === caller || x.services.includes(caller)) && standsBehind(ctx, x.at, c, chain));
    if (!g) return;
    governing ??= g;
  }
  if (!governing) return;
  d.features.governedReports = 1;
  d.evidence.push(ev.governedReportsLine(service, [...a.blamedBy.keys()], governing.id));
}

export function addBlame(ctx: Context, d: Draft, service: string): void {
  const a = ctx.an.byService.get(service);
  if (!a || a.blamedBy.size === 0) return;
  d.features.edgeBlame = Math.min(3, a.blamedBy.size);
  for (const [caller, at] of [...a.blamedBy].sort((x, y) => x[1] - y[1]).slice(0, 3)) d.evidence.push(ev.blameLine(service, caller, at));
}

/** A deploy's version still ran at `t`: it was not rolled back before then. */
export const runningAt = (ctx: Context, d: DeployState, t: number): boolean =>
  !(d.status === 'rolled_back' && d.finishedAt !== null && d.finishedAt < t - ctx.an.timing.toleranceMs);

/** Why a recorded change does not stand behind a failure: it came after the failure began, it sat with nothing to wake it, or it was rolled back before. */
export type NotBehind = 'after' | 'stale' | 'rolled-back';

/**
 * Why a change at `at` does not stand behind the failure `a`, or null where it could: it came
 * shortly before it, or a surge woke it. A change that sat for days with nothing to wake it is no
 * change behind the failure. `chain` is the failure's chain, for the surge that woke a change.
 */
function whyNotBehind(ctx: Context, at: number, a: ServiceAnomaly, chain: Chain): NotBehind | null {
  if (at > a.onset + ctx.an.timing.changeSkewMs) return 'after';
  if (a.onset - at <= ctx.an.timing.quickEffectMs) return null;
  return trigger(ctx, chain.services, at, a.onset) === null ? 'stale' : null;
}

export const standsBehind = (ctx: Context, at: number, a: ServiceAnomaly, chain: Chain): boolean => whyNotBehind(ctx, at, a, chain) === null;

/** A recorded change that concerns a failing service, and why it does not stand behind the failure (null where it does). */
export interface ChangeConcerning {
  cause: EntityRef;
  at: number;
  why: NotBehind | null;
  /** For a deploy rolled back: when. */
  rolledBackAt: number | null;
}

const concerningMemo = new WeakMap<Context, Map<string, ChangeConcerning[]>>();

/**
 * The recorded changes in the window that concern a failing `service` (its deploys, its config
 * changes, the settings shared with it or feeding it load), latest first, each with why it does not
 * stand behind its failure; none for a service not failing. `chain` is the failure's chain, for the
 * surge that woke a change (found when not given). Worked out once per service and analysis.
 */
export function changesConcerning(ctx: Context, service: string, chain?: Chain): ChangeConcerning[] {
  let memo = concerningMemo.get(ctx);
  if (!memo) concerningMemo.set(ctx, (memo = new Map<string, ChangeConcerning[]>()));
  const known = memo.get(service);
  if (known) return known;
  const out: ChangeConcerning[] = [];
  const a = ctx.an.byService.get(service);
  const c = a === undefined ? null : (chain ?? chainFrom(ctx.top, ctx.an, service, a.onset));
  if (a && c) {
    for (const x of changesOf(ctx.slice).get(service) ?? []) {
      if (x.deploy === null) continue;
      const running = runningAt(ctx, x.deploy, a.onset);
      out.push({ cause: { kind: 'deploy', id: x.id }, at: x.at, why: running ? whyNotBehind(ctx, x.at, a, c) : 'rolled-back', rolledBackAt: running ? null : x.deploy.finishedAt });
    }
    for (const s of settingsConcerning(ctx).get(service) ?? []) out.push({ cause: { kind: 'config', id: s.id }, at: s.at, why: whyNotBehind(ctx, s.at, a, c), rolledBackAt: null });
    out.sort((x, y) => y.at - x.at || byId(x.cause.id, y.cause.id));
  }
  memo.set(service, out);
  return out;
}

/**
 * Whether a recorded change of `service` (a deploy still running, a config change of it, shared
 * with it or feeding it load) stands behind its failure. `chain` is the failure's chain, for the
 * surge that woke a change.
 */
export const changedBehind = (ctx: Context, service: string, chain?: Chain): boolean => changesConcerning(ctx, service, chain).some((x) => x.why === null);

const settingsMemo = new WeakMap<Context, Map<string, ConfigChangeState[]>>();

/** The config changes that concern each service: its own, those shared with it, and those that feed it load (`settingFeeds`). */
function settingsConcerning(ctx: Context): Map<string, ConfigChangeState[]> {
  let m = settingsMemo.get(ctx);
  if (m) return m;
  m = new Map();
  for (const c of ctx.slice.configChanges) {
    for (const s of new Set([c.service, ...c.services, ...settingFeeds(ctx, c)])) {
      const l = m.get(s);
      if (l) l.push(c);
      else m.set(s, [c]);
    }
  }
  settingsMemo.set(ctx, m);
  return m;
}

/**
 * Where a setting on calls to a cache moves load (cache-aside): what the cache no longer answers,
 * its consumers ask of the databases they also call. Empty for any other setting.
 */
export function settingFeeds(ctx: Context, c: ConfigChangeState): string[] {
  if (c.dependency === null || ctx.top.kinds.get(c.dependency) !== 'cache') return [];
  const out = new Set<string>();
  for (const s of [c.service, ...c.services]) for (const x of ctx.top.callees.get(s) ?? []) if (x !== c.dependency && ctx.top.kinds.get(x) === 'database') out.add(x);
  return [...out].sort();
}
