/**
 * The policy primitives: verdict = f(action, blast radius, shared-state snapshot, policy). Pure: the
 * control service reads the slice and the snapshot, and acts on the decision.
 *
 * @example
 * const d = evaluatePolicy({ identity, proposal, blastRadius, snapshot, policy, now });
 * d.verdict; // 'REQUIRE_APPROVAL'
 * d.reasons; // [{ primitive: 'network-boundary', outcome: 'REQUIRE_APPROVAL', message: 'reaches zones edge, app beyond data' }, ...]
 */
import type { BlastRadius } from '../analysis/blast-radius.js';
import type { TrustLine } from '../trust/verdict.js';
import { incidentLine, type OpenIncident } from './incident-context.js';
import { type ActionProposal, grantCovers, type Identity, killKey, type PrimitiveLine, type Verdict } from './action.js';
import type { Policy } from './policy-file.js';
import type { RateLimitHit, SharedSnapshot } from './shared-state.js';

export interface PolicyInput {
  /** Null when the caller could not be authenticated. */
  identity: Identity | null;
  proposal: ActionProposal;
  blastRadius: BlastRadius;
  snapshot: SharedSnapshot;
  policy: Policy;
  now: number;
  /**
   * The trust ladder's say for an agent on the target (src/trust/verdict.ts); null or absent where
   * no trust layer is wired, and for humans and admins, who are not on the ladder.
   */
  trust?: TrustLine | null;
  /** The incidents open now, with their likeliest causes; absent where none are read. */
  incidents?: readonly OpenIncident[];
}

export interface Decision {
  verdict: Verdict;
  reasons: PrimitiveLine[];
  approvalsRequired: number;
  humanApprovalRequired: boolean;
  severity: 'normal' | 'high';
  /** The agent acts outside its declared scope: an alarm, and one more deviation against it. */
  outOfScope: boolean;
  dryRun: boolean;
}

const RANK: Record<Verdict, number> = { ALLOW: 0, REQUIRE_APPROVAL: 1, DENY: 2 };
export const strictest = (a: Verdict, b: Verdict): Verdict => (RANK[a] >= RANK[b] ? a : b);
const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

function identityLine(identity: Identity | null, p: ActionProposal): PrimitiveLine {
  if (!identity) return { primitive: 'identity', outcome: 'DENY', message: 'unknown identity: no valid API token' };
  if (identity.role === 'agent' && identity.model === null) {
    return { primitive: 'identity', outcome: 'DENY', message: `agent ${identity.id} has no model bound to its token` };
  }
  if (p.model !== null && identity.model !== null && p.model !== identity.model) {
    return { primitive: 'identity', outcome: 'DENY', message: `model ${p.model} is not the model bound to ${identity.id} (${identity.model})` };
  }
  const model = identity.model === null ? '' : `, model ${identity.model}`;
  return { primitive: 'identity', outcome: 'ALLOW', message: `${identity.id} (${identity.role}${model})` };
}

function killLine(identity: Identity, p: ActionProposal, s: SharedSnapshot): PrimitiveLine {
  const keys = new Set(['global', killKey({ kind: 'service', id: p.service }), killKey({ kind: 'agent', id: identity.id })]);
  const hit = s.kills.find((k) => keys.has(killKey(k.scope)));
  return hit
    ? { primitive: 'kill-switch', outcome: 'DENY', message: `paused by ${hit.by} (${killKey(hit.scope)}): ${hit.reason}` }
    : { primitive: 'kill-switch', outcome: 'ALLOW', message: 'no kill switch engaged' };
}

function grantLine(identity: Identity, p: ActionProposal, s: SharedSnapshot, policy: Policy, now: number): PrimitiveLine {
  if (identity.role !== 'agent' || !policy.grants.required) return { primitive: 'grant', outcome: 'ALLOW', message: `${identity.role}s need no grant` };
  const g = s.grants.find((x) => grantCovers(x, p.service, p.kind, now));
  return g
    ? { primitive: 'grant', outcome: 'ALLOW', message: `grant ${g.id} by ${g.grantedBy} until ${new Date(g.expiresAt).toISOString()}` }
    : { primitive: 'grant', outcome: 'DENY', message: `no live grant for ${p.kind} on ${p.service}` };
}

function driftLine(identity: Identity, p: ActionProposal, s: SharedSnapshot, policy: Policy): { line: PrimitiveLine; outOfScope: boolean } {
  const scope = identity.scope;
  const out = scope !== null && (!(scope.services.includes('*') || scope.services.includes(p.service)) || !scope.kinds.includes(p.kind));
  const total = s.deviations + (out ? 1 : 0);
  if (total >= policy.drift.denyAfter) {
    return { outOfScope: out, line: { primitive: 'drift', outcome: 'DENY', message: `${total} actions outside its declared scope (limit ${policy.drift.denyAfter})` } };
  }
  if (out) return { outOfScope: true, line: { primitive: 'drift', outcome: 'REQUIRE_APPROVAL', message: `${p.kind} on ${p.service} is outside ${identity.id}'s declared scope` } };
  return { outOfScope: false, line: { primitive: 'drift', outcome: 'ALLOW', message: scope === null ? 'no declared scope' : 'within declared scope' } };
}

function blastLine(br: BlastRadius, p: ActionProposal, policy: Policy): { line: PrimitiveLine; share: number } {
  const share = (br.trafficShare ?? 0) * (p.rolloutPercent / 100);
  const tier1 = br.tier1.length;
  const { approval, deny } = policy.blastRadius;
  const what = `${pct(share)} of entry traffic at ${p.rolloutPercent}% rollout, ${tier1} tier-1 service${tier1 === 1 ? '' : 's'}`;
  const outcome: Verdict = share >= deny.trafficShare || tier1 >= deny.tier1 ? 'DENY' : share >= approval.trafficShare || tier1 >= approval.tier1 ? 'REQUIRE_APPROVAL' : 'ALLOW';
  const limit = outcome === 'DENY' ? `deny at ${pct(deny.trafficShare)} or ${deny.tier1} tier-1` : `approval at ${pct(approval.trafficShare)} or ${approval.tier1} tier-1`;
  return { share, line: { primitive: 'blast-radius', outcome, message: `${what} (${limit})` } };
}

function schemaDriftLine(p: ActionProposal, policy: Policy): { line: PrimitiveLine; human: boolean } {
  if (p.kind !== 'MIGRATION' || !p.destructive) return { human: false, line: { primitive: 'schema-drift', outcome: 'ALLOW', message: 'no destructive migration' } };
  return policy.schemaDrift.destructiveMigration === 'deny'
    ? { human: false, line: { primitive: 'schema-drift', outcome: 'DENY', message: 'destructive migrations are refused' } }
    : { human: true, line: { primitive: 'schema-drift', outcome: 'REQUIRE_APPROVAL', message: 'destructive migration: needs a human sign-off' } };
}

function networkLine(br: BlastRadius, policy: Policy): PrimitiveLine {
  const from = br.services[0]?.zone ?? null;
  const allowed = new Set(policy.networkBoundary.allowed.map(([a, b]) => `${a}\u001f${b}`));
  const crossed = br.zonesCrossed.filter((z) => !allowed.has(`${from}\u001f${z}`));
  if (crossed.length === 0 || policy.networkBoundary.crossZone === 'allow') {
    return { primitive: 'network-boundary', outcome: 'ALLOW', message: crossed.length === 0 ? 'stays within its trust zone' : `crosses ${crossed.join(', ')} (allowed)` };
  }
  return {
    primitive: 'network-boundary',
    outcome: policy.networkBoundary.crossZone === 'deny' ? 'DENY' : 'REQUIRE_APPROVAL',
    message: `reaches zones ${crossed.join(', ')} beyond ${from ?? 'its own'}`,
  };
}

/** Evaluates every primitive but the rate limit, which the caller applies atomically with `withRateLimit`. */
export function evaluatePolicy(input: PolicyInput): Decision {
  const { identity, proposal: p, blastRadius: br, snapshot: s, policy, now } = input;
  const idLine = identityLine(identity, p);
  if (!identity || idLine.outcome === 'DENY') {
    return { verdict: 'DENY', reasons: [idLine], approvalsRequired: 0, humanApprovalRequired: false, severity: 'normal', outOfScope: false, dryRun: policy.dryRun };
  }
  const drift = driftLine(identity, p, s, policy);
  const blast = blastLine(br, p, policy);
  const schema = schemaDriftLine(p, policy);
  const reasons: PrimitiveLine[] = [
    idLine,
    killLine(identity, p, s),
    // Only the line: `autonomous` is the trust layer's own detail, not part of a verdict's record.
    ...(input.trust ? [{ primitive: input.trust.primitive, outcome: input.trust.outcome, message: input.trust.message }] : []),
    grantLine(identity, p, s, policy, now),
    drift.line,
    blast.line,
    schema.line,
    networkLine(br, policy),
    p.reversible
      ? { primitive: 'reversible', outcome: 'ALLOW', message: 'reversible: reverted automatically if health fails' }
      : { primitive: 'reversible', outcome: policy.reversible.irreversible === 'deny' ? 'DENY' : 'REQUIRE_APPROVAL', message: 'irreversible action' },
  ];
  const incident = incidentLine(br.touched.map((t) => t.service), input.incidents ?? [], policy.incidents.symptom);
  if (incident) reasons.push(incident);
  let verdict = reasons.reduce<Verdict>((v, r) => strictest(v, r.outcome), 'ALLOW');
  const hs = policy.quorum.highSeverity;
  const high = blast.share >= hs.trafficShare || br.tier1.length >= hs.tier1 || hs.kinds.includes(p.kind);
  const approvalsRequired = verdict === 'REQUIRE_APPROVAL' ? (high ? hs.approvals : policy.quorum.approvals) : 0;
  if (verdict === 'REQUIRE_APPROVAL') {
    reasons.push({
      primitive: 'quorum',
      outcome: 'REQUIRE_APPROVAL',
      message: `${approvalsRequired} distinct approval${approvalsRequired === 1 ? '' : 's'}, not from the proposer${high ? ' (high severity)' : ''}${schema.human ? ', one of them human' : ''}`,
    });
  }
  if (policy.dryRun) {
    reasons.push({ primitive: 'dry-run', outcome: 'DENY', message: `dry run: the verdict would be ${verdict}; nothing is allowed` });
    verdict = 'DENY';
  }
  return { verdict, reasons, approvalsRequired, humanApprovalRequired: schema.human, severity: high ? 'high' : 'normal', outOfScope: drift.outOfScope, dryRun: policy.dryRun };
}

/** The rate limit's say, once a slot was (or was not) taken atomically for a decision that is not a denial. */
export function withRateLimit(d: Decision, hit: RateLimitHit, policy: Policy, service: string): Decision {
  const window = `${policy.rateLimit.perService} per ${policy.rateLimit.windowSeconds}s on ${service}`;
  if (hit.allowed) return { ...d, reasons: [...d.reasons, { primitive: 'rate-limit', outcome: 'ALLOW', message: `action ${hit.count} of ${window}` }] };
  return { ...d, verdict: 'DENY', approvalsRequired: 0, reasons: [...d.reasons, { primitive: 'rate-limit', outcome: 'DENY', message: `limit reached: ${window}` }] };
}
