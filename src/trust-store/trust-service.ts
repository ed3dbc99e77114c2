/**
 * The trust layer's use cases: postmortem verdicts (as events, through the one pipeline), decision
 * provenance and its settlement, calibration, error budgets, the trust ladder and the readiness
 * gate. It reads the graph through the read port and keeps its memory behind `TrustStore`; the
 * rules themselves are the pure functions of `src/trust/`.
 *
 * @example
 * const trust = createTrustService({ reader: store, store: createMemoryTrustStore(), ingest: pipeline.ingest, logger });
 * await trust.promote({ id: 'alice', type: 'human' }, 'fixer', 'api');      // read-only -> shadow
 * const line = await trust.trustVerdict({ id: 'fixer', role: 'agent' }, 'api'); // for the control policy
 */
import { randomUUID } from 'node:crypto';
import type { EntityRef } from '../../schema/events.js';
import { resolveOptions, rootCause } from '../analysis/root-cause.js';
import type { RootCauseAnalysis } from '../analysis/root-cause-types.js';
import type { IngestOutcome } from '../ingest/pipeline.js';
import type { Logger } from '../logger.js';
import { type Instant, toIso } from '../model/time.js';
import type { CausalLinkState, IncidentState } from '../model/views.js';
import type { GraphReader } from '../store/graph-store.js';
import { actionEnd, observedServices } from '../trust/action-outcome.js';
import { calibrate, calibrateBy, type Calibration, type CalibrationGroup, type CalibrationSlice } from '../trust/calibration.js';
import { type ChangeOutcome, changeOutcomes, confirmedCauses } from '../trust/change-outcomes.js';
import { DAY } from '../trust/durations.js';
import { type AuthorBudget, type BudgetPolicy, budgetsByAuthorType, DEFAULT_BUDGET_POLICY, errorBudget } from '../trust/error-budget.js';
import {
  applyTransition,
  DEFAULT_LADDER_POLICY,
  demotion,
  initialState,
  type LadderCheck,
  type LadderEvidence,
  type LadderPolicy,
  type LadderState,
  type LadderTransition,
  promotion,
  promotionChecks,
} from '../trust/ladder.js';
import { type Author, CTXGRAPH, type PredictedCause, type Prediction, rootCausePrediction, settleBlastRadius, settleRootCause, versionOf } from '../trust/provenance.js';
import { type Readiness, readiness } from '../trust/readiness.js';
import { similarIncidents, type SimilarIncident } from '../trust/similar.js';
import { type TrustLine, trustLine } from '../trust/verdict.js';
import type { PredictionFilter, TrustStore } from './trust-store.js';

export interface TrustPolicy {
  budget: BudgetPolicy;
  ladder: LadderPolicy;
  /** The readiness gate's minimum shadow period. */
  readinessShadowMs: number;
}

export const DEFAULT_TRUST_POLICY: TrustPolicy = { budget: DEFAULT_BUDGET_POLICY, ladder: DEFAULT_LADDER_POLICY, readinessShadowMs: 30 * DAY };

export type TrustErrorCode = 'NOT_FOUND' | 'INVALID' | 'FORBIDDEN' | 'CONFLICT' | 'REFUSED';
export interface TrustError {
  code: TrustErrorCode;
  message: string;
  /** For a refused promotion: every check, met or not. */
  checks?: LadderCheck[];
}
export type TrustResult<T> = { ok: true; value: T } | { ok: false; error: TrustError };

const ok = <T>(value: T): TrustResult<T> => ({ ok: true, value });
const err = <T>(code: TrustErrorCode, message: string, checks?: LadderCheck[]): TrustResult<T> => ({ ok: false, error: { code, message, ...(checks ? { checks } : {}) } });

export interface TrustDeps {
  reader: GraphReader;
  store: TrustStore;
  /** The pipeline's `ingest`: postmortem verdicts become events, so replay covers them. */
  ingest: (events: readonly unknown[]) => Promise<IngestOutcome>;
  logger: Logger;
  policy?: TrustPolicy;
  now?: () => number;
  newId?: () => string;
  /** CloudEvents `source` of the events this service emits. */
  source?: string;
  /** Where promotions and demotions are also written, e.g. the control layer's signed audit log. */
  audit?: (t: LadderTransition) => Promise<void>;
}

export interface Postmortem {
  incident: IncidentState;
  /** ctxgraph's analysis as of the incident's opening; null when it cannot be analysed. */
  analysis: RootCauseAnalysis | null;
  /** Every ruling on a link of this incident, confirmed or rejected. */
  links: CausalLinkState[];
  /** Predictions about it (ctxgraph's decision and agents' shadow predictions), settled once resolved. */
  predictions: Prediction[];
}

export interface LadderView {
  state: LadderState;
  evidence: LadderEvidence;
  /** What the next promotion would check, now. */
  nextChecks: LadderCheck[];
  transitions: LadderTransition[];
}

export interface ServiceBudgets {
  service: string | null;
  budgets: AuthorBudget[];
}

export interface TrustService {
  postmortem(incident: string): Promise<TrustResult<Postmortem>>;
  ruleOnLink(author: Author, verdict: 'confirmed' | 'rejected', link: { cause: EntityRef; effect: EntityRef; incident: string | null; note: string | null }): Promise<TrustResult<CausalLinkState>>;
  resolveIncident(author: Author, r: { incident: string; rootCause: EntityRef | null; chain: EntityRef[]; at: number | null }): Promise<TrustResult<Postmortem>>;
  similarIncidents(incident: string, limit: number): Promise<TrustResult<SimilarIncident[]>>;
  /** An agent's shadow prediction of an open incident's root cause, scored when it is resolved. */
  recordShadowPrediction(agent: Author, p: { incident: string; candidates: PredictedCause[]; evidence: string[]; version: string }): Promise<TrustResult<Prediction>>;
  /** ctxgraph's own analysis of an incident, kept once per incident and analysis version. */
  recordRootCause(incident: string): Promise<TrustResult<Prediction>>;
  /**
   * Keeps the provenance of an analysis ctxgraph served (the `rootCause` query), once per incident
   * and analysis version. Null when it is not kept: an ad-hoc question, or an incident already
   * resolved as known at `knownAt` (the answer was in the graph: that is no prediction).
   */
  recordAnalysis(analysis: RootCauseAnalysis, knownAt: number): Promise<Prediction | null>;
  /**
   * A blast-radius prediction for an action, with what it read (the control layer calls this).
   * `graphEvents`: how many new events it appended to the graph (one with the event-sourced store
   * when the prediction is new, else none).
   */
  recordBlastRadius(p: { action: string; service: string; impacted: string[]; at: number; knownAt: number; version: string; evidence: string[]; author: Author }): Promise<{ prediction: Prediction; graphEvents: number }>;
  /** The services an executed action was seen to affect: settles its blast-radius prediction. */
  recordActionOutcome(action: string, observed: string[]): Promise<TrustResult<Prediction>>;
  /**
   * Scores every unsettled prediction whose truth is now known: root causes of resolved incidents,
   * blast radii of actions whose outcome arrived. Returns how many it scored.
   */
  settle(): Promise<number>;
  calibration(f: { service?: string; author?: string; from?: number }): Promise<Calibration>;
  calibrationBy(f: { service?: string; author?: string; from?: number }, group: CalibrationGroup, periodMs: number): Promise<CalibrationSlice[]>;
  changeOutcomes(service?: string): Promise<ChangeOutcome[]>;
  errorBudgets(service?: string): Promise<ServiceBudgets>;
  readiness(service: string): Promise<Readiness>;
  ladder(agent: string, service: string): Promise<LadderView>;
  ladders(f: { agent?: string; service?: string }): Promise<LadderState[]>;
  promote(by: Author, agent: string, service: string): Promise<TrustResult<LadderView>>;
  /** Applies an automatic demotion (and promotion, where the policy allows) and returns the state. */
  review(agent: string, service: string): Promise<LadderState>;
  /** Reviews every enrolled agent on every service: run it periodically so a burnt budget demotes even when nobody asks. */
  reviewAll(): Promise<LadderState[]>;
  /** The trust primitive's say on a write by `caller` to `service`: the control policy's input. */
  trustVerdict(caller: { id: string; role: 'agent' | 'human' | 'admin' }, service: string): Promise<TrustLine>;
  policy(): TrustPolicy;
}

/** How far from an action's target an alert still counts as the action's doing (see `observedServices`). */
const OBSERVED_HOPS = 3;

function predictionFilter(f: { service?: string; author?: string; from?: number }): PredictionFilter {
  return { ...(f.service !== undefined ? { service: f.service } : {}), ...(f.author !== undefined ? { authorId: f.author } : {}), ...(f.from !== undefined ? { from: f.from } : {}) };
}

export function createTrustService(deps: TrustDeps): TrustService {
  const now = deps.now ?? Date.now;
  const newId = deps.newId ?? randomUUID;
  const source = deps.source ?? 'ctxgraph/postmortem';
  const policy = deps.policy ?? DEFAULT_TRUST_POLICY;
  const rcVersion = versionOf('root-cause', resolveOptions());
  const log = deps.logger.child({ component: 'trust' });
  const nowInstant = (): Instant => {
    const t = now();
    return { at: t, knownAt: t };
  };

  async function emit(author: Author, type: string, subject: string, data: object, at: number): Promise<TrustResult<null>> {
    const r = await deps.ingest([{ specversion: '1.0', id: newId(), source, type, time: toIso(at), subject, actor: author.id, actortype: author.type, data }]);
    return r.ok ? ok(null) : err('INVALID', r.errors.map((e) => `${e.path}: ${e.message}`).join('; '));
  }

  async function recordRootCause(incident: string): Promise<TrustResult<Prediction>> {
    const inc = await deps.reader.incident(incident, nowInstant());
    if (!inc) return err('NOT_FOUND', `no incident ${incident}`);
    const id = `root-cause:${incident}:${rcVersion}`;
    const known = (await deps.store.predictions({ incident, kind: 'root-cause' })).find((p) => p.id === id);
    if (known) return ok(known);
    const knownAt = now();
    const r = await rootCause(deps.reader, { incident, knownAt });
    if (!r.ok) return err('NOT_FOUND', `incident ${incident} cannot be analysed: ${r.error.kind}`);
    const p = rootCausePrediction({ id, author: CTXGRAPH, mode: 'decision', analysis: r.analysis, service: inc.services[0] ?? '', knownAt, version: rcVersion, recordedAt: knownAt });
    await deps.store.putPrediction(p);
    return ok(p);
  }

  async function recordAnalysis(analysis: RootCauseAnalysis, knownAt: number): Promise<Prediction | null> {
    if (analysis.incident === null) return null;
    const id = `root-cause:${analysis.incident}:${rcVersion}`;
    const [known] = await deps.store.predictions({ id });
    if (known) return known;
    const inc = await deps.reader.incident(analysis.incident, { at: knownAt, knownAt });
    if (!inc?.open) return null;
    const p = rootCausePrediction({ id, author: CTXGRAPH, mode: 'decision', analysis, service: inc.services[0] ?? '', knownAt, version: rcVersion, recordedAt: now() });
    await deps.store.putPrediction(p);
    return p;
  }

  /** Scores blast-radius predictions whose action's outcome is in the graph. */
  async function settleActions(t: Instant): Promise<number> {
    let n = 0;
    for (const p of await deps.store.predictions({ kind: 'blast-radius', settled: false })) {
      if (p.action === null) continue;
      const own = (await deps.reader.changes(Math.min(p.at, p.recordedAt), t.at, t.knownAt, p.service)).filter((c) => c.kind === 'action' && c.entity === p.action);
      const end = actionEnd(own);
      if (!end) continue;
      const [alerts, near] = await Promise.all([
        deps.reader.changes(end.executedAt ?? p.at, end.outcomeAt, t.knownAt),
        deps.reader.neighbourhood(p.service, { at: end.outcomeAt, knownAt: t.knownAt }, OBSERVED_HOPS, 'both'),
      ]);
      const observed = observedServices(end, p.service, alerts.filter((c) => c.type === 'alert.fired'), new Set(near?.services.map((s) => s.service.id) ?? []));
      const settled = settleBlastRadius(p, observed, t.at);
      if (settled.outcome && (await deps.store.settle(p.id, settled.outcome))) n++;
    }
    return n;
  }

  async function settle(): Promise<number> {
    const open = await deps.store.predictions({ kind: 'root-cause', settled: false });
    const t = nowInstant();
    const incidents = new Map<string, IncidentState | null>();
    let n = 0;
    for (const p of open) {
      if (p.incident === null) continue;
      if (!incidents.has(p.incident)) incidents.set(p.incident, await deps.reader.incident(p.incident, t));
      const inc = incidents.get(p.incident);
      if (!inc || inc.open) continue;
      const settled = settleRootCause(p, inc, null, t.at);
      if (settled.outcome && (await deps.store.settle(p.id, settled.outcome))) n++;
    }
    return n + (await settleActions(t));
  }

  async function postmortem(incident: string): Promise<TrustResult<Postmortem>> {
    const inc = await deps.reader.incident(incident, nowInstant());
    if (!inc) return err('NOT_FOUND', `no incident ${incident}`);
    await recordRootCause(incident);
    await settle();
    const analysis = await rootCause(deps.reader, { incident, knownAt: now() });
    const links = (await deps.reader.causalLinks(nowInstant())).filter((l) => l.incident === incident);
    return ok({ incident: inc, analysis: analysis.ok ? analysis.analysis : null, links, predictions: await deps.store.predictions({ incident }) });
  }

  async function outcomes(service?: string): Promise<ChangeOutcome[]> {
    const t = nowInstant();
    const ids = service !== undefined ? [service] : (await deps.reader.graphAt(t)).services.map((s) => s.id);
    const from = t.at - policy.budget.windowMs;
    const [deploys, configs, links] = await Promise.all([deps.reader.deploysBetween(ids, from, t), deps.reader.configChangesBetween(ids, from, t), deps.reader.causalLinks(t)]);
    return changeOutcomes(deploys, configs, confirmedCauses(links));
  }

  async function evidenceFor(state: LadderState): Promise<LadderEvidence> {
    const [shadow, changes, ready] = await Promise.all([
      deps.store.predictions({ service: state.service, authorId: state.agent, mode: 'shadow', settled: true, from: state.since }),
      outcomes(state.service),
      readinessOf(state.service),
    ]);
    const mine = changes.filter((o) => o.actor === state.agent);
    return {
      shadow: { total: shadow.length, correct: shadow.filter((p) => p.outcome?.correct === true).length },
      succeededChanges: mine.filter((o) => o.good && o.at >= state.since).length,
      budget: errorBudget(mine, policy.budget, now()),
      readiness: ready,
    };
  }

  async function readinessOf(service: string): Promise<Readiness> {
    const [detail, decisions] = await Promise.all([deps.reader.service(service, nowInstant()), deps.store.decisions(service)]);
    return readiness({
      serviceId: service,
      service: detail?.service ?? null,
      firstShadowAt: decisions.firstShadowAt,
      decisions: { total: decisions.total, withProvenance: decisions.withProvenance },
      now: now(),
      minShadowMs: policy.readinessShadowMs,
    });
  }

  async function stateOf(agent: string, service: string): Promise<LadderState> {
    return (await deps.store.ladder(agent, service)) ?? initialState(agent, service);
  }

  /** Stores a transition with its audit entry; false when another review moved the agent first. */
  async function move(state: LadderState, t: LadderTransition): Promise<LadderState | null> {
    const next = applyTransition(state, t);
    if (!(await deps.store.transition(next, state.version, t))) return null;
    (t.direction === 'demotion' ? log.warn.bind(log) : log.info.bind(log))({ agent: t.agent, service: t.service, from: t.from, to: t.to, by: t.by.id, reason: t.reason }, `trust ${t.direction}`);
    await deps.audit?.(t);
    return next;
  }

  /**
   * The automatic review, with the evidence it read when it needed any: only a rung that can be
   * demoted (supervised write, autonomous), or promoted automatically, is weighed. An agent on
   * read-only (every agent never enrolled) has nothing to weigh.
   */
  async function reviewed(agent: string, service: string): Promise<{ state: LadderState; evidence: LadderEvidence | null }> {
    for (;;) {
      const state = await stateOf(agent, service);
      const demotable = state.rung === 'supervised-write' || state.rung === 'autonomous';
      const promotable = policy.ladder.autoPromote && state.rung !== 'read-only';
      if (!demotable && !promotable) return { state, evidence: null };
      const e = await evidenceFor(state);
      const at = now();
      const d = demotion(state, e);
      if (d) {
        const moved = await move(state, { agent, service, from: state.rung, to: d.to, direction: 'demotion', at, by: CTXGRAPH, reason: d.check.reason, checks: [d.check] });
        if (moved) return { state: moved, evidence: e };
        continue;
      }
      if (promotable) {
        const p = promotion(state, e, policy.ladder, at, CTXGRAPH);
        if (p.to) {
          const moved = await move(state, { agent, service, from: state.rung, to: p.to, direction: 'promotion', at, by: CTXGRAPH, reason: 'evidence suffices (automatic review)', checks: p.checks });
          if (moved) return { state: moved, evidence: e };
          continue;
        }
      }
      return { state, evidence: e };
    }
  }

  const review = async (agent: string, service: string): Promise<LadderState> => (await reviewed(agent, service)).state;

  async function ladderView(agent: string, service: string): Promise<LadderView> {
    const state = await review(agent, service);
    const evidence = await evidenceFor(state);
    return {
      state,
      evidence,
      nextChecks: promotionChecks(state, evidence, policy.ladder, now(), { id: '(next reviewer)', type: 'human' }),
      transitions: await deps.store.transitions({ agent, service }),
    };
  }

  return {
    postmortem,
    recordRootCause,
    recordAnalysis,
    settle,

    async ruleOnLink(author, verdict, link) {
      if (link.incident !== null && !(await deps.reader.incident(link.incident, nowInstant()))) return err('NOT_FOUND', `no incident ${link.incident}`);
      const at = now();
      const data = { cause: link.cause, effect: link.effect, ...(link.incident !== null ? { incident: link.incident } : {}), ...(link.note !== null ? { note: link.note } : {}) };
      const r = await emit(author, `causal.${verdict}`, link.incident ?? `${link.cause.kind}:${link.cause.id}`, data, at);
      if (!r.ok) return r;
      const key = (x: EntityRef): string => `${x.kind}:${x.id}`;
      const stored = (await deps.reader.causalLinks(nowInstant())).find((l) => key(l.cause) === key(link.cause) && key(l.effect) === key(link.effect));
      if (!stored) return err('CONFLICT', 'the ruling was stored but a later one on the same link supersedes it');
      return ok(stored);
    },

    async resolveIncident(author, r) {
      const inc = await deps.reader.incident(r.incident, nowInstant());
      if (!inc) return err('NOT_FOUND', `no incident ${r.incident}`);
      if (r.rootCause === null && r.chain.length === 0) return err('INVALID', 'name the root cause or the chain that resolved the incident');
      // The analysis as it stood before the answer was known: provenance is never written with hindsight.
      await recordRootCause(r.incident);
      const at = r.at ?? now();
      const e = await emit(author, 'incident.resolved', r.incident, { incident: r.incident, ...(r.rootCause ? { rootCause: r.rootCause } : {}), ...(r.chain.length > 0 ? { chain: r.chain } : {}) }, at);
      if (!e.ok) return e;
      return postmortem(r.incident);
    },

    async similarIncidents(incident, limit) {
      const t = nowInstant();
      const inc = await deps.reader.incident(incident, t);
      if (!inc) return err('NOT_FOUND', `no incident ${incident}`);
      let chain = inc.chain.length > 0 ? inc.chain : inc.rootCause ? [inc.rootCause] : [];
      if (chain.length === 0) {
        const a = await rootCause(deps.reader, { incident, knownAt: t.knownAt, limit: 1 });
        chain = a.ok ? (a.analysis.candidates[0]?.chain ?? []) : [];
      }
      const [all, links] = await Promise.all([deps.reader.incidents(t), deps.reader.causalLinks(t)]);
      return ok(similarIncidents({ incident: inc, chain }, all.filter((i) => !i.open), links, limit));
    },

    async recordShadowPrediction(agent, p) {
      const inc = await deps.reader.incident(p.incident, nowInstant());
      if (!inc) return err('NOT_FOUND', `no incident ${p.incident}`);
      if (!inc.open) return err('CONFLICT', `incident ${p.incident} is already resolved: a prediction must come before the answer`);
      if (p.candidates.length === 0) return err('INVALID', 'a prediction names at least one candidate cause');
      const bad = p.candidates.find((c) => !(c.confidence >= 0 && c.confidence <= 1));
      if (bad) return err('INVALID', `confidence must be within 0..1, got ${bad.confidence}`);
      if (p.version.trim() === '') return err('INVALID', 'version must name the model or analysis that made the prediction');
      const at = now();
      const pred: Prediction = {
        id: `shadow:${newId()}`,
        kind: 'root-cause',
        mode: 'shadow',
        author: agent,
        service: inc.services[0] ?? '',
        incident: p.incident,
        action: null,
        recordedAt: at,
        at: inc.openedAt,
        knownAt: at,
        version: p.version,
        evidence: p.evidence,
        candidates: p.candidates,
        impacted: [],
        outcome: null,
      };
      await deps.store.putPrediction(pred);
      return ok(pred);
    },

    async recordBlastRadius(p) {
      const pred: Prediction = {
        id: `blast-radius:${p.action}`,
        kind: 'blast-radius',
        mode: 'decision',
        author: p.author,
        service: p.service,
        incident: null,
        action: p.action,
        recordedAt: now(),
        at: p.at,
        knownAt: p.knownAt,
        version: p.version,
        evidence: p.evidence,
        candidates: [],
        impacted: p.impacted,
        outcome: null,
      };
      const fresh = await deps.store.putPrediction(pred);
      return { prediction: pred, graphEvents: fresh && deps.store.writesGraphEvents ? 1 : 0 };
    },

    async recordActionOutcome(action, observed) {
      const [p] = await deps.store.predictions({ action, kind: 'blast-radius' });
      if (!p) return err('NOT_FOUND', `no blast-radius prediction for action ${action}`);
      const settled = settleBlastRadius(p, observed, now());
      if (!settled.outcome || !(await deps.store.settle(p.id, settled.outcome))) return err('CONFLICT', `the prediction for action ${action} is already settled`);
      return ok(settled);
    },

    async calibration(f) {
      await settle();
      return calibrate(await deps.store.predictions(predictionFilter(f)));
    },

    async calibrationBy(f, group, periodMs) {
      await settle();
      return calibrateBy(await deps.store.predictions(predictionFilter(f)), group, periodMs);
    },

    changeOutcomes: outcomes,

    async errorBudgets(service) {
      return { service: service ?? null, budgets: budgetsByAuthorType(await outcomes(service), policy.budget, now()) };
    },

    readiness: readinessOf,
    ladder: ladderView,
    ladders: (f) => deps.store.ladders(f),

    async promote(by, agent, service) {
      if (by.type === 'agent' && by.id === agent) return err('FORBIDDEN', 'an agent may not promote itself');
      for (;;) {
        const state = await review(agent, service);
        const e = await evidenceFor(state);
        const at = now();
        const p = promotion(state, e, policy.ladder, at, by);
        if (!p.to) {
          const unmet = p.checks.filter((c) => !c.met).map((c) => c.reason);
          return err('REFUSED', `${agent} stays on ${state.rung} for ${service}: ${unmet.join('; ')}`, p.checks);
        }
        const reason = `promoted by ${by.id}: ${p.checks.map((c) => c.reason).join('; ')}`;
        const moved = await move(state, { agent, service, from: state.rung, to: p.to, direction: 'promotion', at, by, reason, checks: p.checks });
        if (moved) return ok(await ladderView(agent, service));
      }
    },

    review,

    async reviewAll() {
      // Shadow predictions count as evidence only once scored: score what can be, then review.
      await settle();
      const out: LadderState[] = [];
      for (const s of await deps.store.ladders({})) out.push(await review(s.agent, s.service));
      return out;
    },

    async trustVerdict(caller, service) {
      if (caller.role !== 'agent') return trustLine({ role: caller.role, agent: caller.id, service, rung: 'autonomous', readiness: null, lastDemotion: null });
      const { state, evidence } = await reviewed(caller.id, service);
      // Only the autonomous rung's line reads the gate, and the review's evidence holds it already.
      const ready = state.rung !== 'autonomous' ? null : (evidence?.readiness ?? (await readinessOf(service)));
      const demotions = (await deps.store.transitions({ agent: caller.id, service })).filter((t) => t.direction === 'demotion');
      return trustLine({ role: 'agent', agent: caller.id, service, rung: state.rung, readiness: ready, lastDemotion: demotions.at(-1) ?? null });
    },

    policy: () => policy,
  };
}
