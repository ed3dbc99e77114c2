/** Candidates that are services: a failure that began by itself, with no change needed to explain it. */
import { couldExplain, hasOwnFailureSignal, onsetUnseen, type ServiceAnomaly, shortfallsBelow, surgedInto } from './root-cause-anomaly.js';
import { callFacts, chainFrom } from './root-cause-chain.js';
import * as ev from './root-cause-evidence.js';
import { addBlame, addFailureBelow, addGovernedReports, addPointsBelow, addShortfalls, chainEvidence, chainFeatures, type Context, changedBehind, type ChangeConcerning, changesConcerning, type Draft, type NotBehind, trigger } from './root-cause-candidates.js';

const INFRA_KINDS: ReadonlySet<string> = new Set(['database', 'cache', 'queue', 'external']);

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
    const changes = changesConcerning(ctx, a.service, chain).filter((c): c is ChangeConcerning & { why: NotBehind } => c.why !== null);
    d.evidence.push(changes.length === 0 ? ev.noChangeLine(a.service, ctx.slice.from, a.onset) : ev.noChangeBehindLine(a.service, a.onset, changes, o.surgeWindowMs));
  }
  // A failure already under way when first seen, while the symptom's failure was seen to begin more
  // than a step later: it went on for an unknown time without bringing the symptom down.
  if (onsetUnseen(a) && an.symptomStart - a.onset > o.resolutionMs) {
    d.features.satBefore = 1;
    d.evidence.push(ev.unseenOnsetLine(a, an.symptomStart));
  }
  // A callee that cannot account for this service's failure (it slowed far too little) is no
  // failure below it, whatever the order.
  const short = shortfallsBelow(ctx.an, a.service, (s) => callFacts(ctx.top, a.service, s));
  addShortfalls(ctx, d, a.service, short);
  const cleared = new Set(short.keys());
  if (hasOwnFailureSignal(a)) d.features.ownFailureSignal = 1;
  // A service with no failure of its own that says its calls to a failing callee fail is a victim.
  else addPointsBelow(ctx, d, a.service, cleared);
  const kind = ctx.top.kinds.get(a.service);
  if (kind && INFRA_KINDS.has(kind)) d.features.infraKind = 1;
  addBlame(ctx, d, a.service);
  addGovernedReports(ctx, d);
  const t = trigger(ctx, chain.services, null, a.onset);
  if (t) {
    d.features.surge = 1;
    d.evidence.push(t.line);
  }
  const sameStep: string[] = [];
  addFailureBelow(ctx, d, a.service, a.onset, cleared, sameStep);
  // With no change behind it, a failure that began in the same step as one below it, in a service
  // it calls, more likely climbed from there: failures climb calls, they do not go down them. Only
  // a failure below that could explain what this one showed counts (errors need errors below).
  // Load that arrived at the service itself flowed down to what it calls: a callee that failed in
  // the same step took that load from it, and did not bring it down.
  const surge = sameStep.length > 0 ? surgedInto(ctx.an, a.service) : null;
  if (surge) d.evidence.push(ev.tookLoadLine(a.service, surge, sameStep));
  const unordered = surge ? [] : sameStep.filter((s) => couldExplain(ctx.an, s, a.service));
  if (d.features.noChange === 1 && unordered.length > 0) {
    delete d.features.deepest;
    d.features.sameStepBelow = unordered.length;
    for (const s of unordered.slice(0, 3)) d.evidence.push(ev.sameStepLine(a.service, ctx.an.byService.get(s) as ServiceAnomaly));
  }
  d.evidence.push(...chainEvidence(ctx, chain));
  return d;
}
