/**
 * The values the control layer passes around: a proposed action, its record as it moves through
 * its life, grants, kill switches and outcomes. Plain data, shared by the policy, the shared-state
 * adapters and the API.
 */
import type { ActionKind } from '../analysis/blast-radius.js';
import type { Json } from '../model/facts.js';

export type { ActionKind } from '../analysis/blast-radius.js';
export { ACTION_KINDS } from '../analysis/blast-radius.js';

export type Role = 'agent' | 'human' | 'admin';

/** An authenticated caller. `model` is set for agents: the model their token is bound to. */
export interface Identity {
  id: string;
  role: Role;
  model: string | null;
  /** What an agent declared it acts on; acting outside is drift. Null: no declaration (humans, admins). */
  scope: { services: string[]; kinds: ActionKind[] } | null;
}

export interface ActionProposal {
  kind: ActionKind;
  service: string;
  /** Other services the change applies to as well (a setting they share); absent or empty: none. */
  services?: string[];
  /** The callee whose calls the action changes; absent or null: none named. */
  dependency?: string | null;
  parameters: Record<string, Json>;
  /** 0..100; 100 when not given. */
  rolloutPercent: number;
  reversible: boolean;
  /** For a MIGRATION: it drops or rewrites data (schema drift that cannot be undone by a redeploy). */
  destructive: boolean;
  justification: string;
  /** What the justification rests on: incident ids, alert ids, links, one per item. */
  evidence: string[];
  /** The model the agent says produced the action; it must match the model its token is bound to. */
  model: string | null;
}

export type Verdict = 'ALLOW' | 'REQUIRE_APPROVAL' | 'DENY';

/**
 * The life of an action. ALLOWED is reached directly or through approvals; a DRY_RUN, DENIED,
 * SUCCEEDED, REVERTED or FAILED action changes no more.
 */
export const ACTION_STATUSES = ['DENIED', 'DRY_RUN', 'PENDING_APPROVAL', 'ALLOWED', 'EXECUTED', 'SUCCEEDED', 'REVERT_REQUIRED', 'REVERTED', 'FAILED'] as const;
export type ActionStatus = (typeof ACTION_STATUSES)[number];

export const PRIMITIVES = [
  'identity',
  'kill-switch',
  'trust',
  'grant',
  'drift',
  'blast-radius',
  'schema-drift',
  'network-boundary',
  'reversible',
  'incident',
  'quorum',
  'rate-limit',
  'dry-run',
] as const;
export type Primitive = (typeof PRIMITIVES)[number];

/** One primitive's say on a proposal: what it asked for and why, in a line a person can read. */
export interface PrimitiveLine {
  primitive: Primitive;
  outcome: Verdict;
  message: string;
}

export interface Approval {
  approver: string;
  role: Role;
  at: number;
  note: string | null;
}

export interface ActionRecord {
  id: string;
  proposal: ActionProposal;
  proposer: { id: string; role: Role; model: string | null };
  verdict: Verdict;
  reasons: PrimitiveLine[];
  /** Distinct approvals needed before it may run (0 when allowed outright). */
  approvalsRequired: number;
  /** At least one approval must come from a human or admin. */
  humanApprovalRequired: boolean;
  dryRun: boolean;
  status: ActionStatus;
  proposedAt: number;
  executedAt: number | null;
  finishedAt: number | null;
  /** Set once post-execution health failed: the executor must undo the action. */
  revertRequired: boolean;
  healthDetail: string | null;
}

export interface Grant {
  id: string;
  agent: string;
  /** Service ids, or `*` for every service. */
  services: string[];
  kinds: ActionKind[];
  grantedBy: string;
  grantedAt: number;
  expiresAt: number;
}

/** A kill switch scope: everything, one service, or one agent. */
export type KillScope = { kind: 'global' } | { kind: 'service'; id: string } | { kind: 'agent'; id: string };

export interface KillSwitch {
  scope: KillScope;
  by: string;
  reason: string;
  at: number;
}

export const killKey = (s: KillScope): string => (s.kind === 'global' ? 'global' : `${s.kind}:${s.id}`);

export type OutcomeStatus = 'executed' | 'succeeded' | 'failed' | 'reverted';

/** What happened to an executed action; blast radius reads these as the history of similar actions. */
export interface OutcomeRecord {
  actionId: string;
  service: string;
  kind: ActionKind;
  status: OutcomeStatus;
  at: number;
  by: string;
}

export const grantCovers = (g: Grant, service: string, kind: ActionKind, now: number): boolean =>
  g.expiresAt > now && (g.services.includes('*') || g.services.includes(service)) && g.kinds.includes(kind);
