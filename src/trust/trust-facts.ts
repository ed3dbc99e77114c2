/**
 * The trust layer's memory as events and back. A prediction, its score and each ladder move are
 * written as events (`schema/trust-events.ts`) so they are durable and replayed like every other
 * fact; at start-up the trust store is rebuilt from the facts those events became. Pure.
 *
 * @example
 * const { type, data } = ladderEvent(transition);       // 'ladder.demoted', { agent, service, from, to, by, ... }
 * const memory = trustMemoryOf(changesOfKindPredictionAndLadder); // { predictions, ladders }
 */
import type { EntityRef } from '../../schema/events.js';
import type { TrustEvent } from '../../schema/trust-events.js';
import type { Json } from '../model/facts.js';
import { toIso } from '../model/time.js';
import { type LadderCheck, type LadderTransition, type Rung, RUNGS } from './ladder.js';
import type { Author, PredictedCause, Prediction, PredictionOutcome } from './provenance.js';

export function predictionEventData(p: Prediction): TrustEvent<'prediction.recorded'>['data'] {
  return {
    prediction: p.id,
    kind: p.kind,
    mode: p.mode,
    author: { ...p.author },
    service: p.service,
    ...(p.incident !== null ? { incident: p.incident } : {}),
    ...(p.action !== null ? { action: p.action } : {}),
    at: toIso(p.at),
    knownAt: toIso(p.knownAt),
    version: p.version,
    evidence: [...p.evidence],
    ...(p.kind === 'root-cause' ? { candidates: p.candidates.map((c) => ({ cause: { ...c.cause }, service: c.service, confidence: c.confidence })) } : {}),
    ...(p.kind === 'blast-radius' ? { impacted: [...p.impacted] } : {}),
  };
}

export function settledEventData(prediction: string, o: PredictionOutcome): TrustEvent<'prediction.settled'>['data'] {
  return { prediction, correct: o.correct, rank: o.rank, truth: [...o.truth], ...(o.faultClass !== null ? { faultClass: o.faultClass } : {}) };
}

type LadderEventType = 'ladder.enrolled' | 'ladder.promoted' | 'ladder.demoted';

export function ladderEvent(t: LadderTransition): { type: LadderEventType; data: TrustEvent<LadderEventType>['data'] } {
  const type: LadderEventType = t.direction === 'demotion' ? 'ladder.demoted' : t.from === 'read-only' ? 'ladder.enrolled' : 'ladder.promoted';
  return { type, data: { agent: t.agent, service: t.service, from: t.from, to: t.to, by: { ...t.by }, reason: t.reason, checks: t.checks.map((c) => ({ ...c })) } };
}

/** A trust fact as the graph's change listing returns it (`GraphReader.changes`), oldest first. */
export interface TrustFact {
  kind: string;
  entity: string;
  /** Valid time: when the prediction was made or settled, when the agent moved. */
  at: number;
  attrs: Readonly<Record<string, Json>>;
}

/** What the graph remembers of the trust layer. */
export interface TrustMemory {
  /** Oldest first, each with its outcome once settled. */
  predictions: Prediction[];
  /** Every ladder move, oldest first: the ladder's audit trail. */
  transitions: LadderTransition[];
}

type Obj = Readonly<Record<string, Json>>;
const isObj = (v: Json | undefined): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const str = (v: Json | undefined): string | null => (typeof v === 'string' ? v : null);
const num = (v: Json | undefined): number | null => (typeof v === 'number' ? v : null);
const strings = (v: Json | undefined): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

function author(v: Json | undefined): Author {
  const type = isObj(v) ? v.type : null;
  return { id: (isObj(v) && str(v.id)) || '(unknown)', type: type === 'agent' || type === 'human' || type === 'system' ? type : 'system' };
}

function candidates(v: Json | undefined): PredictedCause[] {
  if (!Array.isArray(v)) return [];
  return v.filter(isObj).map((c) => {
    const cause = isObj(c.cause) ? c.cause : {};
    return { cause: { kind: str(cause.kind) ?? 'service', id: str(cause.id) ?? '' } as EntityRef, service: str(c.service) ?? '', confidence: num(c.confidence) ?? 0 };
  });
}

function outcome(v: Json | undefined): PredictionOutcome | null {
  if (!isObj(v)) return null;
  return { settledAt: num(v.settledAt) ?? 0, correct: v.correct === true, rank: num(v.rank), truth: strings(v.truth), faultClass: str(v.faultClass) };
}

const rung = (v: Json | undefined): Rung => (RUNGS as readonly Json[]).includes(v ?? null) ? (v as Rung) : 'read-only';

function checks(v: Json | undefined): LadderCheck[] {
  return Array.isArray(v) ? v.filter(isObj).map((c) => ({ check: str(c.check) ?? '', met: c.met === true, reason: str(c.reason) ?? '' })) : [];
}

/**
 * Rebuilds predictions and ladder moves from their facts. A prediction's facts merge like any
 * entity's (its record, then its score); each ladder fact is one move.
 */
export function trustMemoryOf(facts: readonly TrustFact[]): TrustMemory {
  const merged = new Map<string, { madeAt: number | null; attrs: Record<string, Json> }>();
  const transitions: LadderTransition[] = [];
  for (const f of facts) {
    if (f.kind === 'prediction') {
      const m = merged.get(f.entity) ?? { madeAt: null, attrs: {} };
      if (f.attrs.kind !== undefined) m.madeAt = f.at;
      Object.assign(m.attrs, f.attrs);
      merged.set(f.entity, m);
    } else if (f.kind === 'ladder') {
      const a = f.attrs;
      transitions.push({
        agent: str(a.agent) ?? '',
        service: str(a.service) ?? '',
        from: rung(a.from),
        to: rung(a.rung),
        direction: a.direction === 'demotion' ? 'demotion' : 'promotion',
        at: f.at,
        by: author(a.by),
        reason: str(a.reason) ?? '',
        checks: checks(a.checks),
      });
    }
  }
  const predictions: Prediction[] = [];
  for (const [id, { madeAt, attrs: a }] of merged) {
    // A score whose record never arrived says nothing on its own.
    if (madeAt === null) continue;
    predictions.push({
      id,
      kind: a.kind === 'blast-radius' ? 'blast-radius' : 'root-cause',
      mode: a.mode === 'shadow' ? 'shadow' : 'decision',
      author: author(a.author),
      service: str(a.service) ?? '',
      incident: str(a.incident),
      action: str(a.action),
      recordedAt: madeAt,
      at: num(a.at) ?? madeAt,
      knownAt: num(a.knownAt) ?? madeAt,
      version: str(a.version) ?? '',
      evidence: strings(a.evidence),
      candidates: candidates(a.candidates),
      impacted: strings(a.impacted),
      outcome: outcome(a.outcome),
    });
  }
  predictions.sort((x, y) => x.recordedAt - y.recordedAt || (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
  return { predictions, transitions };
}
