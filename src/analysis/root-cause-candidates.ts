/**
 * Candidate causes and the features each one earns. Three kinds (CONTRACT §5): deploys, config
 * changes (including those that govern a dependency or are shared by several services), and
 * services where a failure began with no change behind it. A candidate survives only when valid
 * dependencies link it to a symptom and nothing in its story runs backwards in time.
 */
import type { EntityRef } from '../../schema/events.js';
import type { ConfigChangeState, DeployState } from '../model/views.js';
import { type Anomalies, couldExplain, hasOwnFailureSignal, onsetUnseen, type ServiceAnomaly, type Shortfall, shortfallsBelow } from './root-cause-anomaly.js';
import { type Chain, callsPerRequest, chainFrom, earlierFailuresBelow, namedCallees, type Topology } from './root-cause-chain.js';
import * as ev from './root-cause-evidence.js';
import { clearlyAfter, climbMs } from './root-cause-timing.js';
import { edgeKey, type NewDependency, type RootCauseOptions, type RootCauseSlice, type RootCauseWeights } from './root-cause-types.js';

export type Features = Partial<Record<Exclude<keyof RootCauseWeights, 'temperature'>, number>>;

export interface Draft {
  cause: EntityRef;
  service: string;
  chain: Chain;
  features: Features;
  evidence: string[];
}

export interface Context {
  slice: RootCauseSlice;
  o: RootCauseOptions;
  an: Anomalies;
  top: Topology;
}

const HOUR = 3_600_000;
const INFRA_KINDS: ReadonlySet<string> = new Set(['database', 'cache', 'queue', 'external']);

/** Evidence for the chain: the path, then each hop's order in time. */
function chainEvidence(ctx: Context, chain: Chain): string[] {
  const out = [ev.pathLine(chain.services, ctx.slice.at)];
  for (let i = 0; i + 1 < chain.services.length; i++) {
    const below = ctx.an.byService.get(chain.services[i] as string);
    const above = ctx.an.byService.get(chain.services[i + 1] as string);
    if (below && above && above.onset >= below.onset - ctx.an.timing.toleranceMs) out.push(ev.orderLine(below, above));
  }
  return out;
}

/** Features every chain earns: its order in time, and hops that contradict it. */
function chainFeatures(chain: Chain): Features {
  const f: Features = { coherentChain: chain.coherence };
  if (chain.blamesOther > 0) f.hopBlamesOther = chain.blamesOther;
  if (chain.slow > 0) f.slowHop = chain.slow;
  return f;
}

/**
 * A surge that reached the failing services after the change and shortly before the failure: load
 * breaks what it breaks within minutes, so a surge that passed long before the failure woke nothing.
 */
function trigger(ctx: Context, services: readonly string[], changeAt: number, onset: number): { line: string; at: number | null } | null {
  const set = new Set(services);
  const from = Math.max(changeAt, onset - ctx.an.timing.surgeWindowMs);
  const t = ctx.an.traffic.filter((a) => set.has(a.service) && a.firedAt >= from && a.firedAt <= onset + ctx.an.timing.toleranceMs).at(-1);
  if (t) return { line: ev.triggerLine(t, changeAt), at: t.firedAt };
  for (const s of services) {
    for (const caller of ctx.top.callers.get(s) ?? []) {
      const before = ctx.slice.rpsBefore.get(edgeKey(caller, s));
      const now = ctx.top.rps.get(edgeKey(caller, s));
      if (before !== undefined && now !== undefined && before > 0 && now >= 2 * before) return { line: ev.rpsJumpLine(caller, s, before, now), at: null };
    }
  }
  return null;
}

/**
 * The consumers of a change that failed of it. A consumer counts only when its failure is its own:
 * one whose every alert is about its calls to another failing consumer failed of that one, and so
 * may one that calls another failing consumer that began failing before it, within the time a
 * failure takes to climb a hop. When a surge woke the change, a consumer that was failing before
 * the surge came was not woken by it.
 */
function consumersFailing(ctx: Context, failing: readonly ServiceAnomaly[], surgeAt: number | null): ServiceAnomaly[] {
  const names = new Set(failing.map((a) => a.service));
  const t = ctx.an.timing;
  // A consumer that calls another failing consumer, which began failing before it (by more than a
  // step) and recently enough to have brought it down, may only have failed of that one.
  const climbed = (a: ServiceAnomaly): boolean =>
    failing.some((b) => b !== a && (ctx.top.callees.get(a.service) ?? []).includes(b.service) && b.onset < a.onset - t.resolutionMs && a.onset - b.onset <= climbMs(t, 1));
  const own = failing.filter((a) => a.alerts.some((x) => x.dependency === null || x.dependency === a.service || !names.has(x.dependency)) && !climbed(a));
  return surgeAt === null ? own : own.filter((a) => a.onset >= surgeAt);
}

function addFailureBelow(ctx: Context, d: Draft, start: string, onset: number, explained: ReadonlySet<string>, unordered: string[] = []): void {
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
function failedFirst(ctx: Context, dependency: string, onset: number): boolean {
  const a = ctx.an.byService.get(dependency);
  return a !== undefined && clearlyAfter(ctx.an.timing, onset, a.onset) && onset - a.onset <= climbMs(ctx.an.timing, 1);
}

/**
 * Shared reasoning for a change (deploy or config) at `at` that acts on `actsOn` (chains start
 * there) and may also explain failures on `alsoExplains`.
 */
function changeDraft(
  ctx: Context,
  cause: EntityRef,
  service: string,
  at: number,
  actsOn: readonly string[],
  alsoExplains: readonly string[],
  lead: string[],
  governs: string | null = null,
): Draft | null {
  const { an } = ctx;
  const o = an.timing;
  if (at > an.symptomStart + o.toleranceMs) return null;
  const startOnset = (s: string, fallback: number): number => an.byService.get(s)?.onset ?? fallback;
  // A failure that began before the change, or after the symptom, is not its effect.
  const effective = (s: string): ServiceAnomaly | null => {
    const a = an.byService.get(s);
    return a && a.onset >= at - o.toleranceMs && a.onset <= an.symptomStart + o.toleranceMs ? a : null;
  };
  let best: { chain: Chain; start: string; onset: number | null } | null = null;
  for (const s of actsOn) {
    const a = effective(s);
    const chain = chainFrom(ctx.top, an, s, at);
    if (!chain) continue;
    const onset = a?.onset ?? null;
    // The chain the failure most plausibly climbed: through a failing service, with no hop its
    // callers contradict, in order in time, and short.
    const bad = (c: Chain): number => c.blamesOther + c.slow;
    const better =
      !best ||
      ((onset !== null) !== (best.onset !== null)
        ? onset !== null
        : bad(chain) !== bad(best.chain)
          ? bad(chain) < bad(best.chain)
          : chain.coherence !== best.chain.coherence
            ? chain.coherence > best.chain.coherence
            : chain.services.length < best.chain.services.length);
    if (better) best = { chain, start: s, onset };
  }
  if (!best) return null;
  const d: Draft = { cause, service, chain: best.chain, features: { [cause.kind === 'deploy' ? 'deploy' : 'config']: 1, ...chainFeatures(best.chain) }, evidence: lead };
  const failing = actsOn.map(effective).filter((a): a is ServiceAnomaly => a !== null);
  const extra = alsoExplains.map(effective).filter((a): a is ServiceAnomaly => a !== null);
  if (best.onset === null) {
    d.features.noAnomaly = 1;
    d.evidence.push(ev.noFailureLine(best.start, ctx.an.symptomStart));
    d.evidence.push(...chainEvidence(ctx, best.chain));
    return d;
  }
  const onset = Math.min(best.onset, ...extra.map((a) => a.onset));
  d.evidence.push(ev.failureLine(an.byService.get(best.start) as ServiceAnomaly, at));
  for (const a of extra) d.evidence.push(ev.failureLine(a, at));
  const lag = Math.max(0, onset - at);
  let surgeAt: number | null = null;
  if (lag <= o.quickEffectMs) {
    d.features.quickEffect = 1;
    // A surge that came after the change and just before a saturation explains it alone.
    const t = hasOwnFailureSignal(an.byService.get(best.start)) ? trigger(ctx, best.chain.services, at, onset) : null;
    if (t) {
      d.features.surgeAlone = 1;
      d.evidence.push(t.line);
    }
  } else {
    const t = trigger(ctx, [...best.chain.services, ...actsOn, ...alsoExplains], at, onset);
    if (t) {
      // Among changes a surge woke up, the later one is likelier: fewer surges passed it harmlessly.
      d.features.triggered = 1;
      d.features.lagPerLog2Hour = 0.3 * Math.log2(1 + lag / HOUR);
      if (hasOwnFailureSignal(an.byService.get(best.start))) d.features.surgeAlone = 1;
      d.evidence.push(t.line);
      surgeAt = t.at;
    } else {
      d.features.stale = 1;
      d.features.lagPerLog2Hour = Math.log2(1 + lag / HOUR);
      d.evidence.push(ev.staleLine(at, onset));
    }
  }
  const consumers = consumersFailing(ctx, failing, surgeAt);
  if (consumers.length > 1) d.features.sharedConsumers = consumers.length - 1;
  for (const a of consumers) if (a.service !== best.start && !extra.includes(a)) d.evidence.push(ev.failureLine(a, at));
  const later = laterChange(ctx, service, at, startOnset(best.start, onset));
  if (later) {
    d.features.laterChange = 1;
    d.evidence.push(ev.laterChangeLine(service, later.id, later.at, startOnset(best.start, onset)));
  }
  // A callee that cannot account for the service's failure (it slowed far too little) is no failure
  // below it; nor is what the change itself explains.
  const short = shortfallsBelow(an, best.start, (s) => callsPerRequest(ctx.top, best.start, s));
  addShortfalls(ctx, d, best.start, short);
  const explained = new Set([
    ...actsOn,
    ...alsoExplains,
    ...(governs !== null && !failedFirst(ctx, governs, startOnset(best.start, onset)) ? [governs] : []),
    ...short.keys(),
  ]);
  // The service itself says its calls to another failing service fail: the fault lies below.
  addPointsBelow(ctx, d, best.start, explained);
  if (extra.length > 0) d.features.newDependency = 1;
  addFailureBelow(ctx, d, best.start, startOnset(best.start, onset), explained);
  d.evidence.push(...chainEvidence(ctx, best.chain));
  return d;
}

/** Evidence for the callees `service` names in its own alerts that cannot account for its failure. */
function addShortfalls(ctx: Context, d: Draft, service: string, short: ReadonlyMap<string, Shortfall>): void {
  for (const callee of [...namedCallees(ctx.an, service)].slice(0, 2)) {
    const f = short.get(callee);
    if (f) d.evidence.push(ev.shortfallLine(service, callee, f));
  }
}

/** A failing service that reports failing calls to another failing service points below itself. */
function addPointsBelow(ctx: Context, d: Draft, service: string, explained: ReadonlySet<string>): void {
  const below = (ctx.an.byService.get(service)?.alerts ?? []).find((a) => a.dependency !== null && !explained.has(a.dependency) && ctx.an.byService.has(a.dependency));
  if (!below || below.dependency === null) return;
  d.features.pointsBelow = 1;
  d.evidence.push(ev.pointsBelowLine(service, below.dependency, below.firedAt));
}

/**
 * The latest other change of `service` after `at` and before `onset` by more than one step of the
 * alerts' resolution: a deploy still running then, or a config change of the service. The change at
 * `at` ran without failing until it came. A change within a step of the onset may have come after
 * the failure began: it says nothing.
 */
function laterChange(ctx: Context, service: string, at: number, onset: number): { id: string; at: number } | null {
  let best: { id: string; at: number } | null = null;
  const res = ctx.an.timing.resolutionMs;
  for (const x of changesOf(ctx.slice).get(service) ?? []) {
    if (x.at > at && x.at <= onset - res && (x.deploy === null || runningAt(ctx, x.deploy, onset)) && (!best || x.at > best.at)) best = { id: x.id, at: x.at };
  }
  return best;
}

type ServiceChange = { id: string; at: number; deploy: DeployState | null };
const changeIndex = new WeakMap<RootCauseSlice, Map<string, ServiceChange[]>>();

/** The slice's deploys and config changes by the service they change, built once per slice. */
function changesOf(slice: RootCauseSlice): Map<string, ServiceChange[]> {
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
 * The deploy that made a service start calling another: the last one of it that started before the
 * new dependency appeared, and shortly before. An earlier deploy's version was no longer rolling out.
 */
function introducer(ctx: Context, n: NewDependency): DeployState | null {
  let best: DeployState | null = null;
  for (const d of ctx.slice.deploys) {
    if (d.service !== n.from || d.startedAt > n.at + ctx.an.timing.toleranceMs || n.at - d.startedAt > ctx.an.timing.quickEffectMs) continue;
    if (!best || d.startedAt > best.startedAt || (d.startedAt === best.startedAt && d.id > best.id)) best = d;
  }
  return best;
}

export function deployDraft(ctx: Context, dep: DeployState): Draft | null {
  const { o, an } = ctx;
  // A rolled-back deploy explains nothing after its rollback. Dropping it needs the order to hold
  // beyond one step of the alerts' resolution.
  const rolledBackAt = dep.status === 'rolled_back' ? dep.finishedAt : null;
  const onset = an.byService.get(dep.service)?.onset;
  if (rolledBackAt !== null && (onset === undefined || onset >= rolledBackAt - o.toleranceMs + an.timing.resolutionMs)) return null;
  const added = ctx.slice.newDependencies.filter((n) => introducer(ctx, n)?.id === dep.id);
  const lead = [ev.deployLine(dep), ...added.map((n) => ev.newDependencyLine(n.from, n.to, n.at))];
  const d = changeDraft(ctx, { kind: 'deploy', id: dep.id }, dep.service, dep.startedAt, [dep.service], added.map((n) => n.to), lead);
  if (d) {
    addBlame(ctx, d, dep.service);
    addGovernedReports(ctx, d);
  }
  return d;
}

/**
 * A later change of the same setting (service, key and governed dependency) made before the failure
 * began, by more than a step of the alerts' resolution: the value `c` set was no longer in force
 * when the service failed, so it explains nothing.
 */
function supersededBefore(ctx: Context, c: ConfigChangeState, onset: number): boolean {
  const res = ctx.an.timing.resolutionMs;
  return ctx.slice.configChanges.some((x) => x.id !== c.id && x.service === c.service && x.key === c.key && x.dependency === c.dependency && x.at > c.at && x.at <= onset - res);
}

export function configDraft(ctx: Context, c: ConfigChangeState): Draft | null {
  const consumers = [c.service, ...c.services.filter((s) => s !== c.service)];
  const d = changeDraft(ctx, { kind: 'config', id: c.id }, c.service, c.at, consumers, [], [ev.configLine(c)], c.dependency);
  if (!d) return null;
  if (supersededBefore(ctx, c, ctx.an.byService.get(d.chain.services[0] as string)?.onset ?? ctx.an.symptomStart)) return null;
  // The setting lives in its service, whatever it governs: failing calls to that service count.
  addBlame(ctx, d, c.service);
  addGovernedReports(ctx, d, c.id);
  if (c.dependency !== null) {
    // Consumers reporting failing calls to the very dependency this setting governs.
    const gov = ctx.an.byService.get(c.dependency);
    const dep = c.dependency;
    const callers = consumers.filter((s) => gov?.blamedBy.has(s) && !failedFirst(ctx, dep, ctx.an.byService.get(s)?.onset ?? Infinity));
    if (callers.length > 0) {
      d.features.edgeBlame = Math.min(3, (d.features.edgeBlame ?? 0) + callers.length);
      for (const s of callers) d.evidence.push(ev.blameLine(c.dependency, s, gov?.blamedBy.get(s) as number));
    }
  }
  return d;
}

/**
 * A service whose failure shows only in its callers' reports of their calls to it, where each of
 * those callers has a setting governing exactly those calls that could stand behind its failure (a
 * surge woke it, or it came shortly before): the setting explains the reports, and nothing shows the
 * service itself failing. Another story that starts at the service is the weaker one.
 */
function addGovernedReports(ctx: Context, d: Draft, except: string | null = null): void {
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

function addBlame(ctx: Context, d: Draft, service: string): void {
  const a = ctx.an.byService.get(service);
  if (!a || a.blamedBy.size === 0) return;
  d.features.edgeBlame = Math.min(3, a.blamedBy.size);
  for (const [caller, at] of [...a.blamedBy].sort((x, y) => x[1] - y[1]).slice(0, 3)) d.evidence.push(ev.blameLine(service, caller, at));
}

/** A deploy's version still ran at `t`: it was not rolled back before then. */
const runningAt = (ctx: Context, d: DeployState, t: number): boolean =>
  !(d.status === 'rolled_back' && d.finishedAt !== null && d.finishedAt < t - ctx.an.timing.toleranceMs);

/**
 * Whether a change at `at` could stand behind the failure: it came shortly before it, or a surge
 * woke it. A change that sat for days with nothing to wake it is no change behind the failure.
 */
function standsBehind(ctx: Context, at: number, a: ServiceAnomaly, chain: Chain): boolean {
  if (at > a.onset + ctx.an.timing.toleranceMs) return false;
  if (a.onset - at <= ctx.an.timing.quickEffectMs) return true;
  return trigger(ctx, chain.services, at, a.onset) !== null;
}

const changedMemo = new WeakMap<Context, Map<string, boolean>>();

/**
 * Whether a recorded change of `service` (a deploy still running, a config change of it or shared
 * with it) stands behind its failure. `chain` is the failure's chain, for the surge that woke a change.
 */
function changedBehind(ctx: Context, service: string, chain?: Chain): boolean {
  let memo = changedMemo.get(ctx);
  if (!memo) changedMemo.set(ctx, (memo = new Map<string, boolean>()));
  const known = memo.get(service);
  if (known !== undefined) return known;
  const a = ctx.an.byService.get(service);
  const c = a === undefined ? null : (chain ?? chainFrom(ctx.top, ctx.an, service, a.onset));
  const changed =
    a !== undefined &&
    c !== null &&
    (ctx.slice.deploys.some((x) => x.service === service && runningAt(ctx, x, a.onset) && standsBehind(ctx, x.startedAt, a, c)) ||
      ctx.slice.configChanges.some((x) => (x.service === service || x.services.includes(service)) && standsBehind(ctx, x.at, a, c)));
  memo.set(service, changed);
  return changed;
}

/** A service that began failing by itself: its own failure, with no change needed to explain it. */
export function serviceDraft(ctx: Context, a: ServiceAnomaly): Draft | null {
  const { an } = ctx;
  const o = an.timing;
  if (a.onset > an.symptomStart + o.toleranceMs) return null;
  const chain = chainFrom(ctx.top, an, a.service, a.onset);
  if (!chain) return null;
  const d: Draft = {
    cause: { kind: 'service', id: a.service },
    service: a.service,
    chain,
    features: { service: 1, ...chainFeatures(chain) },
    evidence: [ev.failureLine(a)],
  };
  if (!changedBehind(ctx, a.service, chain)) {
    d.features.noChange = 1;
    d.evidence.push(ev.noChangeLine(a.service, ctx.slice.from, a.onset));
  }
  // A failure already under way when first seen, while the symptom's failure was seen to begin more
  // than a step later: it went on for an unknown time without bringing the symptom down.
  if (onsetUnseen(a) && an.symptomStart - a.onset > o.resolutionMs) {
    d.features.satBefore = 1;
    d.evidence.push(ev.unseenOnsetLine(a, an.symptomStart));
  }
  // A callee that cannot account for this service's failure (it slowed far too little) is no
  // failure below it, whatever the order.
  const short = shortfallsBelow(ctx.an, a.service, (s) => callsPerRequest(ctx.top, a.service, s));
  addShortfalls(ctx, d, a.service, short);
  const cleared = new Set(short.keys());
  if (hasOwnFailureSignal(a)) d.features.ownFailureSignal = 1;
  // A service with no failure of its own that says its calls to a failing callee fail is a victim.
  else addPointsBelow(ctx, d, a.service, cleared);
  const kind = ctx.top.kinds.get(a.service);
  if (kind && INFRA_KINDS.has(kind)) d.features.infraKind = 1;
  addBlame(ctx, d, a.service);
  addGovernedReports(ctx, d);
  const t = trigger(ctx, chain.services, a.onset - o.quickEffectMs, a.onset);
  if (t) {
    d.features.surge = 1;
    d.evidence.push(t.line);
  }
  const sameStep: string[] = [];
  addFailureBelow(ctx, d, a.service, a.onset, cleared, sameStep);
  // With no change behind it, a failure that began in the same step as one below it, in a service
  // it calls, more likely climbed from there: failures climb calls, they do not go down them. Only
  // a failure below that could explain what this one showed counts (errors need errors below).
  const unordered = sameStep.filter((s) => couldExplain(ctx.an, s, a.service));
  if (d.features.noChange === 1 && unordered.length > 0) {
    delete d.features.deepest;
    d.features.sameStepBelow = unordered.length;
    for (const s of unordered.slice(0, 3)) d.evidence.push(ev.sameStepLine(a.service, ctx.an.byService.get(s) as ServiceAnomaly));
  }
  d.evidence.push(...chainEvidence(ctx, chain));
  return d;
}
