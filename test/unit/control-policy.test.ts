import { describe, expect, it } from 'vitest';
import type { BlastRadius } from '../../src/analysis/blast-radius.js';
import type { ActionProposal, Identity, Primitive } from '../../src/control/action.js';
import { type Decision, evaluatePolicy, withRateLimit } from '../../src/control/policy.js';
import { DEFAULT_POLICY, parsePolicy, type Policy } from '../../src/control/policy-file.js';
import type { SharedSnapshot } from '../../src/control/shared-state.js';

const NOW = Date.parse('2026-03-01T12:00:00Z');
const agent: Identity = { id: 'bot', role: 'agent', model: 'model-a', scope: { services: ['api', 'db'], kinds: ['DEPLOY', 'MIGRATION', 'RESTART'] } };
const human: Identity = { id: 'ann', role: 'human', model: null, scope: null };
const proposal = (p: Partial<ActionProposal> = {}): ActionProposal => ({
  kind: 'DEPLOY', service: 'api', parameters: {}, rolloutPercent: 100, reversible: true, destructive: false, justification: 'fix', evidence: [], model: 'model-a', ...p,
});
const radius = (b: Partial<BlastRadius> = {}): BlastRadius => ({
  kind: 'DEPLOY', target: 'api', touched: [{ service: 'api', reason: 'target', via: null, from: null }], services: [{ service: 'api', depth: 0, critical: true, requestShare: 1, tier: 2, zone: 'app', team: null }],
  trafficShare: 0.01, entryServices: [], zones: ['app'], zonesCrossed: [], tier1: [], slosAtRisk: [],
  history: { count: 0, failures: 0, rollbacks: 0, failureRate: null, rollbackRate: null, recent: [] }, ...b,
});
const grant = { id: 'g1', agent: 'bot', services: ['api'], kinds: ['DEPLOY' as const, 'MIGRATION' as const], grantedBy: 'ann', grantedAt: NOW - 1000, expiresAt: NOW + 60_000 };
const snap = (s: Partial<SharedSnapshot> = {}): SharedSnapshot => ({ kills: [], grants: [grant], deviations: 0, recentActions: 0, ...s });
const policyWith = (p: object): Policy => {
  const r = parsePolicy(JSON.stringify({ version: 1, ...p }), 'test');
  if (!r.ok) throw new Error(r.errors.join('\n'));
  return r.policy;
};

function decide(o: { identity?: Identity | null; p?: Partial<ActionProposal>; br?: Partial<BlastRadius>; s?: Partial<SharedSnapshot>; policy?: Policy } = {}): Decision {
  return evaluatePolicy({
    identity: o.identity === undefined ? agent : o.identity,
    proposal: proposal(o.p),
    blastRadius: radius(o.br),
    snapshot: snap(o.s),
    policy: o.policy ?? DEFAULT_POLICY,
    now: NOW,
  });
}
const line = (d: Decision, p: Primitive) => d.reasons.find((r) => r.primitive === p);

describe('policy primitives', () => {
  it('allows a small, granted, reversible action in scope', () => {
    const d = decide();
    expect(d.verdict).toBe('ALLOW');
    expect(d.reasons.every((r) => r.outcome === 'ALLOW')).toBe(true);
    expect(d.approvalsRequired).toBe(0);
  });

  it('identity binding: denies unknown callers and a model other than the bound one', () => {
    expect(decide({ identity: null })).toMatchObject({ verdict: 'DENY', reasons: [{ primitive: 'identity', outcome: 'DENY' }] });
    expect(line(decide({ p: { model: 'model-b' } }), 'identity')?.message).toMatch(/model-b is not the model bound to bot \(model-a\)/);
    expect(line(decide({ p: { model: null } }), 'identity')?.outcome).toBe('ALLOW');
  });

  it('kill switch: global, per service and per agent pause', () => {
    const k = (scope: SharedSnapshot['kills'][number]['scope']) => ({ kills: [{ scope, by: 'ann', reason: 'incident 42', at: NOW }] });
    expect(decide({ s: k({ kind: 'global' }) }).verdict).toBe('DENY');
    expect(line(decide({ s: k({ kind: 'service', id: 'api' }) }), 'kill-switch')?.message).toMatch(/service:api.*incident 42/);
    expect(decide({ s: k({ kind: 'agent', id: 'bot' }) }).verdict).toBe('DENY');
    expect(decide({ s: k({ kind: 'service', id: 'db' }) }).verdict).toBe('ALLOW');
  });

  it('sandbox grants: no grant, an expired grant or another kind means denial', () => {
    expect(line(decide({ s: { grants: [] } }), 'grant')).toMatchObject({ outcome: 'DENY', message: 'no live grant for DEPLOY on api' });
    expect(decide({ s: { grants: [{ ...grant, expiresAt: NOW }] } }).verdict).toBe('DENY');
    expect(decide({ p: { kind: 'RESTART' } }).verdict).toBe('DENY');
    expect(decide({ s: { grants: [{ ...grant, services: ['*'] }] } }).verdict).toBe('ALLOW');
    expect(decide({ identity: human, s: { grants: [] } }).verdict).toBe('ALLOW');
    // A policy that does not require grants lets a granted-nothing agent through this primitive.
    expect(line(decide({ s: { grants: [] }, policy: policyWith({ grants: { required: false } }) }), 'grant')?.outcome).toBe('ALLOW');
  });

  it('blast radius bounded: traffic share (scaled by rollout) and tier-1 count lead to approval or denial', () => {
    expect(line(decide({ br: { trafficShare: 0.2 } }), 'blast-radius')?.outcome).toBe('REQUIRE_APPROVAL');
    expect(decide({ br: { trafficShare: 0.7 } }).verdict).toBe('DENY');
    expect(decide({ br: { trafficShare: 0.7 }, p: { rolloutPercent: 5 } }).verdict).toBe('ALLOW');
    expect(decide({ br: { tier1: ['a', 'b'] } }).verdict).toBe('REQUIRE_APPROVAL');
    expect(decide({ br: { tier1: Array.from({ length: 10 }, (_, i) => `s${i}`) } }).verdict).toBe('DENY');
    // The reason says what each number counts.
    expect(line(decide({ br: { trafficShare: 0.2, tier1: ['a'] } }), 'blast-radius')?.message).toMatch(/^20\.0% of entry traffic at 100% rollout, 1 tier-1 service \(approval at \d+\.\d% or \d+ tier-1\)$/);
  });

  it('schema drift: a destructive migration needs a human sign-off, or is refused', () => {
    const d = decide({ p: { kind: 'MIGRATION', destructive: true } });
    expect(d).toMatchObject({ verdict: 'REQUIRE_APPROVAL', humanApprovalRequired: true, severity: 'high', approvalsRequired: 2 });
    expect(decide({ p: { kind: 'MIGRATION', destructive: false } }).humanApprovalRequired).toBe(false);
    expect(decide({ p: { kind: 'MIGRATION', destructive: true }, policy: policyWith({ schemaDrift: { destructiveMigration: 'deny' } }) }).verdict).toBe('DENY');
  });

  it('network boundary: crossing trust zones needs approval unless the policy allows that crossing', () => {
    const br = { zonesCrossed: ['edge'], zones: ['app', 'edge'] };
    expect(line(decide({ br }), 'network-boundary')).toMatchObject({ outcome: 'REQUIRE_APPROVAL', message: 'reaches zones edge beyond app' });
    expect(decide({ br, policy: policyWith({ networkBoundary: { allowed: [['app', 'edge']] } }) }).verdict).toBe('ALLOW');
    expect(decide({ br, policy: policyWith({ networkBoundary: { crossZone: 'deny' } }) }).verdict).toBe('DENY');
  });

  it('reversible by default: an irreversible action needs approval', () => {
    expect(decide({ p: { reversible: false } })).toMatchObject({ verdict: 'REQUIRE_APPROVAL', approvalsRequired: 1 });
    expect(decide({ p: { reversible: false }, policy: policyWith({ reversible: { irreversible: 'deny' } }) }).verdict).toBe('DENY');
  });

  it('quorum: high-severity actions need more distinct approvals', () => {
    expect(decide({ p: { reversible: false }, br: { trafficShare: 0.35 } })).toMatchObject({ severity: 'high', approvalsRequired: 2 });
    expect(decide({ p: { reversible: false }, policy: policyWith({ quorum: { approvals: 3 } }) }).approvalsRequired).toBe(3);
  });

  it('drift: out of scope needs approval and counts; past the limit every proposal is denied', () => {
    const out = decide({ p: { service: 'cart' }, s: { grants: [{ ...grant, services: ['*'] }] } });
    expect(out).toMatchObject({ verdict: 'REQUIRE_APPROVAL', outOfScope: true });
    expect(decide({ s: { deviations: 3 } })).toMatchObject({ verdict: 'DENY', outOfScope: false });
    expect(decide({ p: { service: 'cart' }, s: { deviations: 2, grants: [{ ...grant, services: ['*'] }] } }).verdict).toBe('DENY');
  });

  it('rate limit: a refused slot turns the decision into a denial', () => {
    const d = decide();
    expect(withRateLimit(d, { allowed: true, count: 3 }, DEFAULT_POLICY, 'api').verdict).toBe('ALLOW');
    const refused = withRateLimit(d, { allowed: false, count: 20 }, DEFAULT_POLICY, 'api');
    expect(refused.verdict).toBe('DENY');
    expect(line(refused, 'rate-limit')?.message).toBe('limit reached: 20 per 60s on api');
  });

  it('dry run: computes the verdict, says what it would be, and allows nothing', () => {
    const d = decide({ policy: policyWith({ dryRun: true }) });
    expect(d).toMatchObject({ verdict: 'DENY', dryRun: true });
    expect(line(d, 'dry-run')?.message).toMatch(/would be ALLOW/);
  });

  it('policy file: reports every problem with its path', () => {
    const r = parsePolicy(JSON.stringify({ version: 2, blastRadius: { deny: { trafficShare: 3 } }, extra: 1 }), 'p.json');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.errors.join('\n')).toMatch(/p\.json: version: must be 1/);
      expect(r.errors.join('\n')).toMatch(/blastRadius\.deny\.trafficShare: must be at most 1/);
      expect(r.errors.join('\n')).toMatch(/extra/);
    }
  });
});
