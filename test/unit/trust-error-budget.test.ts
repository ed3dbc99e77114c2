import { describe, expect, it } from 'vitest';
import { type ChangeOutcome, changeOutcomes, confirmedCauses } from '../../src/trust/change-outcomes.js';
import { DAY, HOUR, MINUTE } from '../../src/trust/durations.js';
import { BURN_RULES, burnAlerts, burnRate, burnThreshold, budgetsByAuthorType, errorBudget } from '../../src/trust/error-budget.js';
import type { DeployState } from '../../src/model/views.js';

const NOW = Date.parse('2026-06-01T12:00:00Z');
const policy = { objective: 0.95, windowMs: 30 * DAY };

let n = 0;
const change = (minutesAgo: number, good: boolean, over: Partial<ChangeOutcome> = {}): ChangeOutcome => ({
  id: `c${n++}`,
  kind: 'deploy',
  service: 'api',
  actor: 'fixer',
  authorType: 'agent',
  at: NOW - minutesAgo * MINUTE,
  good,
  ...over,
});

describe('burn rates', () => {
  it('is the error rate over the window divided by the rate the objective allows', () => {
    const outs = [change(10, false), change(20, true), change(30, true), change(40, true)];
    // 1 bad of 4 = 25% errors against 5% allowed: 5x.
    expect(burnRate(outs, policy, NOW, HOUR).burnRate).toBeCloseTo(5);
    // The 5-minute window holds none of them: nothing burns.
    expect(burnRate(outs, policy, NOW, 5 * MINUTE)).toEqual({ total: 0, bad: 0, burnRate: 0 });
  });

  it('derives the workbook thresholds from the share of budget spent: 14.4, 6, 3 and 1 for 30 days', () => {
    expect(BURN_RULES.map((r) => +burnThreshold(r, policy).toFixed(2))).toEqual([14.4, 6, 3, 1]);
    // A 7-day SLO window spends its budget faster, so the same share means a lower burn rate.
    expect(burnThreshold(BURN_RULES[0]!, { objective: 0.95, windowMs: 7 * DAY })).toBeCloseTo(3.36);
  });
});

describe('multi-window alerts', () => {
  it('pages on a fast burn only while the short window still burns', () => {
    // Every change in the last hour failed, the last one two minutes ago: 20x over 1h and over 5m.
    const burning = [change(2, false), change(20, false), change(40, false)];
    const fast = burnAlerts(burning, policy, NOW).find((a) => a.rule === 'fast-1h');
    expect(fast?.firing).toBe(true);
    expect(fast?.severity).toBe('page');
    // Ten minutes later, with one good change since, the short window has recovered: no page.
    const later = burnAlerts([...burning, change(-5, true)], policy, NOW + 10 * MINUTE).find((a) => a.rule === 'fast-1h');
    expect(later?.longBurn).toBeGreaterThan(14.4);
    expect(later?.firing).toBe(false);
  });

  it('does not fire when the long window is diluted by good changes', () => {
    const outs = [change(1, false), ...Array.from({ length: 30 }, (_, i) => change(6 + i, true))];
    const fast = burnAlerts(outs, policy, NOW).find((a) => a.rule === 'fast-1h');
    expect(fast?.shortBurn).toBeGreaterThan(14.4);
    expect(fast?.firing).toBe(false);
  });

  it('raises a ticket on a slow, sustained burn', () => {
    // One failure every three hours for three days among good changes: about 25% errors, 5x.
    const outs = Array.from({ length: 24 }, (_, i) => [change(i * 180 + 1, false), change(i * 180 + 30, true), change(i * 180 + 60, true), change(i * 180 + 90, true)]).flat();
    const fired = burnAlerts(outs, policy, NOW).filter((a) => a.firing).map((a) => a.rule);
    expect(fired).toContain('slow-1d');
    expect(fired).toContain('slow-3d');
  });
});

describe('error budgets', () => {
  it('counts only the SLO window and reports the share left', () => {
    const outs = [change(31 * 24 * 60, false), ...Array.from({ length: 40 }, (_, i) => change(2 * DAY / MINUTE + i, i !== 0))];
    const b = errorBudget(outs, policy, NOW);
    expect(b.total).toBe(40);
    expect(b.bad).toBe(1);
    expect(b.allowedBad).toBeCloseTo(2);
    expect(b.remaining).toBeCloseTo(0.5);
    expect(b.exhausted).toBe(false);
    expect(b.healthy).toBe(true);
  });

  it('is exhausted, and unhealthy, once the failures reach what the objective allows', () => {
    const outs = [change(3 * DAY / MINUTE, false), ...Array.from({ length: 9 }, (_, i) => change(4 * DAY / MINUTE + i, true))];
    const b = errorBudget(outs, policy, NOW);
    expect(b.exhausted).toBe(true);
    expect(b.remaining).toBeLessThan(0);
    expect(b.healthy).toBe(false);
  });

  it('an untouched budget is whole', () => {
    expect(errorBudget([], policy, NOW)).toMatchObject({ total: 0, sli: null, remaining: 1, exhausted: false, healthy: true });
  });

  it('refuses an objective outside (0, 1)', () => {
    expect(() => errorBudget([], { objective: 1, windowMs: DAY }, NOW)).toThrow(/objective must be in \(0, 1\), got 1/);
  });

  it('keeps separate deploy and config SLIs for agents and humans', () => {
    const outs = [change(10, false), change(20, true, { authorType: 'human', actor: 'alice' }), change(30, true, { kind: 'config' })];
    const bs = budgetsByAuthorType(outs, policy, NOW);
    expect(bs.map((b) => `${b.kind}/${b.authorType}:${b.budget.total}/${b.budget.bad}`)).toEqual(['deploy/agent:1/1', 'deploy/human:1/0', 'config/agent:1/0', 'config/human:0/0']);
  });
});

describe('change outcomes', () => {
  const deploy = (id: string, status: DeployState['status'], actorType: string | null): DeployState => ({
    id,
    service: 'api',
    version: 'v2',
    previousVersion: 'v1',
    changes: [],
    rolloutPercent: null,
    status,
    startedAt: NOW - HOUR,
    finishedAt: status === 'in_progress' ? null : NOW - 30 * MINUTE,
    actor: 'fixer',
    actorType,
    actorModel: null,
    startKey: id,
  });

  it('a failed or rolled-back deploy is bad, one in progress has no outcome yet, and authors come from actortype', () => {
    const outs = changeOutcomes([deploy('d1', 'succeeded', 'agent'), deploy('d2', 'failed', 'human'), deploy('d3', 'rolled_back', null), deploy('d4', 'in_progress', 'agent')], [], new Set());
    expect(outs.map((o) => `${o.id}:${o.good}:${o.authorType}`)).toEqual(['d1:true:agent', 'd2:false:human', 'd3:false:unknown']);
  });

  it('a change confirmed as a cause is bad even when it reported success', () => {
    const links = [{ cause: { kind: 'deploy' as const, id: 'd1' }, effect: { kind: 'service' as const, id: 'api' }, verdict: 'confirmed' as const, incident: 'i1', note: null, actor: 'alice', at: NOW }];
    const config = { id: 'c1', service: 'api', key: 'k', value: 1, previousValue: 0, dependency: null, services: [], at: NOW - HOUR, actor: 'fixer', actorType: 'agent' };
    const outs = changeOutcomes([deploy('d1', 'succeeded', 'agent')], [config], confirmedCauses(links));
    expect(outs.map((o) => `${o.kind}:${o.id}:${o.good}`)).toEqual(['config:c1:true', 'deploy:d1:false']);
  });
});
