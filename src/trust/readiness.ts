/**
 * The readiness gate per service: six conditions that must all hold before any agent may act on
 * the service autonomously. Each condition comes back with its reason, met or not. Pure.
 *
 * Three conditions are declarations a team makes about the service, carried by its tags in
 * `service.upserted` (so they are facts with valid time, replayed like any other):
 * `error-budget-policy=<link to the policy>`, `rollback=automated` and `toil=measured`.
 *
 * @example
 * const r = readiness({ service, firstShadowAt, decisions, now, minShadowMs: 30 * DAY });
 * r.ready; // false
 * r.conditions.find((c) => !c.met)?.reason; // 'shadow period is 12 days; needs 30'
 */
import type { ServiceState } from '../model/views.js';
import { DAY } from './durations.js';

export const READINESS_CONDITIONS = ['slo-defined', 'error-budget-policy', 'shadow-period', 'decision-provenance', 'rollback-automated', 'toil-measured'] as const;
export type ReadinessCondition = (typeof READINESS_CONDITIONS)[number];

export interface ConditionResult {
  condition: ReadinessCondition;
  met: boolean;
  reason: string;
}

export interface Readiness {
  service: string;
  ready: boolean;
  conditions: ConditionResult[];
}

export interface ReadinessInput {
  serviceId: string;
  /** The service as of now; null when it does not exist. */
  service: ServiceState | null;
  /** When the first shadow prediction about the service was recorded; null if never. */
  firstShadowAt: number | null;
  /** Decisions recorded about the service, and how many of them carry full provenance. */
  decisions: { total: number; withProvenance: number };
  now: number;
  minShadowMs: number;
}

/** The value of a `key=value` tag (or `key:value`), or null when absent. */
export function tagValue(tags: readonly string[], key: string): string | null {
  for (const t of tags) {
    const m = /^([^=:]+)[=:](.*)$/.exec(t);
    if (m && m[1]?.trim() === key) return (m[2] ?? '').trim();
  }
  return null;
}

const days = (ms: number): string => `${Math.floor(ms / DAY)} day${Math.floor(ms / DAY) === 1 ? '' : 's'}`;

export function readiness(input: ReadinessInput): Readiness {
  const s = input.service;
  const tags = s?.tags ?? [];
  const result = (condition: ReadinessCondition, met: boolean, reason: string): ConditionResult => ({ condition, met, reason });
  const absent = `service ${input.serviceId} does not exist now`;

  const policy = tagValue(tags, 'error-budget-policy');
  const rollback = tagValue(tags, 'rollback');
  const toil = tagValue(tags, 'toil');
  const shadowFor = input.firstShadowAt === null ? null : input.now - input.firstShadowAt;
  const d = input.decisions;

  const conditions: ConditionResult[] = [
    s === null
      ? result('slo-defined', false, absent)
      : s.slo
        ? result('slo-defined', true, `SLO ${(s.slo.objective * 100).toFixed(2)}% over ${s.slo.windowDays} days`)
        : result('slo-defined', false, 'no SLO defined (service.upserted with slo)'),
    policy
      ? result('error-budget-policy', true, `error-budget policy at ${policy}`)
      : result('error-budget-policy', false, 'no error-budget policy declared (tag error-budget-policy=<link>)'),
    shadowFor === null
      ? result('shadow-period', false, `no shadow prediction recorded; needs ${days(input.minShadowMs)} of shadowing`)
      : shadowFor >= input.minShadowMs
        ? result('shadow-period', true, `shadowed for ${days(shadowFor)} (at least ${days(input.minShadowMs)})`)
        : result('shadow-period', false, `shadow period is ${days(shadowFor)}; needs ${days(input.minShadowMs)}`),
    d.total === 0
      ? result('decision-provenance', false, 'no decision about this service recorded with provenance yet')
      : d.withProvenance === d.total
        ? result('decision-provenance', true, `all ${d.total} recorded decisions carry their instant, evidence and analysis version`)
        : result('decision-provenance', false, `${d.total - d.withProvenance} of ${d.total} recorded decisions lack provenance`),
    rollback === 'automated'
      ? result('rollback-automated', true, 'rollback is automated')
      : result('rollback-automated', false, rollback === null ? 'rollback automation not declared (tag rollback=automated)' : `rollback is ${rollback}, not automated`),
    toil === 'measured'
      ? result('toil-measured', true, 'toil is measured')
      : result('toil-measured', false, toil === null ? 'toil measurement not declared (tag toil=measured)' : `toil is ${toil}, not measured`),
  ];
  return { service: input.serviceId, ready: conditions.every((c) => c.met), conditions };
}
