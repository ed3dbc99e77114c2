/**
 * Candidates that are changes: deploys and config changes, with the chain each one most plausibly
 * climbed, and what weakens it (a change that sat, a later change, failures below that began first).
 */
import type { EntityRef } from '../../schema/events.js';
import type { ConfigChangeState, DeployState } from '../model/views.js';
import { hasOwnFailureSignal, type ServiceAnomaly, shortfallsBelow } from './root-cause-anomaly.js';
import { type Chain, callFacts, chainFrom } from './root-cause-chain.js';
import * as ev from './root-cause-evidence.js';
import { climbMs } from './root-cause-timing.js';
import type { NewDependency } from './root-cause-types.js';
import { addBlame, addFailureBelow, addGovernedReports, addPointsBelow, addShortfalls, chainEvidence, chainFeatures, type Context, changesOf, type Draft, failedFirst, runningAt, settingFeeds, trigger } from './root-cause-candidates.js';

const HOUR = 3_600_000;

/** Records why a change cannot be the cause; no candidate comes of it. */
function ruleOut(ctx: Context, cause: EntityRef, service: string, at: number, reason: string): null {
  ctx.ruledOut.push({ cause, service, at, reason });
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

/**
 * Shared reasoning for a change (deploy or config) at `at` that acts on `actsOn` (chains start
 * there) and may also explain failures on `alsoExplains`. `feeds` are stores the change moves load
 * onto (a cache setting's databases): one that failed, after the change, starts the chain.
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
  feeds: readonly string[] = [],
): Draft | null {
  const { an } = ctx;
  const o = an.timing;
  if (at > an.symptomStart + o.changeSkewMs) return ruleOut(ctx, cause, service, at, ev.afterSymptomLine(cause, service, governs, at, an.symptomStart));
  const startOnset = (s: string, fallback: number): number => an.byService.get(s)?.onset ?? fallback;
  // A failure that began before the change, or after the symptom, is not its effect.
  const effective = (s: string): ServiceAnomaly | null => {
    const a = an.byService.get(s);
    return a && a.onset >= at - o.changeSkewMs && a.onset <= an.symptomStart + o.toleranceMs ? a : null;
  };
  let best: { chain: Chain; start: string; onset: number | null } | null = null;
  // A store the change loaded that failed after it, and whose failure climbed to a consumer calling
  // it (the consumer failed after it, within a hop's climbing time), is where its effect began.
  const climbedTo = (store: ServiceAnomaly): boolean =>
    actsOn.some((s) => {
      const c = effective(s);
      return c !== null && (ctx.top.callees.get(s) ?? []).includes(store.service) && c.onset >= store.onset - o.toleranceMs && c.onset - store.onset <= climbMs(o, 1);
    });
  const fed = feeds.filter((s) => {
    const a = effective(s);
    return a !== null && climbedTo(a);
  });
  for (const s of fed.length > 0 ? fed : actsOn) {
    const a = effective(s);
    const chain = chainFrom(ctx.top, an, s, at);
    if (!chain) continue;
    const onset = a?.onset ?? null;
    // The chain the failure most plausibly climbed: through a failing service, with no hop its
    // callers contradict, in order in time, from the service the change belongs to, and short.
    const bad = (c: Chain): number => c.blamesOther + c.slow;
    const better =
      !best ||
      ((onset !== null) !== (best.onset !== null)
        ? onset !== null
        : bad(chain) !== bad(best.chain)
          ? bad(chain) < bad(best.chain)
          : chain.coherence !== best.chain.coherence
            ? chain.coherence > best.chain.coherence
            : (s === service) !== (best.start === service)
              ? s === service
              : chain.services.length < best.chain.services.length);
    if (better) best = { chain, start: s, onset };
  }
  if (!best) return ruleOut(ctx, cause, service, at, ev.unlinkedLine(cause, service, governs, fed.length > 0 ? fed : actsOn, ctx.slice.symptoms, ctx.slice.at));
  const d: Draft = { cause, service, chain: best.chain, features: { [cause.kind === 'deploy' ? 'deploy' : 'config']: 1, ...chainFeatures(best.chain) }, evidence: lead, effect: [...lead] };
  // A line about the change taking effect where its chain starts: its first hop's evidence too.
  const effect = (line: string): void => {
    d.evidence.push(line);
    d.effect?.push(line);
  };
  const failing = actsOn.map(effective).filter((a): a is ServiceAnomaly => a !== null);
  const extra = alsoExplains.map(effective).filter((a): a is ServiceAnomaly => a !== null);
  if (best.onset === null) {
    d.features.noAnomaly = 1;
    effect(ev.noEffectLine(best.start, an.byService.get(best.start), at, an.symptomStart));
    d.evidence.push(...chainEvidence(ctx, best.chain));
    return d;
  }
  const onset = Math.min(best.onset, ...extra.map((a) => a.onset));
  effect(ev.failureLine(an.byService.get(best.start) as ServiceAnomaly, at));
  for (const a of extra) d.evidence.push(ev.failureLine(a, at));
  const lag = Math.max(0, onset - at);
  let surgeAt: number | null = null;
  if (lag <= o.quickEffectMs) {
    d.features.quickEffect = 1;
    // A surge that came after the change and just before a saturation explains it alone.
    const t = hasOwnFailureSignal(an.byService.get(best.start)) && !fed.includes(best.start) ? trigger(ctx, best.chain.services, at, onset) : null;
    if (t) {
      d.features.surgeAlone = 1;
      effect(t.line);
    }
  } else {
    const t = trigger(ctx, [...best.chain.services, ...actsOn, ...alsoExplains], at, onset);
    if (t) {
      // Among changes a surge woke up, the later one is likelier: fewer surges passed it harmlessly.
      d.features.triggered = 1;
      d.features.lagPerLog2Hour = 0.3 * Math.log2(1 + lag / HOUR);
      // A surge alone explains a saturation, unless the change is what sent the surge's load there.
      if (hasOwnFailureSignal(an.byService.get(best.start)) && !fed.includes(best.start)) d.features.surgeAlone = 1;
      effect(t.line);
      surgeAt = t.at;
    } else {
      d.features.stale = 1;
      d.features.lagPerLog2Hour = Math.log2(1 + lag / HOUR);
      effect(ev.staleLine(at, onset, o.surgeWindowMs));
    }
  }
  const consumers = consumersFailing(ctx, failing, surgeAt);
  if (consumers.length > 1) d.features.sharedConsumers = consumers.length - 1;
  for (const a of consumers) if (a.service !== best.start && !extra.includes(a)) d.evidence.push(ev.failureLine(a, at));
  const later = laterChange(ctx, service, at, startOnset(best.start, onset));
  if (later) {
    d.features.laterChange = 1;
    effect(ev.laterChangeLine(service, later.id, later.at, startOnset(best.start, onset)));
  }
  // A callee that cannot account for the service's failure (it slowed far too little) is no failure
  // below it; nor is what the change itself explains.
  const short = shortfallsBelow(an, best.start, (s) => callFacts(ctx.top, best.start, s));
  addShortfalls(ctx, d, best.start, short);
  const explained = new Set([
    ...actsOn,
    ...alsoExplains,
    ...(governs !== null && !failedFirst(ctx, governs, startOnset(best.start, onset)) ? [governs] : []),
    ...fed,
    ...short.keys(),
  ]);
  // The service itself says its calls to another failing service fail: the fault lies below.
  addPointsBelow(ctx, d, best.start, explained);
  if (extra.length > 0) d.features.newDependency = 1;
  addFailureBelow(ctx, d, best.start, startOnset(best.start, onset), explained);
  d.evidence.push(...chainEvidence(ctx, best.chain));
  return d;
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

/**
 * The deploy that made a service start calling another: the last one of it that started before the
 * new dependency appeared, and shortly before (`deploysOf`: its caller's deploys). An earlier deploy's version was no longer rolling out.
 */
function introducer(ctx: Context, n: NewDependency, deploysOf: readonly DeployState[]): DeployState | null {
  let best: DeployState | null = null;
  for (const d of deploysOf) {
    if (d.startedAt > n.at + ctx.an.timing.toleranceMs || n.at - d.startedAt > ctx.an.timing.quickEffectMs) continue;
    if (!best || d.startedAt > best.startedAt || (d.startedAt === best.startedAt && d.id > best.id)) best = d;
  }
  return best;
}

/** The new dependencies each deploy introduced, found once per analysis (every deploy asks). */
const introducedMemo = new WeakMap<Context, Map<string, NewDependency[]>>();

function introducedBy(ctx: Context, deploy: string): NewDependency[] {
  let byDeploy = introducedMemo.get(ctx);
  if (!byDeploy) {
    byDeploy = new Map();
    const deploysOf = new Map<string, DeployState[]>();
    for (const d of ctx.slice.deploys) (deploysOf.get(d.service) ?? deploysOf.set(d.service, []).get(d.service))?.push(d);
    for (const n of ctx.slice.newDependencies) {
      const d = introducer(ctx, n, deploysOf.get(n.from) ?? []);
      if (d) (byDeploy.get(d.id) ?? byDeploy.set(d.id, []).get(d.id))?.push(n);
    }
    introducedMemo.set(ctx, byDeploy);
  }
  return byDeploy.get(deploy) ?? [];
}

export function deployDraft(ctx: Context, dep: DeployState): Draft | null {
  const { o, an } = ctx;
  // A rolled-back deploy explains nothing after its rollback. Dropping it needs the order to hold
  // beyond one step of the alerts' resolution.
  const rolledBackAt = dep.status === 'rolled_back' ? dep.finishedAt : null;
  const onset = an.byService.get(dep.service)?.onset;
  if (rolledBackAt !== null && (onset === undefined || onset >= rolledBackAt - o.toleranceMs + an.timing.resolutionMs)) {
    return ruleOut(ctx, { kind: 'deploy', id: dep.id }, dep.service, dep.startedAt, ev.rolledBackLine(dep, onset));
  }
  const added = introducedBy(ctx, dep.id);
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
function supersededBefore(ctx: Context, c: ConfigChangeState, onset: number): ConfigChangeState | null {
  const res = ctx.an.timing.resolutionMs;
  return ctx.slice.configChanges.find((x) => x.id !== c.id && x.service === c.service && x.key === c.key && x.dependency === c.dependency && x.at > c.at && x.at <= onset - res) ?? null;
}

/** Consumers of a setting that reported failing calls to `dependency` (those `keep` allows) add to its blame. */
function addConsumerBlame(ctx: Context, d: Draft, consumers: readonly string[], dependency: string, keep: (consumer: string) => boolean = () => true): void {
  const reported = ctx.an.byService.get(dependency)?.blamedBy;
  const callers = consumers.filter((s) => reported?.has(s) === true && keep(s));
  if (callers.length === 0) return;
  d.features.edgeBlame = Math.min(3, (d.features.edgeBlame ?? 0) + callers.length);
  for (const s of callers) d.evidence.push(ev.blameLine(dependency, s, reported?.get(s) as number));
}

export function configDraft(ctx: Context, c: ConfigChangeState): Draft | null {
  const consumers = [c.service, ...c.services.filter((s) => s !== c.service)];
  const feeds = settingFeeds(ctx, c);
  const d = changeDraft(ctx, { kind: 'config', id: c.id }, c.service, c.at, consumers, [], [ev.configLine(c)], c.dependency, feeds);
  if (!d) return null;
  const start = d.chain.services[0] as string;
  const onset = ctx.an.byService.get(start)?.onset ?? ctx.an.symptomStart;
  const by = supersededBefore(ctx, c, onset);
  if (by) return ruleOut(ctx, { kind: 'config', id: c.id }, c.service, c.at, ev.supersededLine(c, by, onset));
  // The setting lives in its service, whatever it governs: failing calls to that service count.
  addBlame(ctx, d, c.service);
  addGovernedReports(ctx, d, c.id);
  if (feeds.includes(start)) {
    // The chain starts at a store the setting moved load onto: consumers' reports of their calls to
    // it are the very path of its effect.
    const through = consumers.filter((s) => (ctx.top.callees.get(s) ?? []).includes(start));
    const line = ev.feedsLine(c.id, c.dependency as string, through, start);
    d.evidence.splice(1, 0, line);
    d.effect?.splice(1, 0, line);
    addConsumerBlame(ctx, d, consumers, start);
  }
  // Consumers reporting failing calls to the very dependency this setting governs.
  const dep = c.dependency;
  if (dep !== null) addConsumerBlame(ctx, d, consumers, dep, (s) => !failedFirst(ctx, dep, ctx.an.byService.get(s)?.onset ?? Infinity));
  return d;
}
