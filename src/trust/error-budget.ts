/**
 * Error budgets over change SLIs, burn rates and multi-window burn-rate alerts, as in the Google SRE
 * workbook ("Alerting on SLOs", approach 6). Pure: outcomes in, numbers out.
 *
 * A burn rate is how fast the budget goes: the error rate in a window divided by the rate the
 * objective allows (1 means the budget lasts exactly the SLO window). An alert fires when both its
 * long window and its short window burn faster than its threshold: the long window proves the burn
 * is significant, the short one that it is still going on (so the alert resets soon after a fix).
 *
 * @example
 * const b = errorBudget(outcomes, { objective: 0.95, windowMs: 30 * DAY }, now);
 * b.burn1h; // 20: the last hour spent budget twenty times faster than sustainable
 * b.alerts.filter((a) => a.firing); // [{ rule: 'fast-1h', severity: 'page', threshold: 14.4, ... }]
 */
import type { AuthorType, ChangeKind, ChangeOutcome } from './change-outcomes.js';
import { DAY, HOUR, MINUTE } from './durations.js';

export interface BudgetPolicy {
  /** Share of changes that must succeed, in (0, 1). */
  objective: number;
  /** The SLO window the budget is spent over. */
  windowMs: number;
}

export const DEFAULT_BUDGET_POLICY: BudgetPolicy = { objective: 0.95, windowMs: 30 * DAY };

export interface BurnRule {
  name: string;
  severity: 'page' | 'ticket';
  /** Share of the whole budget that, spent within `longMs`, fires the alert. */
  budgetSpent: number;
  longMs: number;
  shortMs: number;
}

/**
 * The workbook's recommended rules. Thresholds are derived from the share of budget spent, so that
 * with a 30-day window they are the workbook's 14.4, 6, 3 and 1, and stay right for other windows.
 */
export const BURN_RULES: readonly BurnRule[] = [
  { name: 'fast-1h', severity: 'page', budgetSpent: 0.02, longMs: HOUR, shortMs: 5 * MINUTE },
  { name: 'fast-6h', severity: 'page', budgetSpent: 0.05, longMs: 6 * HOUR, shortMs: 30 * MINUTE },
  { name: 'slow-1d', severity: 'ticket', budgetSpent: 0.1, longMs: DAY, shortMs: 2 * HOUR },
  { name: 'slow-3d', severity: 'ticket', budgetSpent: 0.1, longMs: 3 * DAY, shortMs: 6 * HOUR },
];

export const burnThreshold = (rule: BurnRule, policy: BudgetPolicy): number => (rule.budgetSpent * policy.windowMs) / rule.longMs;

export interface WindowBurn {
  total: number;
  bad: number;
  /** 0 when the window holds no change: nothing was spent. */
  burnRate: number;
}

export interface BurnAlert {
  rule: string;
  severity: 'page' | 'ticket';
  threshold: number;
  longWindowMs: number;
  shortWindowMs: number;
  longBurn: number;
  shortBurn: number;
  firing: boolean;
}

export interface ErrorBudget {
  policy: BudgetPolicy;
  /** Changes with an outcome in the SLO window. */
  total: number;
  bad: number;
  /** Share of good changes in the window; null without any. */
  sli: number | null;
  /** Bad changes the objective allows for the changes made. */
  allowedBad: number;
  /** Share of the budget left (1 untouched, 0 spent, below 0 overspent); 1 without any change. */
  remaining: number;
  exhausted: boolean;
  burn1h: number;
  burn6h: number;
  alerts: BurnAlert[];
  /** Neither exhausted nor paging: an agent whose budget is unhealthy is demoted. */
  healthy: boolean;
}

function assertPolicy(p: BudgetPolicy): void {
  if (!(p.objective > 0 && p.objective < 1)) throw new RangeError(`error budget objective must be in (0, 1), got ${p.objective}`);
  if (!(p.windowMs > 0)) throw new RangeError(`error budget window must be positive, got ${p.windowMs} ms`);
}

/** The burn rate of the changes whose outcome fell in (now - windowMs, now]. */
export function burnRate(outcomes: readonly ChangeOutcome[], policy: BudgetPolicy, now: number, windowMs: number): WindowBurn {
  assertPolicy(policy);
  let total = 0;
  let bad = 0;
  for (const o of outcomes) {
    if (o.at > now - windowMs && o.at <= now) {
      total++;
      if (!o.good) bad++;
    }
  }
  return { total, bad, burnRate: total === 0 ? 0 : bad / total / (1 - policy.objective) };
}

export function burnAlerts(outcomes: readonly ChangeOutcome[], policy: BudgetPolicy, now: number, rules: readonly BurnRule[] = BURN_RULES): BurnAlert[] {
  return rules.map((rule) => {
    const threshold = burnThreshold(rule, policy);
    const longBurn = burnRate(outcomes, policy, now, rule.longMs).burnRate;
    const shortBurn = burnRate(outcomes, policy, now, rule.shortMs).burnRate;
    return {
      rule: rule.name,
      severity: rule.severity,
      threshold,
      longWindowMs: rule.longMs,
      shortWindowMs: rule.shortMs,
      longBurn,
      shortBurn,
      firing: longBurn >= threshold && shortBurn >= threshold,
    };
  });
}

export function errorBudget(outcomes: readonly ChangeOutcome[], policy: BudgetPolicy, now: number): ErrorBudget {
  const w = burnRate(outcomes, policy, now, policy.windowMs);
  const allowedBad = (1 - policy.objective) * w.total;
  // Spent share of the budget; with no change at all nothing is spent.
  const spent = w.total === 0 ? 0 : w.bad / allowedBad;
  const alerts = burnAlerts(outcomes, policy, now);
  const exhausted = w.bad > 0 && spent >= 1;
  return {
    policy,
    total: w.total,
    bad: w.bad,
    sli: w.total === 0 ? null : (w.total - w.bad) / w.total,
    allowedBad,
    remaining: 1 - spent,
    exhausted,
    burn1h: burnRate(outcomes, policy, now, HOUR).burnRate,
    burn6h: burnRate(outcomes, policy, now, 6 * HOUR).burnRate,
    alerts,
    healthy: !exhausted && !alerts.some((a) => a.firing && a.severity === 'page'),
  };
}

export interface AuthorBudget {
  kind: ChangeKind;
  authorType: AuthorType;
  budget: ErrorBudget;
}

/**
 * Separate deploy and config SLIs for agent- and human-authored changes (the split), plus
 * system and unknown authors where any such change exists.
 */
export function budgetsByAuthorType(outcomes: readonly ChangeOutcome[], policy: BudgetPolicy, now: number): AuthorBudget[] {
  const out: AuthorBudget[] = [];
  for (const kind of ['deploy', 'config'] as const) {
    for (const authorType of ['agent', 'human', 'system', 'unknown'] as const) {
      const mine = outcomes.filter((o) => o.kind === kind && o.authorType === authorType);
      if (mine.length === 0 && (authorType === 'system' || authorType === 'unknown')) continue;
      out.push({ kind, authorType, budget: errorBudget(mine, policy, now) });
    }
  }
  return out;
}
