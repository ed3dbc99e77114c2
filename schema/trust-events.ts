/**
 * Event types for the trust layer's memory: decision provenance (every root-cause analysis and
 * blast-radius prediction, ctxgraph's or an agent's shadow prediction, and later its score) and the
 * trust ladder's enrolments, promotions and demotions. They follow ARCHITECTURE's "one way in":
 * merged into the CloudEvent union of `schema/events.ts`, they go through the pipeline like any
 * other event, so replay restores every prediction and every agent's rung (docs/trust.md).
 *
 * @example
 * TRUST_EVENT_DATA['ladder.demoted'].parse({ agent: 'fixer', service: 'api', from: 'autonomous', to: 'shadow',
 *   by: { id: 'ctxgraph', type: 'system' }, reason: 'error budget exhausted', checks: [] });
 */
import { z } from 'zod';
import type { Enveloped } from './envelope.js';

const Id = z.string().min(1, 'must not be empty').max(512, 'must be at most 512 characters');
const Rfc3339 = z.iso.datetime({ offset: true, message: 'must be an RFC 3339 timestamp with an offset, e.g. 2026-05-01T12:00:00Z' });
// The same five kinds as `EntityRef` in events.ts, which imports this file: restated, not imported, to keep the import one-way.
const Ref = z.object({ kind: z.enum(['service', 'deploy', 'config', 'alert', 'incident']), id: Id });
const Author = z.object({ id: Id, type: z.enum(['agent', 'human', 'system']) });

export const LADDER_RUNGS = ['read-only', 'shadow', 'supervised-write', 'autonomous'] as const;
const Rung = z.enum(LADDER_RUNGS);

export const PredictionRecorded = z
  .object({
    prediction: Id,
    kind: z.enum(['root-cause', 'blast-radius']),
    /** A decision is acted on (ctxgraph's analysis); a shadow prediction (an agent's) is only scored. */
    mode: z.enum(['decision', 'shadow']),
    author: Author,
    /** The first symptom service of the incident, or the action's target. */
    service: Id,
    incident: Id.optional(),
    action: Id.optional(),
    /** The graph instant the analysis read: valid time and the instant it was known at. */
    at: Rfc3339,
    knownAt: Rfc3339,
    /** The analysis and its parameters (`root-cause@1a2b3c4d`), or the agent's model. */
    version: z.string().min(1, 'must name the analysis or model that made the prediction'),
    evidence: z.array(z.string()),
    /** Root cause: ranked candidates, best first. */
    candidates: z.array(z.object({ cause: Ref, service: Id, confidence: z.number().min(0).max(1) })).optional(),
    /** Blast radius: the services predicted affected. */
    impacted: z.array(Id).optional(),
  })
  .refine((p) => (p.kind === 'root-cause' ? p.incident !== undefined : p.action !== undefined), {
    message: 'a root-cause prediction names its incident, a blast-radius prediction its action',
    path: ['kind'],
  });

export const PredictionSettled = z.object({
  prediction: Id,
  /** Top-1 right for a root cause; every service observed affected was predicted, for a blast radius. */
  correct: z.boolean(),
  /** Rank of the true cause among the candidates (1 = top); null when it was not among them or for a blast radius. */
  rank: z.number().int().positive().nullable(),
  /** What turned out true: the root cause (`deploy:d-7`), or the services observed affected. */
  truth: z.array(z.string()),
  /** The true cause's kind (`deploy`, `config`, `service`), for root causes. */
  faultClass: z.string().min(1).optional(),
});

const Check = z.object({ check: z.string().min(1), met: z.boolean(), reason: z.string() });
const rank = (r: (typeof LADDER_RUNGS)[number]): number => LADDER_RUNGS.indexOf(r);

/** One move of an agent on one service's ladder; `by` is who moved it (ctxgraph itself for an automatic demotion). */
const LadderMove = z.object({ agent: Id, service: Id, from: Rung, to: Rung, by: Author, reason: z.string(), checks: z.array(Check) });

export const LadderEnrolled = LadderMove.refine((m) => m.from === 'read-only' && m.to === 'shadow', {
  message: 'an enrolment moves an agent from read-only to shadow',
  path: ['to'],
});
export const LadderPromoted = LadderMove.refine((m) => rank(m.to) === rank(m.from) + 1, { message: 'a promotion climbs exactly one rung', path: ['to'] });
export const LadderDemoted = LadderMove.refine((m) => rank(m.to) < rank(m.from), { message: 'a demotion moves to a lower rung', path: ['to'] });

/** Merged into `EVENT_DATA` of `schema/events.ts`, each with its `variant(type)` in the `CloudEvent` union. */
export const TRUST_EVENT_DATA = {
  'prediction.recorded': PredictionRecorded,
  'prediction.settled': PredictionSettled,
  'ladder.enrolled': LadderEnrolled,
  'ladder.promoted': LadderPromoted,
  'ladder.demoted': LadderDemoted,
} as const;
export type TrustEventType = keyof typeof TRUST_EVENT_DATA;

/** One trust event in the CloudEvents envelope (JSON structured mode), ready for the pipeline. */
export type TrustEvent<T extends TrustEventType = TrustEventType> = Enveloped<typeof TRUST_EVENT_DATA, T>;
