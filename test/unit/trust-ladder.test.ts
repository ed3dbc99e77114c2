import { describe, expect, it } from 'vitest';
import { DAY } from '../../src/trust/durations.js';
import { DEFAULT_BUDGET_POLICY, errorBudget } from '../../src/trust/error-budget.js';
import { DEFAULT_LADDER_POLICY, demotion, initialState, type LadderEvidence, type LadderState, promotion } from '../../src/trust/ladder.js';
import type { Readiness } from '../../src/trust/readiness.js';
import { trustLine } from '../../src/trust/verdict.js';

const NOW = Date.parse('2026-06-01T12:00:00Z');
const alice = { id: 'alice', type: 'human' as const };
const ready: Readiness = { service: 'api', ready: true, conditions: [{ condition: 'slo-defined', met: true, reason: 'SLO 99.90% over 30 days' }] };
const notReady: Readiness = { service: 'api', ready: false, conditions: [{ condition: 'toil-measured', met: false, reason: 'toil measurement not declared (tag toil=measured)' }] };

const healthy = errorBudget([], DEFAULT_BUDGET_POLICY, NOW);
const burnt = errorBudget(
  [0, 1, 2].map((i) => ({ id: `d${i}`, kind: 'deploy' as const, service: 'api', actor: 'fixer', authorType: 'agent' as const, at: NOW - i * 60_000, good: false })),
  DEFAULT_BUDGET_POLICY,
  NOW,
);

const evidence = (over: Partial<LadderEvidence> = {}): LadderEvidence => ({ shadow: { total: 25, correct: 22 }, succeededChanges: 12, budget: healthy, readiness: ready, ...over });
const on = (rung: LadderState['rung'], daysAgo: number): LadderState => ({ agent: 'fixer', service: 'api', rung, since: NOW - daysAgo * DAY, version: 3 });

describe('promotion', () => {
  it('a person enrols a read-only agent in shadow mode; an agent cannot', () => {
    expect(promotion(initialState('fixer', 'api'), evidence(), DEFAULT_LADDER_POLICY, NOW, alice).to).toBe('shadow');
    const byAgent = promotion(initialState('fixer', 'api'), evidence(), DEFAULT_LADDER_POLICY, NOW, { id: 'other-bot', type: 'agent' });
    expect(byAgent.to).toBeNull();
    expect(byAgent.checks[0]?.reason).toMatch(/only a person may enrol/);
  });

  it('shadow -> supervised write with enough correct predictions, accuracy, time and budget', () => {
    expect(promotion(on('shadow', 31), evidence(), DEFAULT_LADDER_POLICY, NOW, alice).to).toBe('supervised-write');
  });

  it.each([
    ['too few correct predictions', on('shadow', 31), evidence({ shadow: { total: 12, correct: 12 } }), /12 correct shadow predictions \(needs 20\)/],
    ['too low an accuracy', on('shadow', 31), evidence({ shadow: { total: 40, correct: 24 } }), /60% of 40 settled shadow predictions right \(needs 80%\)/],
    ['too short a shadow period', on('shadow', 10), evidence(), /in shadow for 10\.0 days \(needs 30\.0 days\)/],
    ['a burnt budget', on('shadow', 31), evidence({ budget: burnt }), /error budget exhausted: 3 of 3 changes failed/],
  ])('shadow stays shadow with %s, and says why', (_what, state, e, why) => {
    const p = promotion(state, e, DEFAULT_LADDER_POLICY, NOW, alice);
    expect(p.to).toBeNull();
    expect(p.checks.filter((c) => !c.met).map((c) => c.reason).join('\n')).toMatch(why);
  });

  it('supervised -> autonomous needs the readiness gate as well', () => {
    expect(promotion(on('supervised-write', 8), evidence(), DEFAULT_LADDER_POLICY, NOW, alice).to).toBe('autonomous');
    const p = promotion(on('supervised-write', 8), evidence({ readiness: notReady }), DEFAULT_LADDER_POLICY, NOW, alice);
    expect(p.to).toBeNull();
    expect(p.checks.find((c) => c.check === 'readiness')?.reason).toMatch(/fails its readiness gate: toil measurement not declared/);
  });

  it('there is nothing above autonomous', () => {
    expect(promotion(on('autonomous', 100), evidence(), DEFAULT_LADDER_POLICY, NOW, alice).to).toBeNull();
  });
});

describe('demotion', () => {
  it('an agent that can write drops to shadow when its budget burns', () => {
    for (const rung of ['supervised-write', 'autonomous'] as const) {
      const d = demotion(on(rung, 40), evidence({ budget: burnt }));
      expect(d?.to).toBe('shadow');
      expect(d?.check.reason).toMatch(/error budget exhausted/);
    }
  });

  it('a healthy budget, or a rung that cannot write, keeps the agent where it is', () => {
    expect(demotion(on('autonomous', 40), evidence())).toBeNull();
    expect(demotion(on('shadow', 40), evidence({ budget: burnt }))).toBeNull();
  });
});

describe('the trust primitive for the control layer', () => {
  const line = (rung: LadderState['rung'], readiness = ready, role: 'agent' | 'human' = 'agent') => trustLine({ role, agent: 'fixer', service: 'api', rung, readiness, lastDemotion: null });

  it('refuses writes below supervised write, asks for approval when supervised, allows when autonomous and ready', () => {
    expect(line('read-only').outcome).toBe('DENY');
    expect(line('shadow').outcome).toBe('DENY');
    expect(line('supervised-write').outcome).toBe('REQUIRE_APPROVAL');
    expect(line('autonomous')).toMatchObject({ outcome: 'ALLOW', autonomous: true });
  });

  it('refuses autonomous actions on a service that fails its readiness gate', () => {
    const l = line('autonomous', notReady);
    expect(l.outcome).toBe('REQUIRE_APPROVAL');
    expect(l.message).toMatch(/fails its readiness gate \(toil-measured: toil measurement not declared/);
  });

  it('says why a demoted agent may not write', () => {
    const lastDemotion = { agent: 'fixer', service: 'api', from: 'autonomous' as const, to: 'shadow' as const, direction: 'demotion' as const, at: NOW, by: { id: 'ctxgraph', type: 'system' as const }, reason: 'error budget exhausted: 3 of 3 changes failed', checks: [] };
    const l = trustLine({ role: 'agent', agent: 'fixer', service: 'api', rung: 'shadow', readiness: ready, lastDemotion });
    expect(l.message).toMatch(/fixer is on rung shadow for api: it may not write there \(demoted from autonomous at 2026-06-01T12:00:00.000Z: error budget exhausted/);
  });

  it('people are not on the ladder', () => {
    expect(line('read-only', ready, 'human').outcome).toBe('ALLOW');
  });
});
