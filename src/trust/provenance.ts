/**
 * Decision provenance: every root-cause analysis and blast-radius prediction, ctxgraph's own or an
 * agent's shadow prediction, kept with its inputs (the graph instant, the evidence, the version of
 * the analysis) and, once the truth is known, whether it was right. Pure values and scoring.
 *
 * @example
 * const p = rootCausePrediction({ id, author: CTXGRAPH, mode: 'decision', analysis, service: 'api', knownAt, version, recordedAt });
 * const settled = settleRootCause(p, { rootCause: { kind: 'deploy', id: 'd-7' }, chain: [] }, 'deploy', now);
 * settled.outcome?.rank; // 1: the top candidate was the cause
 */
import type { EntityRef } from '../../schema/events.js';
import type { RootCauseAnalysis } from '../analysis/root-cause-types.js';
import { refKey } from './change-outcomes.js';

export type PredictionKind = 'root-cause' | 'blast-radius';
/** A decision is ctxgraph's (or an agent's) acted-on answer; a shadow prediction is only scored. */
export type PredictionMode = 'decision' | 'shadow';

export interface Author {
  id: string;
  type: 'agent' | 'human' | 'system';
}

/** ctxgraph itself, as the author of its own analyses. */
export const CTXGRAPH: Author = { id: 'ctxgraph', type: 'system' };

export interface PredictedCause {
  cause: EntityRef;
  service: string;
  confidence: number;
}

export interface PredictionOutcome {
  settledAt: number;
  /** Top-1 right for a root cause; every observed service predicted for a blast radius. */
  correct: boolean;
  /** Rank of the true cause among the candidates (1 = top); null when it was not among them. */
  rank: number | null;
  /** What turned out true: the root cause, or the services observed affected. */
  truth: string[];
  /** The true cause's kind (`deploy`, `config`, `service`) for root causes; null for blast radii. */
  faultClass: string | null;
}

export interface Prediction {
  id: string;
  kind: PredictionKind;
  mode: PredictionMode;
  author: Author;
  /** The service the prediction is about: the first symptom service, or the action's target. */
  service: string;
  incident: string | null;
  action: string | null;
  recordedAt: number;
  /** The graph instant the analysis read. */
  at: number;
  knownAt: number;
  /** The analysis and its parameters, e.g. `root-cause@a1b2c3d4`; an agent names its own model. */
  version: string;
  evidence: string[];
  /** Root cause: ranked candidates, best first. */
  candidates: PredictedCause[];
  /** Blast radius: the services predicted affected. */
  impacted: string[];
  outcome: PredictionOutcome | null;
}

/** FNV-1a over a canonical JSON text: a short, stable name for the analysis' parameters. */
export function versionOf(name: string, parameters: unknown): string {
  const text = JSON.stringify(parameters, (_k, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v,
  );
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return `${name}@${h.toString(16).padStart(8, '0')}`;
}

/** Whether a record carries every input a reviewer needs to replay the decision. */
export function hasProvenance(p: Prediction): boolean {
  return Number.isFinite(p.at) && Number.isFinite(p.knownAt) && p.version.length > 0 && (p.evidence.length > 0 || p.mode === 'shadow');
}

export function rootCausePrediction(input: {
  id: string;
  author: Author;
  mode: PredictionMode;
  analysis: RootCauseAnalysis;
  service: string;
  knownAt: number;
  version: string;
  recordedAt: number;
}): Prediction {
  const a = input.analysis;
  return {
    id: input.id,
    kind: 'root-cause',
    mode: input.mode,
    author: input.author,
    service: input.service,
    incident: a.incident,
    action: null,
    recordedAt: input.recordedAt,
    at: a.at,
    knownAt: input.knownAt,
    version: input.version,
    evidence: a.candidates.flatMap((c) => c.evidence.map((e) => `#${c.rank} ${refKey(c.cause)}: ${e}`)),
    candidates: a.candidates.map((c) => ({ cause: c.cause, service: c.service, confidence: c.confidence })),
    impacted: [],
    outcome: null,
  };
}

/** The cause a resolution names: its root cause, else the head of its chain. */
export function truthOf(resolution: { rootCause: EntityRef | null; chain: readonly EntityRef[] }): EntityRef | null {
  return resolution.rootCause ?? resolution.chain[0] ?? null;
}

/** Scores a root-cause prediction against the incident's resolution; unchanged when it names no cause. */
export function settleRootCause(p: Prediction, resolution: { rootCause: EntityRef | null; chain: readonly EntityRef[] }, faultClass: string | null, now: number): Prediction {
  const truth = truthOf(resolution);
  if (p.kind !== 'root-cause' || truth === null) return p;
  const i = p.candidates.findIndex((c) => refKey(c.cause) === refKey(truth));
  const rank = i < 0 ? null : i + 1;
  return { ...p, outcome: { settledAt: now, correct: rank === 1, rank, truth: [refKey(truth)], faultClass: faultClass ?? truth.kind } };
}

/** Scores a blast-radius prediction: right when every service observed affected was predicted. */
export function settleBlastRadius(p: Prediction, observed: readonly string[], now: number): Prediction {
  if (p.kind !== 'blast-radius') return p;
  const predicted = new Set(p.impacted);
  const missed = observed.filter((s) => !predicted.has(s));
  return { ...p, outcome: { settledAt: now, correct: missed.length === 0, rank: null, truth: [...observed], faultClass: null } };
}
