/**
 * The port for the small, named, shared mutable state of the control layer (ARCHITECTURE principle
 * 5): rate-limit counters, kill switches, grants, actions and approvals in flight, drift counts and
 * recorded outcomes. `shared-state/redis.ts` shares it between instances; `shared-state/memory.ts`
 * keeps it in one process. Both pass `test/unit/control-shared-state.suite.ts`.
 */
import type { ActionKind, ActionRecord, ActionStatus, Approval, Grant, KillSwitch, OutcomeRecord } from './action.js';

/** What the policy reads about one proposal, taken in one round trip. */
export interface SharedSnapshot {
  kills: KillSwitch[];
  /** The proposing agent's grants (expired ones included; the policy checks time). */
  grants: Grant[];
  /** Times the agent acted outside its declared scope. */
  deviations: number;
  /** Actions counted against the target service's rate limit in the current window. */
  recentActions: number;
}

export interface RateLimitHit {
  allowed: boolean;
  /** Actions in the window after this one (when allowed) or as found (when refused). */
  count: number;
}

export interface SharedState {
  snapshot(q: { agent: string; rateKey: string; windowMs: number; now: number }): Promise<SharedSnapshot>;
  /**
   * Atomically: forgets hits older than the window, then records this one only if fewer than
   * `limit` remain. Parallel callers never exceed the limit together. `now` is the caller's clock;
   * an adapter shared by several instances keeps time by its own clock instead (Redis: TIME), so
   * that instances whose clocks disagree still share one window. The snapshot's count does the same.
   */
  hitRateLimit(q: { key: string; limit: number; windowMs: number; now: number; member: string }): Promise<RateLimitHit>;

  setKill(k: KillSwitch): Promise<void>;
  /** Returns whether a switch was engaged on that scope. */
  liftKill(scopeKey: string): Promise<boolean>;
  kills(): Promise<KillSwitch[]>;

  putGrant(g: Grant): Promise<void>;
  /** Returns whether the grant existed. */
  revokeGrant(agent: string, id: string): Promise<boolean>;
  grants(agent: string): Promise<Grant[]>;

  /** Adds one deviation for the agent and returns its total. */
  addDeviation(agent: string): Promise<number>;

  createAction(r: ActionRecord): Promise<void>;
  action(id: string): Promise<ActionRecord | null>;
  /**
   * Compare-and-set on the status: stores `next` only when the stored status is one of `from`.
   * Statuses never repeat in an action's life, so an unchanged status means an unchanged record.
   */
  transition(id: string, from: readonly ActionStatus[], next: ActionRecord): Promise<boolean>;
  /** Adds an approval unless that approver already gave one; returns every approval so far. */
  addApproval(actionId: string, a: Approval): Promise<{ added: boolean; approvals: Approval[] }>;
  approvals(actionId: string): Promise<Approval[]>;

  /** Executed actions whose health is watched (health-watcher.ts) until `unwatchExecuted`. */
  watchExecuted(actionId: string, executedAt: number): Promise<void>;
  unwatchExecuted(actionId: string): Promise<void>;
  /** Ids of the watched actions, oldest execution first. */
  executedWatched(): Promise<string[]>;

  recordOutcome(o: OutcomeRecord): Promise<void>;
  /** The most recent first. */
  outcomes(service: string, kind: ActionKind): Promise<OutcomeRecord[]>;

  close(): Promise<void>;
}

/** How many outcomes per service and kind are kept for the history. */
export const OUTCOMES_KEPT = 1000;
/**
 * How long an action and its approvals are kept after their last change. Long past any action's
 * life (an allowed action expires after the policy's `actionTtlSeconds`; health and revert reports
 * follow execution within hours): what is older is history, kept by the audit and the graph.
 */
export const ACTION_RETENTION_MS = 7 * 24 * 3_600_000;
/** The most actions the in-process adapter keeps; past it the oldest proposals are forgotten first. */
export const MEMORY_ACTIONS_KEPT = 100_000;
