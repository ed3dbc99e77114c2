/**
 * The trust ladder, per agent per service: read-only -> shadow -> supervised write -> autonomous.
 * Autonomy is earned from evidence and lost automatically when the agent burns its error budget.
 * Pure: the state machine decides, the trust service stores and audits what it decides.
 *
 * - read-only -> shadow: a person enrols the agent; shadowing writes nothing, so it needs no evidence.
 * - shadow -> supervised-write: enough correct shadow predictions, at a high enough accuracy, over
 *   at least the minimum shadow period, with a healthy error budget.
 * - supervised-write -> autonomous: enough successful supervised changes over the minimum period,
 *   a healthy budget, and the service passes its readiness gate.
 * - supervised-write or autonomous -> shadow: automatic, when the agent's budget on the service is
 *   exhausted or a paging burn-rate alert fires. The shadow clock restarts.
 *
 * @example
 * const p = promotion(state, evidence, DEFAULT_LADDER_POLICY, now, { id: 'alice', type: 'human' });
 * p.to;     // 'supervised-write', or null with the unmet checks in p.checks
 * const d = demotion(state, evidence, now);
 */
import type { ErrorBudget } from './error-budget.js';
import { DAY } from './durations.js';
import type { Author } from './provenance.js';
import type { Readiness } from './readiness.js';

export const RUNGS = ['read-only', 'shadow', 'supervised-write', 'autonomous'] as const;
export type Rung = (typeof RUNGS)[number];

export interface LadderState {
  agent: string;
  service: string;
  rung: Rung;
  /** When the agent reached this rung (0 for an agent never enrolled). */
  since: number;
  /** Bumped on every transition, for compare-and-set in the store. */
  version: number;
}

export interface LadderPolicy {
  shadow: { minCorrect: number; minAccuracy: number; minPeriodMs: number };
  supervised: { minSucceeded: number; minPeriodMs: number };
  /** Whether a review promotes on its own when the evidence suffices (otherwise a person asks). */
  autoPromote: boolean;
}

export const DEFAULT_LADDER_POLICY: LadderPolicy = {
  shadow: { minCorrect: 20, minAccuracy: 0.8, minPeriodMs: 30 * DAY },
  supervised: { minSucceeded: 10, minPeriodMs: 7 * DAY },
  autoPromote: false,
};

/** What the agent has shown on this service since it reached its rung. */
export interface LadderEvidence {
  shadow: { total: number; correct: number };
  /** Its changes on the service that succeeded since it reached its rung. */
  succeededChanges: number;
  /** The error budget of its changes on the service. */
  budget: ErrorBudget;
  readiness: Readiness;
}

export interface LadderCheck {
  check: string;
  met: boolean;
  reason: string;
}

export interface LadderTransition {
  agent: string;
  service: string;
  from: Rung;
  to: Rung;
  direction: 'promotion' | 'demotion';
  at: number;
  by: Author;
  reason: string;
  checks: LadderCheck[];
}

export const initialState = (agent: string, service: string): LadderState => ({ agent, service, rung: 'read-only', since: 0, version: 0 });

export const nextRung = (r: Rung): Rung | null => RUNGS[RUNGS.indexOf(r) + 1] ?? null;

const days = (ms: number): string => `${(ms / DAY).toFixed(1)} days`;
const pct = (x: number): string => `${(x * 100).toFixed(0)}%`;

function budgetCheck(b: ErrorBudget): LadderCheck {
  const paging = b.alerts.filter((a) => a.firing && a.severity === 'page').map((a) => a.rule);
  if (b.exhausted) return { check: 'error-budget', met: false, reason: `error budget exhausted: ${b.bad} of ${b.total} changes failed (${b.allowedBad.toFixed(2)} allowed)` };
  if (paging.length > 0) return { check: 'error-budget', met: false, reason: `burn-rate alert firing: ${paging.join(', ')} (1h burn ${b.burn1h.toFixed(1)}x)` };
  return { check: 'error-budget', met: true, reason: `error budget healthy: ${pct(Math.max(0, b.remaining))} left, 1h burn ${b.burn1h.toFixed(1)}x, 6h burn ${b.burn6h.toFixed(1)}x` };
}

/** What stands between the agent and the next rung, one check per rule. */
export function promotionChecks(state: LadderState, e: LadderEvidence, policy: LadderPolicy, now: number, by: Author): LadderCheck[] {
  const held = now - state.since;
  switch (state.rung) {
    case 'read-only':
      return [
        by.type === 'human'
          ? { check: 'enrolled-by-human', met: true, reason: `enrolled in shadow mode by ${by.id}` }
          : { check: 'enrolled-by-human', met: false, reason: `only a person may enrol an agent in shadow mode, not ${by.type} ${by.id}` },
      ];
    case 'shadow': {
      const { minCorrect, minAccuracy, minPeriodMs } = policy.shadow;
      const accuracy = e.shadow.total === 0 ? 0 : e.shadow.correct / e.shadow.total;
      return [
        { check: 'shadow-correct', met: e.shadow.correct >= minCorrect, reason: `${e.shadow.correct} correct shadow predictions (needs ${minCorrect})` },
        { check: 'shadow-accuracy', met: e.shadow.total > 0 && accuracy >= minAccuracy, reason: `${pct(accuracy)} of ${e.shadow.total} settled shadow predictions right (needs ${pct(minAccuracy)})` },
        { check: 'shadow-period', met: held >= minPeriodMs, reason: `in shadow for ${days(held)} (needs ${days(minPeriodMs)})` },
        budgetCheck(e.budget),
      ];
    }
    case 'supervised-write': {
      const { minSucceeded, minPeriodMs } = policy.supervised;
      const failing = e.readiness.conditions.filter((c) => !c.met);
      return [
        { check: 'supervised-successes', met: e.succeededChanges >= minSucceeded, reason: `${e.succeededChanges} successful supervised changes (needs ${minSucceeded})` },
        { check: 'supervised-period', met: held >= minPeriodMs, reason: `supervised for ${days(held)} (needs ${days(minPeriodMs)})` },
        budgetCheck(e.budget),
        failing.length === 0
          ? { check: 'readiness', met: true, reason: `service ${e.readiness.service} passes its readiness gate` }
          : { check: 'readiness', met: false, reason: `service ${e.readiness.service} fails its readiness gate: ${failing.map((c) => c.reason).join('; ')}` },
      ];
    }
    case 'autonomous':
      return [{ check: 'top', met: false, reason: 'already autonomous: the top rung' }];
  }
}

export interface PromotionResult {
  /** The rung granted, or null when a check failed. */
  to: Rung | null;
  checks: LadderCheck[];
}

export function promotion(state: LadderState, e: LadderEvidence, policy: LadderPolicy, now: number, by: Author): PromotionResult {
  const checks = promotionChecks(state, e, policy, now, by);
  const to = nextRung(state.rung);
  return { to: to !== null && checks.every((c) => c.met) ? to : null, checks };
}

/** The automatic demotion a burnt budget forces, or null. Rungs that cannot write have nothing to lose. */
export function demotion(state: LadderState, e: LadderEvidence): { to: Rung; check: LadderCheck } | null {
  if (state.rung !== 'supervised-write' && state.rung !== 'autonomous') return null;
  const check = budgetCheck(e.budget);
  return check.met ? null : { to: 'shadow', check };
}

/** Applies a transition to a state: the new rung, held from `at`. */
export const applyTransition = (state: LadderState, t: LadderTransition): LadderState => ({ ...state, rung: t.to, since: t.at, version: state.version + 1 });
